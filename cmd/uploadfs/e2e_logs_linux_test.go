package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A background mount with no syslog to reach logs to a file in the user's
// cache directory and says so; stopped by `uploadfs unmount`, it logs
// "unmounting" then "unmounted".
func TestBackgroundLogWithoutSyslog(t *testing.T) {
	g := startGateway(t)
	cache := t.TempDir()
	env := append(g.env, syslogSocketEnv+"="+filepath.Join(t.TempDir(), "no-such-socket"), "XDG_CACHE_HOME="+cache)
	mnt := t.TempDir()
	r := uploadfs(t, env, "mount", "--endpoint-url", g.url, "--path-style", mnt)
	if r.code != 0 {
		t.Fatalf("mount: exit %d: %s", r.code, r.stderr)
	}
	t.Cleanup(func() { unmountForTest(t, mnt) })
	file := filepath.Join(cache, "uploadfs", "mount.log")
	if !strings.Contains(r.stderr, "no syslog") || !strings.Contains(r.stderr, "logging to "+file) {
		t.Errorf("mount said %q; want where it logs (%s)", r.stderr, file)
	}
	if r := uploadfs(t, nil, "unmount", mnt); r.code != 0 {
		t.Fatalf("unmount: %s", r.stderr)
	}
	// The mount process logs its last lines as it exits: wait for them.
	var log string
	for range 100 {
		data, _ := os.ReadFile(file)
		if log = string(data); strings.Contains(log, "msg=unmounted") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"msg=mounted", "msg=unmounting", "msg=unmounted"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log file has no %q:\n%s", want, log)
		}
	}
}
