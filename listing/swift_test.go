package listing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// OpenStack Swift's s3api (faultproxy.Swift): every level comes out exactly
// as the same uploads list on a server with S3's semantics. The level k/
// is cut into ranges at markers M where keys M-0 … M-9 and M.bak exist:
// Swift turns key marker M into M/~ and skips them, which the seam shows;
// the level is listed again page by page, and the lister learns to list
// that server so.
func TestSwiftLevels(t *testing.T) {
	const bucket = "swift"
	srv := s3server.StartT(t, bucket)
	c := srv.Client()
	keys := s3server.OddKeys()
	const pageSize = 10
	var first []string
	for i := range 100 {
		first = append(first, fmt.Sprintf("k/%03d", i))
	}
	// The markers the ranged listing cuts k/ at after its first page.
	var alpha alphabet
	for _, k := range first[:pageSize] {
		alpha.add(strings.TrimPrefix(k, "k/"))
	}
	marks := splitKeys("k/", alpha.chars(), first[0], first[pageSize-1], "")
	if len(marks) < 3 {
		t.Fatalf("marks %q: want a few", marks)
	}
	keys = append(keys, first...)
	for _, m := range marks[:3] {
		for i := range 10 {
			keys = append(keys, fmt.Sprintf("%s-%d", m, i))
		}
		keys = append(keys, m+".bak")
	}
	if err := s3server.StartUploads(t.Context(), c, bucket, keys); err != nil {
		t.Fatal(err)
	}
	p := faultproxy.NewT(t, srv.URL)
	p.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.Swift })

	exact := NewS3(c)
	exact.PageSize = 1000
	swift := NewS3(s3server.Via(c, p.URL))
	swift.PageSize = pageSize
	swift.Concurrency = 8
	var notes []string
	levels := []string{"k/", "", "a/", "videos/", "with space/", "p%41q/", "a/2026/", "k/"}
	for i, prefix := range levels {
		want, err := exact.Level(context.Background(), bucket, prefix)
		if err != nil {
			t.Fatal(err)
		}
		r0, _ := p.Stats()
		got, err := swift.Level(context.Background(), bucket, prefix)
		if err != nil {
			t.Fatalf("level %q: %v", prefix, err)
		}
		r1, _ := p.Stats()
		notes = append(notes, got.Notes...)
		same := func(a, b Upload) bool { return a.Key == b.Key && a.ID == b.ID }
		if !slices.EqualFunc(got.Uploads, want.Uploads, same) || !slices.Equal(got.Prefixes, want.Prefixes) {
			t.Fatalf("level %q on Swift:\n uploads %v\n prefixes %q\nwant\n uploads %v\n prefixes %q", prefix, keysOf(got.Uploads), got.Prefixes, keysOf(want.Uploads), want.Prefixes)
		}
		t.Logf("level %q: %d uploads, %d prefixes, %d requests", prefix, len(got.Uploads), len(got.Prefixes), r1-r0)
		if i == len(levels)-1 {
			// Learned: one page after another (and the empty page Swift
			// sends when exactly a page remains), no ranges.
			if n := len(want.Uploads); r1-r0 > n/pageSize+1 {
				t.Fatalf("%d requests for %d uploads in pages of %d once the server is known", r1-r0, n, pageSize)
			}
		}
	}
	if !swift.sequential.Load() {
		t.Fatal("the lister did not learn that Swift's key markers skip keys")
	}
	for _, want := range []string{"key/~", "outside the requested prefix", "common prefix", "out of key order"} {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q: none says %q", notes, want)
		}
	}
}

func keysOf(us []Upload) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Key)
	}
	return out
}
