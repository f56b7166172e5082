package fsnode

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// walkBucket makes a bucket of 10 prefixes of 20 uploads of 3 parts.
func walkBucket(t *testing.T, srv *s3server.Server) {
	t.Helper()
	c := srv.Client()
	createBucket(t, c, "walk")
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for p := range 10 {
		for k := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s3server.CreateUpload(t.Context(), c, "walk", fmt.Sprintf("p%d/obj-%02d.bin", p, k), []int32{1, 2, 3}, func(n int32) int { return 100 * int(n) })
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A walk with prefetching sees exactly what a walk without it sees, with
// no more than the bound of requests at once.
func TestPrefetchSameResult(t *testing.T) {
	srv := s3server.StartT(t)
	walkBucket(t, srv)
	// (Directory times are the mount's start, so only files show theirs.)
	find := func(mnt string) string {
		return shelltest.Sh(t, "find "+join(mnt, "walk")+" -type d -printf '%P %i\\n' -o -printf '%P %s %i %T@\\n' | LC_ALL=C sort")
	}
	// The bucket's top level first: its listing is proven by a listing
	// without the delimiter sent beside it (listing/proof.go), two at
	// once that are not the walk's.
	mountWalk := func(prefetch int) string {
		mnt := mountTest(t, Options{Lister: listing.NewS3(srv.Client()), Buckets: []string{"walk"}, Prefetch: prefetch})
		shelltest.Sh(t, "ls "+shelltest.Quote(join(mnt, "walk"))+" >/dev/null")
		srv.ResetMaxInFlight()
		return mnt
	}
	onDemand := find(mountWalk(-1))
	seq := srv.MaxInFlight()
	prefetched := find(mountWalk(4))
	if prefetched != onDemand {
		t.Fatal("a walk with prefetching differs from one without")
	}
	if n := len(prefetched); n == 0 {
		t.Fatal("empty walk")
	}
	// One walker plus four prefetchers: never more than five at once.
	if got := srv.MaxInFlight(); got > 5 || got <= seq {
		t.Fatalf("at most %d requests at once with 4 prefetchers (%d without); want more than without, at most 5", got, seq)
	}
}

// Prefetching turns a walk of N uploads from N round trips one after
// another into a few: counted as waves of requests at the proxy (a request
// that starts while none is in flight begins a wave), not timed.
func TestPrefetchMakesWalksFast(t *testing.T) {
	srv := s3server.StartT(t)
	walkBucket(t, srv)
	walk := func(prefetch int) (waves, inFlight int) {
		p := newSlowProxy(t, srv.URL, 20*time.Millisecond)
		mnt := mountTest(t, Options{Lister: listing.NewS3(s3server.Via(srv.Client(), p.URL)), Buckets: []string{"walk"}, Prefetch: prefetch})
		shelltest.Sh(t, "find "+join(mnt, "walk")+" -type f -printf '%s\\n' >/dev/null")
		return p.Waves()
	}
	slow, _ := walk(-1)
	fast, inFlight := walk(32)
	t.Logf("walk of 200 uploads: %d round-trip waves on demand, %d with prefetching (%d requests at once)", slow, fast, inFlight)
	if slow < 200 || fast*4 > slow || inFlight > 33 {
		t.Fatalf("%d waves on demand, %d with prefetching, %d at once: want 200 or more, a quarter or fewer, at most 33", slow, fast, inFlight)
	}
}

// A walk of a level far bigger than the prefetch window, streamed in
// pages, is prefetched from its first upload to its last: the window
// follows the walker, and the batch grows when the rest of the level is
// listed. Counted in waves, as above. `ls -l` of the level, which goes
// into no upload, prefetches nothing.
func TestPrefetchFollowsWalkerThroughBigLevel(t *testing.T) {
	srv := s3server.StartT(t)
	c := srv.Client()
	createBucket(t, c, "wide")
	keys := make([]string, 150)
	for i := range keys {
		keys[i] = fmt.Sprintf("u/%03d", i)
	}
	if err := s3server.StartUploads(t.Context(), c, "wide", keys); err != nil {
		t.Fatal(err)
	}
	walk := func(prefetch int) (waves, inFlight int) {
		p := newSlowProxy(t, srv.URL, 20*time.Millisecond)
		var listParts atomic.Int32
		p.SetRule(func(r faultproxy.Request) faultproxy.Fault {
			if r.Op == "ListParts" {
				listParts.Add(1)
			}
			return faultproxy.Slow
		})
		l := listing.NewS3(s3server.Via(c, p.URL))
		l.PageSize = 25 // the level streams: a first page, then the rest
		// A cache of 32 listings: a window of 8, far below the level's 150.
		mnt := mountTest(t, Options{Lister: l, Buckets: []string{"wide"}, Prefetch: prefetch, CacheEntries: 32})
		if n := strings.Count(shelltest.Sh(t, "ls -l "+join(mnt, "wide", "u")), "\n"); n != len(keys)+1 {
			t.Fatalf("ls -l printed %d lines, want %d", n, len(keys)+1)
		}
		time.Sleep(200 * time.Millisecond) // (ten round trips for a prefetch to start)
		if n := listParts.Load(); n != 0 {
			t.Fatalf("ls -l of the level sent %d ListParts", n)
		}
		shelltest.Sh(t, "find "+join(mnt, "wide")+" -type f >/dev/null")
		return p.Waves()
	}
	slow, _ := walk(-1)
	fast, inFlight := walk(8)
	t.Logf("walk of 150 uploads in one level: %d waves on demand, %d with prefetching (%d at once)", slow, fast, inFlight)
	if slow < 150 || fast*4 > slow || inFlight > 8+1+listing.DefaultConcurrency {
		t.Fatalf("%d waves on demand, %d with prefetching, %d at once: want 150 or more, a quarter or fewer, at most 19 (8 prefetchers, the walker, a ranged listing)", slow, fast, inFlight)
	}
}

// Unmounting in the middle of a prefetch leaves nothing running.
func TestPrefetchStopsAtUnmount(t *testing.T) {
	srv := s3server.StartT(t)
	walkBucket(t, srv)
	p := newSlowProxy(t, srv.URL, 200*time.Millisecond)
	c := s3server.Via(srv.Client(), p.URL)
	settle()
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	server, err := Mount(dir, Options{Lister: listing.NewS3(c), Buckets: []string{"walk"}, Prefetch: 8})
	if err != nil {
		t.Fatal(err)
	}
	// Going into p0 starts the prefetch of the other nine levels.
	shelltest.Sh(t, "ls "+join(dir, "walk")+" >/dev/null && ls "+join(dir, "walk", "p0")+" >/dev/null")
	time.Sleep(50 * time.Millisecond) // prefetchers are waiting on the server
	if _, inFlight := p.Waves(); inFlight < 2 {
		t.Fatalf("%d request(s) at once: the prefetch did not start", inFlight)
	}
	if err := server.Unmount(); err != nil {
		t.Fatal(err)
	}
	p.Close() // the proxy's own connections are not uploadfs's
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if hc, ok := c.Options().HTTPClient.(interface{ CloseIdleConnections() }); ok {
			hc.CloseIdleConnections()
		}
		settle()
		if g := runtime.NumGoroutine(); g <= before {
			break
		} else if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after unmount, %d before:\n%s", g, before, buf[:runtime.Stack(buf, true)])
		}
	}
}

// newSlowProxy puts a proxy that delays every listing request in front of
// url.
func newSlowProxy(t *testing.T, url string, delay time.Duration) *faultproxy.Proxy {
	t.Helper()
	p := faultproxy.NewT(t, url)
	p.SlowBy = delay
	p.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.Slow })
	return p
}
