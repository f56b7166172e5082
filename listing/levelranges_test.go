package listing_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// A large level is listed as ranges at once: the same entries as one page
// after another, in a few round-trip waves instead of one per page.
func TestLevelRanges(t *testing.T) {
	srv := s3server.StartT(t, "scale")
	c := srv.Client()
	const n = 2000
	var keys []string
	for i := range n {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		keys = append(keys, "random/"+hex.EncodeToString(sum[:8]), // random IDs
			fmt.Sprintf("counter/%06d", i),           // a counter
			fmt.Sprintf("mixed/%c%05d", 'A'+i%50, i)) // many first letters
	}
	// A second upload of one key, and a key after every prefix (gofakes3
	// starts over from its first key when a marker is past its last;
	// TestLevelRangesMarkerIgnored has that).
	keys = append(keys, "counter/000007", "zzz")
	if err := s3server.StartUploads(t.Context(), c, "scale", keys); err != nil {
		t.Fatal(err)
	}

	p := faultproxy.NewT(t, srv.URL)
	p.SlowBy = 20 * time.Millisecond
	p.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.Slow })
	for _, prefix := range []string{"random/", "counter/", "mixed/"} {
		t.Run(prefix, func(t *testing.T) {
			list := func(concurrency int) (*listing.Level, int, int) {
				l := listing.NewS3(s3server.Via(c, p.URL))
				l.PageSize = 50 // 40 pages in a row for 2,000 uploads
				l.Concurrency = concurrency
				w0, _ := p.Waves()
				r0, _ := p.Stats()
				lv, err := l.Level(context.Background(), "scale", prefix)
				if err != nil {
					t.Fatal(err)
				}
				w1, _ := p.Waves()
				r1, _ := p.Stats()
				return lv, w1 - w0, r1 - r0
			}
			seq, seqWaves, _ := list(1)
			par, waves, requests := list(16)
			t.Logf("%q: %d uploads, %d prefixes: %d waves one page after another, %d ranged (%d requests)",
				prefix, len(par.Uploads), len(par.Prefixes), seqWaves, waves, requests)
			if !slices.EqualFunc(seq.Uploads, par.Uploads, func(a, b listing.Upload) bool { return a.Key == b.Key && a.ID == b.ID }) ||
				!slices.Equal(seq.Prefixes, par.Prefixes) {
				t.Fatalf("ranged listing differs: %d uploads %d prefixes, want %d and %d",
					len(par.Uploads), len(par.Prefixes), len(seq.Uploads), len(seq.Prefixes))
			}
			if len(par.Uploads) != n+map[string]int{"counter/": 1}[prefix] {
				t.Fatalf("%d uploads, want %d", len(par.Uploads), n)
			}
			// Random IDs and counters, the keys of apps that leave uploads
			// behind, take a few waves; keys spread over many first
			// letters only need to come out right.
			if prefix != "mixed/" && waves > 8 {
				t.Fatalf("%d round-trip waves for %d uploads, want at most 8", waves, n)
			}
			if prefix != "mixed/" && requests > 5*seqWaves {
				t.Fatalf("%d requests, more than 5 times the %d pages of a sequential listing", requests, seqWaves)
			}
		})
	}
}

// A server whose markers are inclusive (faultproxy.InclusiveUploads: the
// marker's upload again at the head of the next page) and that answers a
// key marker past its last key from its first key (gofakes3, rclone serve
// s3) is still listed in ranges: the repeated entry is dropped, and the
// pieces past the level's end, cut where the first page's density said
// keys would be, are empty since the piece before them reached the end.
// Counters, the keys of many apps, fill only the start of their key space.
// (The old lister gave ranges up and listed page after page: 24 waves.)
func TestLevelRangesInclusivePastTheEnd(t *testing.T) {
	srv := s3server.StartT(t, "wrap")
	c := srv.Client()
	const n, pageSize = 2000, 100
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("k/%06d", i))
	}
	if err := s3server.StartUploads(t.Context(), c, "wrap", keys); err != nil {
		t.Fatal(err)
	}
	p := faultproxy.NewT(t, srv.URL)
	p.Delay = 20 * time.Millisecond
	p.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.InclusiveUploads })
	l := listing.NewS3(s3server.Via(c, p.URL))
	l.PageSize = pageSize
	lv, err := l.Level(context.Background(), "wrap", "k/")
	if err != nil {
		t.Fatal(err)
	}
	if len(lv.Uploads) != n || !slices.IsSortedFunc(lv.Uploads, func(a, b listing.Upload) int { return strings.Compare(a.Key, b.Key) }) {
		t.Fatalf("%d uploads, want %d, sorted, each once", len(lv.Uploads), n)
	}
	for i, u := range lv.Uploads {
		if u.Key != keys[i] {
			t.Fatalf("upload %d is %q, want %q", i, u.Key, keys[i])
		}
	}
	if slices.ContainsFunc(lv.Notes, func(n string) bool { return strings.Contains(n, "arbitrary key marker") }) {
		t.Fatalf("notes %q: the ranges were given up", lv.Notes)
	}
	requests, _ := p.Stats()
	waves, _ := p.Waves()
	t.Logf("%d uploads in pages of %d: %d requests in %d waves; notes %q", n, pageSize, requests, waves, lv.Notes)
	// The first page, one wave of pieces growing geometrically (a few
	// past the end), one of the pieces of those that found more than a
	// page: 20 pages take 3 waves and at most 40 requests (issue 31's
	// goal; cut evenly over the key space, they took 99).
	if waves > 8 {
		t.Fatalf("%d round-trip waves, want at most 8", waves)
	}
	// And the bucket's proof (proof.go): its first page without the
	// delimiter, and a look past the level's end.
	if requests > 2*n/pageSize+2 {
		t.Fatalf("%d requests, want at most %d", requests, 2*n/pageSize+2)
	}
}

// On a server that refuses its own upload-id marker (versitygw v1.8.0), the
// uploads of the key a page ended in are listed by that key as the prefix:
// one page, however many keys begin with it.
func TestBoundaryKeyIsOnePage(t *testing.T) {
	srv := s3server.StartT(t, "bnd")
	c := srv.Client()
	// The first page (three) ends with u/k, which 200 keys begin with.
	keys := []string{"u/a", "u/b", "u/k"}
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("u/k%04d", i))
	}
	if err := s3server.StartUploads(t.Context(), c, "bnd", keys); err != nil {
		t.Fatal(err)
	}
	p := faultproxy.NewT(t, srv.URL)
	var byKey atomic.Int32
	p.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Query.Get("prefix") == "u/k" {
			byKey.Add(1)
		}
		return faultproxy.VersityMarker
	})
	l := listing.NewS3(s3server.Via(c, p.URL))
	l.PageSize = 3
	l.Concurrency = 1
	lv, err := l.Level(context.Background(), "bnd", "u/")
	if err != nil {
		t.Fatal(err)
	}
	if len(lv.Uploads) != len(keys) {
		t.Fatalf("%d uploads, want %d", len(lv.Uploads), len(keys))
	}
	if n := byKey.Load(); n != 1 {
		t.Fatalf("%d requests with the boundary key as the prefix, want 1", n)
	}
}
