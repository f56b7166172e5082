package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/demo"
)

// demoRun is a running `uploadfs demo`: its mount point, what it printed
// and logged.
type demoRun struct {
	cmd    *exec.Cmd
	mnt    string
	banner string // stdout up to "Press Ctrl-C"
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (d *demoRun) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.Write(p)
}

// log returns what the demo has logged so far.
func (d *demoRun) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// startDemoRun runs `uploadfs demo ARGS… MNT` as the README tells a new
// user to, and returns once it has printed its tour.
func startDemoRun(t *testing.T, mnt string, args ...string) *demoRun {
	t.Helper()
	d := &demoRun{mnt: mnt, cmd: exec.Command(uploadfsBin, append(append([]string{"demo"}, args...), mnt)...)}
	d.cmd.Stderr = d
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.cmd.Process.Kill(); unmountForTest(t, mnt) })
	ready := make(chan string)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Press Ctrl-C") {
				ready <- b.String()
			}
		}
		close(ready)
	}()
	select {
	case banner, ok := <-ready:
		if !ok {
			t.Fatalf("the demo ended before printing its tour: %v\n%s", d.cmd.Wait(), d.log())
		}
		d.banner = banner
	case <-time.After(time.Minute):
		t.Fatalf("the demo did not start within a minute:\n%s", d.log())
	}
	return d
}

// stop sends Ctrl-C and checks that the demo unmounted and exited 0.
func (d *demoRun) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGINT)
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("after Ctrl-C: %v\n%s", err, d.log())
	}
	if shell(t, "grep -c ' "+d.mnt+" ' /proc/mounts || true") != "0\n" {
		t.Fatal("still mounted after Ctrl-C")
	}
}

// The demo logs to stderr (without -f): --debug's lines, an rmdir's
// "aborted upload" under --allow-abort, and the pair "unmounting",
// "unmounted" at Ctrl-C; its banner does not call an --allow-abort mount
// read-only.
func TestDemoLogs(t *testing.T) {
	d := startDemoRun(t, t.TempDir(), "--debug", "--allow-abort", "--abort-min-age", "0")
	if strings.Contains(d.banner, "read-only") || !strings.Contains(d.banner, "rmdir of an upload directory aborts the upload") {
		t.Errorf("banner of an --allow-abort demo:\n%s", d.banner)
	}
	shell(t, "rmdir "+q(filepath.Join(d.mnt, "data-lake", "top-level.bin"))+"/*")
	d.stop(t)
	log := d.log()
	for _, want := range []string{"level=DEBUG", `msg="aborted upload"`, "msg=unmounting signal=interrupt", "msg=unmounted"} {
		if !strings.Contains(log, want) {
			t.Errorf("the demo's log has no %q:\n%.3000s", want, log)
		}
	}
}

// A demo killed with kill -9 leaves a stale mount; the next demo on the
// same directory clears it and starts.
func TestDemoClearsItsStaleMount(t *testing.T) {
	mnt := t.TempDir()
	first := startDemoRun(t, mnt)
	first.cmd.Process.Kill()
	first.cmd.Wait()
	if _, err := exec.Command("stat", mnt).CombinedOutput(); err == nil {
		t.Fatal("no stale mount after kill -9")
	}
	second := startDemoRun(t, mnt)
	if !strings.Contains(second.log(), "Clearing the stale mount") {
		t.Errorf("log:\n%s", second.log())
	}
	if got := shell(t, "ls "+q(mnt)); !strings.Contains(got, "media-uploads") {
		t.Fatalf("ls: %q", got)
	}
	second.stop(t)
}

// An upload with no parts has .upload.json but no .complete.json: S3
// refuses to complete it ("Parts": [] is malformed).
func TestDemoEmptyUploadHasNoCompletion(t *testing.T) {
	d := startDemoRun(t, t.TempDir())
	dir := shell(t, "echo "+q(filepath.Join(d.mnt, "data-lake", demo.EmptyKey))+"/*")
	dir = strings.TrimSpace(dir)
	if _, err := os.Stat(filepath.Join(dir, ".upload.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf(".complete.json of an upload with no parts: %v, want none", err)
	}
	d.stop(t)
}

// The banner's report command, pasted as printed, reports on the demo's
// server: every lifecycle coverage, and the bucket whose configuration
// is refused.
func TestDemoBannerReport(t *testing.T) {
	d := startDemoRun(t, t.TempDir())
	var line string
	for _, l := range strings.Split(d.banner, "\n") {
		if strings.Contains(l, " report ") {
			line = strings.TrimSpace(l)
		}
	}
	if line == "" {
		t.Fatalf("no report command in the banner:\n%s", d.banner)
	}
	out := shell(t, "env -i PATH=/usr/bin:/bin HOME=/nonexistent "+line)
	for _, want := range []string{"media-uploads", "covered (7 days)", "partly", "none", demo.DeniedBucket, "unknown"} {
		if !strings.Contains(out, want) {
			t.Errorf("report has no %q:\n%s", want, out)
		}
	}
	if got := shell(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle "+q(filepath.Join(d.mnt, "data-lake"))); got != "partly" {
		t.Errorf("data-lake's user.s3.lifecycle: %q", got)
	}
	d.stop(t)
}
