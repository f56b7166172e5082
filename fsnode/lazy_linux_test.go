package fsnode

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// bigUpload mounts the demo tree with --bucket (no ListBuckets) and
// returns the 2,600-part upload's directory, already looked up.
func bigUpload(t *testing.T) (*s3server.Server, string) {
	t.Helper()
	srv := s3server.StartT(t)
	if err := demo.Seed(t.Context(), srv.Client(), srv.Clock); err != nil {
		t.Fatal(err)
	}
	mnt := mountTest(t, Options{Lister: listing.NewS3(srv.Client()), Buckets: []string{"media-uploads"}})
	ups := uploadsOf(t, srv.Client(), "media-uploads", demo.BigKey)
	id := aws.ToString(ups[0].UploadId)
	if n := len(groundTruth(t, srv.Client(), "media-uploads", demo.BigKey, id)); n != demo.BigParts {
		id = aws.ToString(ups[1].UploadId)
	}
	dir := join(mnt, "media-uploads", demo.BigKey, id)
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	return srv, dir
}

func TestStatOnePartIsOneRequest(t *testing.T) {
	srv, dir := bigUpload(t)
	before := srv.Requests()
	st, err := os.Stat(join(dir, "02345"))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Fatalf("stat of one part sent %d requests, want 1", n)
	}
	if st.Size() != 8<<10 || st.Mode().Perm() != 0o444 {
		t.Fatalf("stat = %d bytes %v", st.Size(), st.Mode())
	}
	before = srv.Requests()
	if _, err := os.Stat(join(dir, "09999")); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("stat of a missing part: %v, want ENOENT", err)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Fatalf("stat of a missing part sent %d requests, want 1", n)
	}
	// Once the directory is listed, stat sends nothing.
	shelltest.Sh(t, "ls "+shelltest.Quote(dir)+" >/dev/null")
	before = srv.Requests()
	if _, err := os.Stat(join(dir, "01999")); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests() - before; n != 0 {
		t.Fatalf("stat of a listed part sent %d requests", n)
	}
}

// A reader that stops early costs only the first page; one that goes on gets
// every part, in order, once.
func TestReaddirIsLazy(t *testing.T) {
	srv, dir := bigUpload(t)
	before := srv.Requests()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.ReadDir(10)
	f.Close()
	if err != nil || len(first) != 10 || first[0].Name() != "00001" {
		t.Fatalf("first entries %v, %v", first, err)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Fatalf("reading the first entries sent %d requests, want 1 (the first page)", n)
	}
	out := shelltest.Sh(t, "ls -f "+shelltest.Quote(dir)+" | grep -v '^\\.'")
	names := strings.Fields(out)
	if len(names) != demo.BigParts {
		t.Fatalf("full listing: %d entries, want %d", len(names), demo.BigParts)
	}
	for i, name := range names {
		if want := partName(int32(i + 1)); name != want {
			t.Fatalf("entry %d is %s, want %s", i, name, want)
		}
	}
}

// The attributes an upload's own listing gave are answered from memory;
// only the totals ask for its parts.
func TestUploadXattrsFromMemory(t *testing.T) {
	srv, dir := bigUpload(t)
	before := srv.Requests()
	for _, name := range []string{"user.s3.upload-id", "user.s3.key", "user.s3.bucket", "user.s3.initiated"} {
		if _, err := unix.Getxattr(dir, name, make([]byte, 256)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if n := srv.Requests() - before; n != 0 {
		t.Fatalf("listed attributes of an upload sent %d requests", n)
	}
	buf := make([]byte, 32)
	n, err := unix.Getxattr(dir, "user.s3.part-count", buf)
	if err != nil || string(buf[:n]) != "2600" {
		t.Fatalf("part-count = %q, %v", buf[:n], err)
	}
	if srv.Requests() == before {
		t.Fatal("part-count answered without listing the parts")
	}
}
