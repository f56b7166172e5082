package fsnode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// A level of thousands of uploads shows its first names after its first
// page; the rest is listed when the reader goes on, and Lookup of a name
// the first page does not cover lists the level.
func TestLevelFirstNames(t *testing.T) {
	shelltest.Need(t, "python3")
	srv := s3server.StartT(t)
	c := srv.Client()
	createBucket(t, c, "wide")
	const n = 2500
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("uploads/%05d", i)
	}
	if err := s3server.StartUploads(t.Context(), c, "wide", keys); err != nil {
		t.Fatal(err)
	}
	p := faultproxy.NewT(t, srv.URL) // counts the requests
	mnt := mountTest(t, Options{Lister: listing.NewS3(s3server.Via(c, p.URL)), Buckets: []string{"wide"}, Prefetch: -1})
	dir := join(mnt, "wide", "uploads")
	shelltest.Sh(t, "stat "+dir+" >/dev/null") // the bucket's top level
	before, _ := p.Stats()
	first := shelltest.Sh(t, "python3 -c 'import os, sys; print(next(os.scandir(sys.argv[1])).name)' "+dir)
	after, _ := p.Stats()
	if first != "00000\n" || after-before != 1 {
		t.Fatalf("first name %q after %d requests; want 00000 after 1 (the first page)", first, after-before)
	}
	// A name past the first page: the level is listed.
	shelltest.Sh(t, fmt.Sprintf("stat %s/%05d >/dev/null", dir, n-1))
	if got := shelltest.Sh(t, "ls "+dir+" | wc -l"); strings.TrimSpace(got) != fmt.Sprint(n) {
		t.Fatalf("ls lists %s names, want %d", strings.TrimSpace(got), n)
	}
	if got := shelltest.Sh(t, "ls "+dir+" | sort -c && echo sorted"); got != "sorted\n" {
		t.Fatalf("ls output not sorted: %q", got)
	}
}
