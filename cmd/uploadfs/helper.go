package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// helperName is the name under which uploadfs is mount(8)'s helper for
// file systems of type "uploadfs": a /sbin/mount.uploadfs link to it.
const helperName = "mount.uploadfs"

// helperArgs reads a mount as mount(8) asks a helper for it:
//
//	mount.uploadfs SOURCE DIR [-sfnv] [-N ns] [-o OPTIONS] [-t TYPE]
//
// SOURCE is s3:// (every bucket), s3://NAME (that bucket; more with
// -o bucket=a:b), glacier:// or glacier://VAULT. Each option maps to the
// flag of its name (underscores for dashes): ttl=30s, region=…, profile=…,
// allow_other, uid=…, gid=…, endpoint_url=…; the generic options that
// mount(8), mount.fuse and systemd add are accepted and ignored. It returns
// the arguments of `uploadfs mount`, and reports -f (a fake mount: mount(8)
// asks for everything but the mount).
// ignoredOptions are the generic mount options uploadfs has no use for.
var ignoredOptions = map[string]bool{
	"rw": true, "ro": true, "dev": true, "nodev": true, "suid": true, "nosuid": true, "exec": true, "noexec": true,
	"auto": true, "noauto": true, "user": true, "nouser": true, "users": true, "owner": true, "group": true,
	"_netdev": true, "nofail": true, "defaults": true, "atime": true, "noatime": true, "relatime": true,
	"strictatime": true, "async": true, "sync": true, "loop": true,
}

func helperArgs(argv []string) (args []string, fake bool, err error) {
	var pos, opts []string
	sloppy := false
	for i := 0; i < len(argv); i++ {
		switch a := argv[i]; {
		case a == "-o" && i+1 < len(argv):
			i++
			opts = append(opts, strings.Split(argv[i], ",")...)
		case strings.HasPrefix(a, "-o") && len(a) > 2:
			opts = append(opts, strings.Split(a[2:], ",")...)
		case a == "-t" && i+1 < len(argv):
			i++ // the type: this helper's own
		case a == "-N":
			return nil, false, fmt.Errorf("%w: %s does not enter other namespaces (-N)", errUsage, helperName)
		case strings.HasPrefix(a, "-") && len(a) > 1 && strings.Trim(a[1:], "sfnv") == "":
			fake = fake || strings.Contains(a, "f")
			sloppy = sloppy || strings.Contains(a, "s")
		case strings.HasPrefix(a, "-"):
			return nil, false, fmt.Errorf("%w: %s: unknown argument %q", errUsage, helperName, a)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return nil, false, fmt.Errorf("%w: usage: %s SOURCE DIR [-o OPTIONS] (SOURCE: s3://, s3://BUCKET, glacier:// or glacier://VAULT)", errUsage, helperName)
	}
	if args, err = sourceArgs(pos[0]); err != nil {
		return nil, false, err
	}
	for _, o := range opts {
		flags, err := optionArgs(o)
		if err != nil && !sloppy {
			return nil, false, fmt.Errorf("%w: %s: %v", errUsage, helperName, err)
		}
		args = append(args, flags...)
	}
	return append(args, "--", pos[1]), fake, nil
}

// sourceArgs maps SOURCE to flags.
func sourceArgs(src string) ([]string, error) {
	scheme, name, ok := strings.Cut(src, "://")
	var args []string
	switch {
	case ok && scheme == "s3":
	case ok && scheme == "glacier":
		args = append(args, "--glacier")
	default:
		return nil, fmt.Errorf("%w: %s: source %q is not s3://[BUCKET] or glacier://[VAULT]", errUsage, helperName, src)
	}
	if name = strings.TrimSuffix(name, "/"); name != "" {
		args = append(args, "--bucket", name)
	}
	return args, nil
}

// optionArgs (mount -o, and mount(8)'s helper, which names itself in
// the error) maps one -o option to flags: key=value to --key value (with
// dashes for underscores), a bare key to --key, bucket=a:b to one --bucket
// each, and the generic ones to nothing.
func optionArgs(o string) ([]string, error) {
	key, value, hasValue := strings.Cut(o, "=")
	switch {
	case key == "" || ignoredOptions[key] || strings.HasPrefix(key, "x-systemd.") || strings.HasPrefix(key, "x-") || key == "comment":
		return nil, nil
	case key == "bucket" && hasValue:
		var args []string
		for _, b := range strings.Split(value, ":") {
			args = append(args, "--bucket", b)
		}
		return args, nil
	}
	flag := strings.ReplaceAll(key, "_", "-")
	if !mountFlagNames()[flag] || flag == "foreground" || flag == "options" {
		return nil, fmt.Errorf("unknown option %q", o)
	}
	if hasValue {
		return []string{"--" + flag, value}, nil
	}
	return []string{"--" + flag}, nil
}

// mountFlagNames are the names of uploadfs mount's flags.
func mountFlagNames() map[string]bool {
	names := map[string]bool{}
	fs := pflag.NewFlagSet("mount", pflag.ContinueOnError)
	addMountFlags(fs, &config{})
	fs.VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
	return names
}
