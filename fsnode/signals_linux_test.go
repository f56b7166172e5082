package fsnode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// helperEnv makes the test binary a helper program (runHelper) instead of
// running tests: a real process with its own threads and signals.
const helperEnv = "UPLOADFS_TEST_HELPER"

// runHelper is the helper program: "storm PATH…" calls raw lstat, lgetxattr
// and opendir+getdents on each PATH from locked threads that another thread
// sends SIGURG and SIGALRM (a handled, restartable timer signal) all along,
// and prints how many calls failed with EINTR; "notify PATH" waits in a raw
// opendir of PATH with SIGINT caught by signal.Notify, and exits 0 when it
// arrives.
func runHelper(args []string) int {
	switch args[0] {
	case "storm":
		return storm(args[1:])
	case "notify":
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT)
		go func() {
			fd, err := unix.Open(args[1], unix.O_RDONLY|unix.O_DIRECTORY, 0)
			fmt.Println("opendir returned", fd, err)
		}()
		fmt.Println("waiting")
		<-sigs
		return 0
	}
	return 2
}

func storm(paths []string) int {
	alarms := make(chan os.Signal, 64)
	signal.Notify(alarms, syscall.SIGALRM)
	go func() {
		for range alarms {
		}
	}()
	const workers = 4
	var (
		tids       [workers]atomic.Int32
		calls, bad atomic.Int64
		other      sync.Map
		wg         sync.WaitGroup
		done       = make(chan struct{})
	)
	check := func(err error) {
		calls.Add(1)
		if errors.Is(err, unix.EINTR) {
			bad.Add(1)
		} else if err != nil {
			other.Store(err.Error(), true)
		}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			tids[w].Store(int32(unix.Gettid()))
			buf := make([]byte, 64<<10)
			for round := 0; round < 3; round++ {
				for _, p := range paths {
					var st unix.Stat_t
					check(unix.Lstat(p, &st))
					_, err := unix.Lgetxattr(p, "user.s3.part-count", buf)
					check(err)
					fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY, 0)
					check(err)
					if err == nil {
						_, err = unix.Getdents(fd, buf)
						check(err)
						unix.Close(fd)
					}
				}
			}
		}()
	}
	go func() {
		pid := unix.Getpid()
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			for w := range workers {
				if tid := int(tids[w].Load()); tid != 0 {
					unix.Tgkill(pid, tid, unix.SIGURG)
					unix.Tgkill(pid, tid, unix.SIGALRM)
				}
			}
		}
	}()
	wg.Wait()
	close(done)
	other.Range(func(k, _ any) bool { fmt.Println("error:", k); return true })
	fmt.Printf("calls %d eintr %d\n", calls.Load(), bad.Load())
	return 0
}

// helper starts the test binary as a helper program.
func helper(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// A race-instrumented binary sleeps a second at exit (TSan's
	// atexit_sleep_ms): not what the tests measure.
	cmd.Env = append(os.Environ(), helperEnv+"=1", "GORACE=atexit_sleep_ms=0")
	return cmd
}

// Handled signals (the Go runtime's SIGURG, a SIGALRM timer) that reach
// threads waiting on slow listings fail no call: 0 EINTR.
func TestHarmlessSignalsNoEINTR(t *testing.T) {
	srv := s3server.StartT(t)
	walkBucket(t, srv)
	p := newSlowProxy(t, srv.URL, 50*time.Millisecond)
	mnt := mountTest(t, Options{Lister: listing.NewS3(s3server.Via(srv.Client(), p.URL)), Buckets: []string{"walk"}, TTL: 300 * time.Millisecond})
	paths := strings.Fields(shelltest.Sh(t, "find "+join(mnt, "walk")+" -mindepth 3 -maxdepth 3 -type d | head -12"))
	if len(paths) != 12 {
		t.Fatalf("found %d upload directories, want 12", len(paths))
	}
	time.Sleep(400 * time.Millisecond) // every listing has expired
	out, err := helper(t, append([]string{"storm"}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	var calls, eintr int
	if _, err := fmt.Sscanf(lastLine(string(out)), "calls %d eintr %d", &calls, &eintr); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	if calls != 3*4*4*len(paths) || eintr != 0 || strings.Contains(string(out), "error:") {
		t.Fatalf("%d calls, %d EINTR, output:\n%s\nwant %d calls, no error", calls, eintr, out, 3*4*4*len(paths))
	}
	if _, faults := p.Stats(); faults[faultproxy.Slow] == 0 {
		t.Fatal("no listing was slow: the calls never waited")
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// hungBed is a mount whose ListParts never answers (within the test).
func hungBed(t *testing.T) *faultBed {
	t.Helper()
	b := newFaultBed(t, Options{})
	b.proxy.SlowBy = time.Hour
	b.proxy.SetRule(everyNth("ListParts", 1, faultproxy.Slow))
	return b
}

// waitFor starts cmd and reads its output until a line with want.
func startAndWaitFor(t *testing.T, cmd *exec.Cmd, want string) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), want) {
			go func() {
				for sc.Scan() {
				}
			}()
			return
		}
	}
	t.Fatalf("%s: no %q in its output", cmd, want)
}

