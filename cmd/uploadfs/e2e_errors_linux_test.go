package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// oneLine checks that a failed command printed exactly one line, naming the
// problem, and exited with code.
func oneLine(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, stderr %q; want exit %d and one line containing %q", r.code, r.stderr, code, want)
	}
}

func isMounted(t *testing.T, dir string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(data), " "+dir+" fuse.uploadfs ")
}

func TestMountRefusals(t *testing.T) {
	g := startGateway(t)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "real-bucket")
	mnt := t.TempDir()
	base := []string{"mount", "--endpoint-url", g.url, "--path-style"}

	t.Run("missing mount point", func(t *testing.T) {
		oneLine(t, uploadfs(t, g.env, append(base, filepath.Join(mnt, "nope"))...), 1, "does not exist")
	})
	t.Run("not empty", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "f"), nil, 0o644)
		oneLine(t, uploadfs(t, g.env, append(base, dir)...), 1, "not empty")
	})
	t.Run("wrong credentials", func(t *testing.T) {
		env := append(g.env, "AWS_SECRET_ACCESS_KEY=wrong")
		oneLine(t, uploadfs(t, env, append(base, mnt)...), 1, "access denied")
		if isMounted(t, mnt) {
			t.Fatal("mounted despite the error")
		}
	})
	t.Run("endpoint down", func(t *testing.T) {
		down := "http://127.0.0.1:" + freePort(t)
		oneLine(t, uploadfs(t, g.env, "mount", "--endpoint-url", down, "--path-style", mnt), 1, "cannot reach "+down)
	})
	t.Run("missing bucket", func(t *testing.T) {
		oneLine(t, uploadfs(t, g.env, append(base, "--bucket", "real-bucket", "--bucket", "no-such-bucket", mnt)...), 1, `bucket "no-such-bucket" does not exist`)
	})
	t.Run("already mounted", func(t *testing.T) {
		dir := g.mount(t)
		oneLine(t, uploadfs(t, g.env, append(base, dir)...), 1, "already a mount point")
	})
	t.Run("usage", func(t *testing.T) {
		if r := uploadfs(t, g.env, "mount"); r.code != 2 || !strings.Contains(r.stderr, "MOUNTPOINT") {
			t.Fatalf("mount without arguments: exit %d, %q", r.code, r.stderr)
		}
		if r := uploadfs(t, g.env, "frobnicate"); r.code != 2 {
			t.Fatalf("unknown command: exit %d", r.code)
		}
		if r := uploadfs(t, g.env, "mount", "--ttl", "-1s", mnt); r.code != 2 {
			t.Fatalf("negative ttl: exit %d", r.code)
		}
	})
	t.Run("version", func(t *testing.T) {
		if r := uploadfs(t, nil, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "uploadfs ") {
			t.Fatalf("version: %+v", r)
		}
	})
	t.Run("unmount not mounted", func(t *testing.T) {
		oneLine(t, uploadfs(t, nil, "unmount", t.TempDir()), 1, "not mounted")
	})
}

// foreground starts `uploadfs mount --foreground` and waits until the mount
// is up.
func (g *gateway) foreground(t *testing.T, mnt string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"mount", "--foreground", "--endpoint-url", g.url, "--path-style"}, extra...)
	cmd := exec.Command(uploadfsBin, append(args, mnt)...)
	cmd.Env = g.env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !isMounted(t, mnt); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("foreground mount did not come up")
		}
	}
	return cmd
}

// waitMounted waits until a mount's log says it is mounted.
func waitMounted(t *testing.T, logFile string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(logFile); strings.Contains(string(b), "msg=mounted") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the mount does not answer")
		}
	}
}

// waitExit waits for cmd, bounded, and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		return 0
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("uploadfs did not exit")
		return -1
	}
}

// SIGINT and SIGTERM unmount and exit 0 — also when they come the moment
// the mount appears, while go-fuse still holds a file open on it (a process
// killed then used to hang for ever in exit), so each is sent many times.
func TestSignalsUnmount(t *testing.T) {
	g := startGateway(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			for range 10 {
				mnt := t.TempDir()
				cmd := g.foreground(t, mnt)
				cmd.Process.Signal(sig)
				if code := waitExit(t, cmd); code != 0 || isMounted(t, mnt) {
					t.Fatalf("after %v: exit %d, mounted %v; want 0 and unmounted", sig, code, isMounted(t, mnt))
				}
			}
		})
	}
	t.Run("busy", func(t *testing.T) {
		mnt := t.TempDir()
		cmd := g.foreground(t, mnt)
		f, err := os.Open(mnt) // holds the mount busy
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Process.Signal(syscall.SIGTERM)
		if code := waitExit(t, cmd); code != 0 || isMounted(t, mnt) {
			t.Fatalf("busy mount: exit %d, mounted %v; want 0 and detached", code, isMounted(t, mnt))
		}
	})
}

// A killed process leaves a stale mount: mounting on it says what to do,
// and `uploadfs unmount` clears it.
func TestStaleMount(t *testing.T) {
	g := startGateway(t)
	mnt := t.TempDir()
	logFile := filepath.Join(t.TempDir(), "log")
	cmd := g.foreground(t, mnt, "--log-file", logFile)
	// Killed only once mounted: killed while go-fuse still waits on its
	// own new mount, the process could not finish exiting (a thread of it
	// blocked in a request that only it could answer).
	waitMounted(t, logFile)
	cmd.Process.Kill()
	cmd.Wait()
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	if _, err := os.Stat(mnt); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("stat of a dead mount: %v, want ENOTCONN", err)
	}
	oneLine(t, uploadfs(t, g.env, "mount", "--endpoint-url", g.url, "--path-style", mnt), 1, "uploadfs unmount "+mnt)
	if r := uploadfs(t, nil, "unmount", mnt); r.code != 0 {
		t.Fatalf("unmount stale: %+v", r)
	}
	if isMounted(t, mnt) {
		t.Fatal("stale mount still there")
	}
	g.mount(t) // and the directory is usable again
	if r := uploadfs(t, g.env, "mount", "--endpoint-url", g.url, "--path-style", mnt); r.code != 0 {
		t.Fatalf("mount after clearing: %+v", r)
	}
	unmountForTest(t, mnt)
}
