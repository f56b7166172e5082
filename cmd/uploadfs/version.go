package main

import "runtime/debug"

// buildVersion is set by the Makefile (-ldflags "-X main.buildVersion=…").
var buildVersion string

// version is the build's version: the Makefile's, else the module's, else
// "devel".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
