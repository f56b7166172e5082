// Command uploadfs mounts the in-progress multipart uploads of S3 (or of S3
// Glacier vaults) as a read-only file system.
//
//	uploadfs mount [--glacier] [flags] MOUNTPOINT
//	uploadfs report [--glacier] [flags] [BUCKET[/PREFIX]...]
//	uploadfs abort [--glacier] [flags] BUCKET[/PREFIX]...
//	uploadfs lifecycle [--ensure-abort DAYS [--apply]] [flags] BUCKET...
//	uploadfs unmount MOUNTPOINT
//	uploadfs demo [--glacier] [MOUNTPOINT]
//	uploadfs man
//	uploadfs version
//
// Exit codes: 0 success (including an unmount on SIGINT, SIGTERM or SIGHUP), 1 a
// failure (the reason is one line on stderr; for report, a bucket that could
// not be listed or an interrupted report), 2 a usage error.
//
// Files: main.go, the entry and exit codes; cli.go, the commands (help,
// man page and completion come from them); config.go, the flags into one
// config; values.go, the flag values that check themselves (durations
// with days, the endpoint URL); services.go, what S3-compatible services
// refuse; client.go, the AWS configuration and the S3 and Glacier clients;
// lastattempt.go, what a deadline hid; mount.go, mounting, the background
// child and serving; report.go, uploadfs report; abort.go and abortout.go,
// uploadfs abort and its output; lifecycle.go, uploadfs lifecycle; demo.go,
// the demo; helper.go, mount(8)'s helper and -o options; logs.go, where
// logs go; notify.go, systemd's notify protocol; mountpoint*.go and
// unmount*.go, checking and clearing mount points per system; version.go.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

const usage = `uploadfs shows in-progress S3 multipart uploads (or, with --glacier,
S3 Glacier vault uploads) as a read-only file system.

Usage:
  uploadfs mount [flags] MOUNTPOINT     mount; returns once the mount is ready
  uploadfs report [flags] [BUCKET[/PREFIX]...]
                                        sum every in-progress upload: bytes, age, lifecycle coverage, cost
  uploadfs unmount MOUNTPOINT           unmount, also a stale mount of a killed process
  uploadfs abort [flags] BUCKET[/PREFIX]...
                                        abort old uploads by upload ID, after the plan and a prompt
  uploadfs lifecycle [flags] BUCKET...  show abort rules; --ensure-abort DAYS adds one, other rules kept
  uploadfs demo [--glacier] [MOUNTPOINT]
                                        mount a seeded demo tree (default ./mnt), no AWS account needed
  uploadfs version                      print the version
  uploadfs man                          print the manual page uploadfs(8)
  uploadfs completion bash|zsh|fish     print a shell completion script

Run "uploadfs COMMAND -h" for a command's flags.
`

// errUsage marks an error whose message is followed by the usage text and
// exit code 2.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if filepath.Base(os.Args[0]) == helperName {
		margs, fake, err := helperArgs(args)
		if err != nil || fake {
			return exitCode(err)
		}
		args = append([]string{"mount"}, margs...)
	}
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	if args[0] == "mount" {
		mountArgs = args[1:]
	}
	setCollector(args[0])
	return runCLI(args, os.Stdout)
}

// mountArgs are the arguments of mount as given: the background process
// it starts gets them again.
var mountArgs []string

// exitCode prints err (if any) the way each kind wants and returns the
// process's exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "uploadfs: %v\n\n%s", err, usage)
		return 2
	case errors.Is(err, errNoTerminal):
		fmt.Fprintf(os.Stderr, "uploadfs: %v\n", err)
		return 2
	default:
		fmt.Fprintf(os.Stderr, "uploadfs: %v\n", err)
		return 1
	}
}
