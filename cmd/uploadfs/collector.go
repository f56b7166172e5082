package main

import (
	"os"
	"runtime/debug"
)

// Garbage-collector policies. A mount keeps one node per part the kernel
// remembers, for days: it trades a little collection work for a heap that
// stays close to what it holds (GOGC 25). A scan (report, and every other
// command) holds little — the report its rows and the pages in flight —
// but allocates a page's decoding for every request, hundreds in flight:
// at GOGC 25 the collector took about 40 % of its CPU. It collects at
// GOGC 400, and a soft limit keeps that from growing a heap without
// bound where a server sends more than it should (a bucket's every upload
// in one page).
const (
	mountGCPercent = 25
	scanGCPercent  = 400
	scanMemLimit   = 1 << 30
)

// setCollector sets the policy for the command; GOGC and GOMEMLIMIT in
// the environment still win.
func setCollector(command string) {
	mount := command == "mount" || command == "demo"
	if os.Getenv("GOGC") == "" {
		if mount {
			debug.SetGCPercent(mountGCPercent)
		} else {
			debug.SetGCPercent(scanGCPercent)
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" && !mount {
		debug.SetMemoryLimit(scanMemLimit)
	}
}