// exitsWithin sends sig to cmd and waits at most d for it to exit.
func exitsWithin(t *testing.T, cmd *exec.Cmd, sig os.Signal, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	sent := time.Now()
	cmd.Process.Signal(sig)
	select {
	case err := <-done:
		t.Logf("%s exited %v after %v", cmd.Path, err, time.Since(sent))
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s: still waiting %v after %v", cmd, d, sig)
		return nil
	}
}

// ctrlCBound is how long a command may take to end after Ctrl-C: it ends
// within about 0.1 s (the check period); the bound leaves room for a busy
// machine and is far from the 25 s deadline the command would otherwise
// wait for (the server here hangs for an hour).
const ctrlCBound = 2 * time.Second

// Ctrl-C ends an ls waiting on a hung server at once.
func TestCtrlCOnHungServer(t *testing.T) {
	b := hungBed(t)
	ls := exec.Command("ls", b.dir)
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	waitSlowRequest(t, b.proxy)
	exitsWithin(t, ls, syscall.SIGINT, ctrlCBound)
}

// A Python program whose SIGALRM timer has already used the request's one
// INTERRUPT still ends at once on Ctrl-C, with KeyboardInterrupt.
func TestCtrlCAfterTimerSignal(t *testing.T) {
	shelltest.Need(t, "python3")
	b := hungBed(t)
	py := exec.Command("python3", "-c", `
import os, signal, sys
signal.signal(signal.SIGALRM, lambda *a: None)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
print("waiting", flush=True)
try:
    os.listdir(sys.argv[1])
    print("listed")
except KeyboardInterrupt:
    signal.setitimer(signal.ITIMER_REAL, 0)  # no alarm during exit
    print("KeyboardInterrupt", flush=True)
    sys.exit(3)
`, b.dir)
	var out strings.Builder
	py.Stdout = &out
	py.Stderr = &out
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	waitSlowRequest(t, b.proxy)
	time.Sleep(300 * time.Millisecond) // several timer signals have come
	err := exitsWithin(t, py, syscall.SIGINT, ctrlCBound)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 || !strings.Contains(out.String(), "KeyboardInterrupt") {
		t.Fatalf("python: %v\n%s\nwant KeyboardInterrupt and exit 3", err, out.String())
	}
}

// A Go program that catches SIGINT with signal.Notify exits at once while
// one of its threads waits on a hung server.
func TestCtrlCOnNotifyingGoProgram(t *testing.T) {
	b := hungBed(t)
	cmd := helper(t, "notify", b.dir)
	startAndWaitFor(t, cmd, "waiting")
	waitSlowRequest(t, b.proxy)
	if err := exitsWithin(t, cmd, syscall.SIGINT, ctrlCBound); err != nil {
		t.Fatalf("helper: %v", err)
	}
}

// waitSlowRequest waits until the proxy holds a slow request: the caller is
// then waiting on the mount.
func waitSlowRequest(t *testing.T, p *faultproxy.Proxy) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, faults := p.Stats(); faults[faultproxy.Slow] > 0 {
			time.Sleep(50 * time.Millisecond)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no request reached the server")
		}
	}
}

// The pending-signal masks are read from /proc/<tid>/status.
func TestSignalMasks(t *testing.T) {
	status := "Name:\tls\nSigQ:\t0/1\nSigPnd:\t0000000000000100\nShdPnd:\t0000000000000002\nSigBlk:\t0000000000004000\nSigIgn:\t0\n"
	pending, blocked, ok := signalMasks([]byte(status))
	if !ok || pending != 0x102 || blocked != 0x4000 {
		t.Fatalf("got %x %x %v", pending, blocked, ok)
	}
	if _, _, ok := signalMasks([]byte("Name:\tls\n")); ok {
		t.Fatal("a status without masks was read")
	}
	if !callerStopping(1 << 30) {
		t.Fatal("a thread that does not exist is not stopping")
	}
	if callerStopping(uint32(os.Getpid())) {
		t.Fatal("this test is stopping")
	}
}
