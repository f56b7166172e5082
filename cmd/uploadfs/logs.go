package main

import (
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"path/filepath"
)

// syslogSocketEnv names a syslog socket to use instead of the system's
// (/dev/log, which journald serves where it runs): for tests and chroots.
const syslogSocketEnv = "UPLOADFS_SYSLOG_SOCKET"

// newLogger logs to --log-file if given; else a mount in the foreground
// logs to stderr, and one in the background (no terminal; its stderr is
// /dev/null) to syslog or journald with the identifier "uploadfs", so that
// the EIO a user meets at 3 a.m. has its explanation somewhere.
// --log-format json writes one JSON object a line, for log shippers.
func newLogger(c *config) (*slog.Logger, func(), error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if c.Debug {
		opts.Level = slog.LevelDebug
	}
	var out io.Writer = os.Stderr
	closeFn := func() {}
	switch {
	case c.LogFile != "":
		f, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, err
		}
		out, closeFn = f, func() { f.Close() }
	case !c.Foreground:
		w, err := openSyslog()
		if err == nil {
			out, closeFn = w, func() { w.Close() }
			break
		}
		// Nothing listens (no /dev/log in a container): a file, named
		// to the user by the parent, rather than a log lost.
		f, name, ferr := openFallbackLog()
		if ferr != nil {
			return nil, nil, fmt.Errorf("no syslog (%v) and no log file (%v): use --log-file", err, ferr)
		}
		out, closeFn = f, func() { f.Close() }
		logNote = fmt.Sprintf("no syslog (%v): logging to %s", err, name)
		fmt.Fprintf(f, "%s\n", logNote)
	}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts)), closeFn, nil
	}
	return slog.New(slog.NewTextHandler(out, opts)), closeFn, nil
}

// logNote is what the user should know about where the log went; a
// background child sends it to its parent with its "ok" (ready).
var logNote string

// openFallbackLog opens the log of a background mount that has no syslog:
// uploadfs/mount.log in the user's cache directory (XDG_CACHE_HOME,
// ~/.cache), else in the temporary directory.
func openFallbackLog() (*os.File, string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "uploadfs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	name := filepath.Join(dir, "mount.log")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	return f, name, err
}

// openSyslog connects to the system's syslog socket (or the one the
// environment names). Each record is one message; its level is left to
// the text itself (level=ERROR), as journald shows it.
func openSyslog() (*syslog.Writer, error) {
	if sock := os.Getenv(syslogSocketEnv); sock != "" {
		return syslog.Dial("unixgram", sock, syslog.LOG_INFO|syslog.LOG_DAEMON, "uploadfs")
	}
	return syslog.New(syslog.LOG_INFO|syslog.LOG_DAEMON, "uploadfs")
}

// logFormats are the values --log-format takes.
var logFormats = map[string]bool{"text": true, "json": true}

func checkLogFormat(f string) error {
	if !logFormats[f] {
		return fmt.Errorf("%w: --log-format takes text or json, got %q", errUsage, f)
	}
	return nil
}
