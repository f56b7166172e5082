package fsnode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// A level of thousands of uploads shows its first names after its first
// page; the rest is listed when the reader goes on, and Lookup of a name
// the first page does not cover lists the level.
func TestLevelFirstNames(t *testing.T) {
	requireTool(t, "python3")
	srv := startServer(t)
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
	p := startProxy(t, srv.URL) // counts the requests
	mnt := mountTest(t, Options{Lister: listing.NewS3(through(c, p)), Buckets: []string{"wide"}, Prefetch: -1})
	dir := join(mnt, "wide", "uploads")
	mustSh(t, "stat "+dir+" >/dev/null") // the bucket's top level
	before, _ := p.Stats()
	first := mustSh(t, "python3 -c 'import os, sys; print(next(os.scandir(sys.argv[1])).name)' "+dir)
	after, _ := p.Stats()
	if first != "00000\n" || after-before != 1 {
		t.Fatalf("first name %q after %d requests; want 00000 after 1 (the first page)", first, after-before)
	}
	// A name past the first page: the level is listed.
	mustSh(t, fmt.Sprintf("stat %s/%05d >/dev/null", dir, n-1))
	if got := mustSh(t, "ls "+dir+" | wc -l"); strings.TrimSpace(got) != fmt.Sprint(n) {
		t.Fatalf("ls lists %s names, want %d", strings.TrimSpace(got), n)
	}
	if got := mustSh(t, "ls "+dir+" | sort -c && echo sorted"); got != "sorted\n" {
		t.Fatalf("ls output not sorted: %q", got)
	}
}
