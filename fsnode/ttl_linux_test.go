package fsnode

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// A script that stats every part of a listed upload, by name, for longer
// than the TTL costs about one listing per TTL window, not one request per
// part: an expired listing is refreshed whole, once for all the lookups
// waiting on it.
func TestStatLoopAfterTTL(t *testing.T) {
	const ttl = 500 * time.Millisecond
	b := newFaultBed(t, Options{TTL: ttl})
	shelltest.Sh(t, "ls "+b.dir+" >/dev/null")
	perListing, _ := b.proxy.Stats()
	var names strings.Builder
	for n := 1; n <= faultParts; n++ {
		fmt.Fprintf(&names, " %05d", n)
	}
	start := time.Now()
	for round := range 4 {
		time.Sleep(ttl) // the listing and the kernel's entries expire
		out := shelltest.Sh(t, "cd "+b.dir+" && stat -c %s"+names.String()+" | sort -u")
		if out != "100\n" {
			t.Fatalf("round %d: sizes %q", round, out)
		}
	}
	requests, _ := b.proxy.Stats()
	requests -= perListing
	windows := int(time.Since(start)/ttl) + 1
	t.Logf("%d requests for a listing; %d for 4 stat rounds of %d parts over %d TTL windows", perListing, requests, faultParts, windows)
	if requests > windows*perListing {
		t.Fatalf("%d requests over %d TTL windows, want at most one listing (%d requests) per window", requests, windows, perListing)
	}
	// A refresh costs at least the listing's pages (TestRefreshCostsItsPages).
	if pages := (faultParts + 999) / 1000; requests < 4*pages {
		t.Fatalf("%d requests for 4 rounds after the TTL: the listing was not refreshed", requests)
	}
}

// Listing an upload again after the TTL asks for nothing past the part
// where the last listing ended: a 2,500-part upload costs its three pages
// and at most one request more, not the first page and nine ranges up to
// part 10,000 again. The cold listing keeps its round trips: the first
// page, then the ranges at once (on gofakes3, whose marker is inclusive,
// the first range takes a second page: three waves).
func TestRefreshCostsItsPages(t *testing.T) {
	const ttl = 500 * time.Millisecond
	b := newFaultBed(t, Options{TTL: ttl})
	b.proxy.SlowBy = 20 * time.Millisecond // requests sent together overlap
	var listParts atomic.Int32
	b.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == "ListParts" {
			listParts.Add(1)
		}
		return faultproxy.Slow
	})
	shelltest.Sh(t, "stat "+b.dir+" >/dev/null") // the levels above it
	waves, _ := b.proxy.Waves()
	count := fmt.Sprintf("%d\n", faultParts)
	if out := shelltest.Sh(t, "ls "+b.dir+" | wc -l"); out != count {
		t.Fatalf("cold ls: %q names, want %d", out, faultParts)
	}
	w, _ := b.proxy.Waves()
	cold, coldWaves := listParts.Swap(0), w-waves
	time.Sleep(ttl) // the listing expires
	if out := shelltest.Sh(t, "ls "+b.dir+" | wc -l"); out != count {
		t.Fatalf("refreshed ls: %q names, want %d", out, faultParts)
	}
	refresh := listParts.Load()
	t.Logf("%d parts: cold listing %d ListParts in %d waves, refreshed %d ListParts", faultParts, cold, coldWaves, refresh)
	if coldWaves > 3 {
		t.Fatalf("cold listing in %d round-trip waves, want 3", coldWaves)
	}
	if refresh > 4 {
		t.Fatalf("refreshed listing of %d parts: %d ListParts, want at most 4 (its pages and one more)", faultParts, refresh)
	}
}
