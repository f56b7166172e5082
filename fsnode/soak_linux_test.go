package fsnode

import (
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// Eight walkers at once over a mount whose server throttles and drops
// connections: every walker sees the same tree, and after unmount the
// goroutines and the heap are back where they were.
func TestSoak(t *testing.T) {
	shelltest.Need(t, "getfattr")
	srv := s3server.StartT(t)
	if err := demo.Seed(t.Context(), srv.Client(), srv.Clock); err != nil {
		t.Fatal(err)
	}
	p := faultproxy.NewT(t, srv.URL)
	// The first attempt of about one request in three fails; retries pass.
	var mu sync.Mutex
	tried := map[string]bool{}
	p.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		mu.Lock()
		defer mu.Unlock()
		if tried[r.Key] {
			return faultproxy.None
		}
		tried[r.Key] = true
		switch fnvOffset.add(r.Key) % 6 {
		case 0:
			return faultproxy.SlowDown
		case 1:
			return faultproxy.Reset
		}
		return faultproxy.None
	})
	c := s3server.Via(srv.Client(), p.URL)

	settle()
	goroutines := runtime.NumGoroutine()
	heap := heapInUse()

	dir := t.TempDir()
	server, err := Mount(dir, Options{Lister: listing.NewS3(c), TTL: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	unmounted := false
	t.Cleanup(func() {
		if !unmounted {
			server.Unmount()
		}
	})
	walkers := []func() (string, error){}
	for range 3 {
		walkers = append(walkers, func() (string, error) {
			out, err := shelltest.Run(t, "find "+dir+" -mindepth 1 -printf '%P %s %i %m\\n' | LC_ALL=C sort")
			return "find:" + out, err
		})
		walkers = append(walkers, func() (string, error) { return walkGo(dir) })
	}
	for range 2 {
		walkers = append(walkers, func() (string, error) {
			out, err := shelltest.Run(t, "cd "+dir+" && getfattr -R -d . 2>&1 | LC_ALL=C sort")
			return "getfattr:" + out, err
		})
	}
	results := make([]string, len(walkers))
	errs := make([]error, len(walkers))
	var wg sync.WaitGroup
	for i, w := range walkers {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], errs[i] = w() }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("walker %d: %v\n%.500s", i, err, results[i])
		}
	}
	// Same kind, same view; and find agrees with the Go walker.
	for i := 2; i < len(results); i++ {
		if results[i] != results[i%2] && i < 6 {
			t.Fatalf("walker %d saw a different tree than walker %d", i, i%2)
		}
	}
	if results[6] != results[7] {
		t.Fatal("the getfattr walkers saw different attributes")
	}
	if strings.TrimPrefix(results[0], "find:") != strings.TrimPrefix(results[1], "go:") {
		t.Fatal("find and the Go walker disagree")
	}
	if n := strings.Count(results[0], "\n"); n < 2700 {
		t.Fatalf("only %d entries walked", n)
	}
	requests, faults := p.Stats()
	t.Logf("soak: 8 walkers, %d requests, faults injected %v, %d entries each", requests, faults, strings.Count(results[0], "\n"))

	if err := server.Unmount(); err != nil {
		t.Fatal(err)
	}
	unmounted = true
	if hc, ok := c.Options().HTTPClient.(interface{ CloseIdleConnections() }); ok {
		hc.CloseIdleConnections()
	}
	p.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		settle()
		g := runtime.NumGoroutine()
		if g <= goroutines {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after unmount, %d before:\n%s", g, goroutines, buf[:runtime.Stack(buf, true)])
		}
	}
	if grew := heapInUse() - heap; grew > 8<<20 {
		t.Fatalf("heap grew by %d bytes across mount and unmount", grew)
	}
}

func settle() {
	runtime.GC()
	runtime.GC()
}

func heapInUse() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// walkGo walks the tree with WalkDir and Lstat, in find's format.
func walkGo(root string) (string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		lines = append(lines, fmt.Sprintf("%s %d %d %o", rel, info.Size(), inoOf(info.Sys()), info.Mode().Perm()))
		return nil
	})
	sort.Strings(lines)
	if len(lines) > 0 {
		lines = append(lines, "")
	}
	return "go:" + strings.Join(lines, "\n"), err
}

func inoOf(sys any) uint64 { return sys.(*syscall.Stat_t).Ino }
