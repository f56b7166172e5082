package fsnode

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
)

// Ctrl-C on an ls waiting for a slow listing returns at once; another ls
// waiting for the same fetch still gets the whole listing, and the result is
// cached for the next one.
func TestInterruptDoesNotFailOthers(t *testing.T) {
	b := newFaultBed(t, Options{})
	b.proxy.SlowBy = 2 * time.Second
	b.proxy.SetRule(everyNth("ListParts", 1, faultproxy.Slow))

	victim := exec.Command("ls", b.dir)
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	other := exec.Command("ls", b.dir)
	var out strings.Builder
	other.Stdout = &out
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // both are waiting for the first page
	sent := time.Now()
	victim.Process.Signal(syscall.SIGINT)
	victim.Wait()
	if d := time.Since(sent); d > time.Second {
		t.Fatalf("interrupted ls took %v to return", d)
	}
	if err := other.Wait(); err != nil {
		t.Fatalf("the other ls failed: %v", err)
	}
	if n := strings.Count(out.String(), "\n"); n != faultParts {
		t.Fatalf("the other ls listed %d parts, want %d", n, faultParts)
	}
	requests, _ := b.proxy.Stats()
	if got, err := b.list(t); err != nil || got != b.want {
		t.Fatalf("listing after the interrupt: %v", err)
	}
	if after, _ := b.proxy.Stats(); after != requests {
		t.Fatalf("the listing was fetched again (%d requests): the interrupt poisoned the cache", after-requests)
	}
}
