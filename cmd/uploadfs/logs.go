package main

import (
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
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
		if err != nil {
			// Nothing listens: the log is lost, as a daemon's is
			// without syslog, but the mount still works.
			out = io.Discard
			break
		}
		out, closeFn = w, func() { w.Close() }
	}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts)), closeFn, nil
	}
	return slog.New(slog.NewTextHandler(out, opts)), closeFn, nil
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
