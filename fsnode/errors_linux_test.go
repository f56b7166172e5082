package fsnode

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rclone/gofakes3"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// oneUpload creates bucket with one upload of key (parts 1..n) and returns
// its ID.
func oneUpload(t *testing.T, c *s3.Client, bucket, key string, n int32) string {
	t.Helper()
	ctx := context.Background()
	createBucket(t, c, bucket)
	var parts []int32
	for i := int32(1); i <= n; i++ {
		parts = append(parts, i)
	}
	id, err := s3server.CreateUpload(ctx, c, bucket, key, parts, func(int32) int { return 100 })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// expectErr runs cmdline, which must fail with msg, within a bounded time.
func expectErr(t *testing.T, cmdline, msg string) {
	t.Helper()
	start := time.Now()
	out, err := sh(t, cmdline)
	if err == nil || !strings.Contains(out, msg) {
		t.Fatalf("%s: %q, %v; want an error %q", cmdline, out, err, msg)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("%s took %v", cmdline, d)
	}
}

func TestMissingBucket(t *testing.T) {
	srv := startServer(t)
	oneUpload(t, srv.Client(), "real", "k", 1)
	mnt := mountTest(t, Options{Lister: listing.NewS3(srv.Client()), Buckets: []string{"nope", "real"}})
	if got := mustSh(t, "ls "+mnt); got != "nope\nreal\n" {
		t.Fatalf("ls root = %q", got)
	}
	expectErr(t, "ls "+join(mnt, "nope"), "No such file or directory")
	if got := mustSh(t, "ls "+join(mnt, "real")); got != "k\n" {
		t.Fatalf("mount not usable after an error: %q", got)
	}
	expectErr(t, "ls "+join(mnt, "not-listed"), "No such file or directory")
}

func TestAccessDenied(t *testing.T) {
	srv, err := s3server.Start(gofakes3.WithV4Auth(map[string]string{"good": "secret"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	oneUpload(t, srv.ClientAs("good", "secret"), "bkt", "k", 1)
	mnt := mountTest(t, Options{Lister: listing.NewS3(srv.ClientAs("good", "wrong")), Buckets: []string{"bkt"}})
	expectErr(t, "ls "+join(mnt, "bkt"), "Permission denied")
}

func TestServerGoneGivesEIO(t *testing.T) {
	srv := startServer(t)
	oneUpload(t, srv.Client(), "bkt", "k", 1)
	mnt := mountTest(t, Options{Lister: listing.NewS3(srv.Client()), Buckets: []string{"bkt"}})
	srv.Close()
	expectErr(t, "ls "+join(mnt, "bkt"), "Input/output error")
	if got := mustSh(t, "ls "+mnt); got != "bkt\n" {
		t.Fatalf("mount not alive after EIO: %q", got)
	}
}

// An upload aborted between the listing of its key and the lookup of its
// parts is simply gone: ENOENT, not EIO. (With prefetching, its parts may
// have been fetched with the key's listing and are shown for the TTL.)
func TestUploadAbortedAfterListing(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	id := oneUpload(t, c, "bkt", "k", 2)
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), Prefetch: -1})
	if got := mustSh(t, "ls "+join(mnt, "bkt", "k")); got != id+"\n" {
		t.Fatalf("ls key = %q", got)
	}
	if _, err := c.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: &id}); err != nil {
		t.Fatal(err)
	}
	expectErr(t, "ls "+join(mnt, "bkt", "k", id), "No such file or directory")
	if got := mustSh(t, "ls "+join(mnt, "bkt")); got != "k\n" {
		t.Fatalf("mount not alive: %q", got)
	}
}

// Attributes come from the listing: once a directory is listed, ls -l,
// stat, du, find and getfattr of its entries send no request.
func TestNoRequestPerEntry(t *testing.T) {
	requireTool(t, "getfattr")
	srv, mnt := seeded(t)
	keyDir := quote(join(mnt, "media-uploads", demo.BigKey))
	before := srv.Requests()
	mustSh(t, "ls -l "+keyDir+"/*/")
	listed := srv.Requests() - before
	// Four levels and two part listings. On gofakes3 the 2,600-part one
	// costs more than on S3 (its markers are off by one: two requests for
	// some ranges), but nowhere near one request per entry (2,603).
	if listed > 20 {
		t.Fatalf("cold ls -l of a 2,600-part upload sent %d requests", listed)
	}
	before = srv.Requests()
	for _, cmd := range []string{
		"ls -l " + keyDir + "/*/",
		"stat " + keyDir + "/*/* >/dev/null",
		"du -sb " + keyDir,
		"find " + keyDir + " -printf '%s %T@ %i\\n' >/dev/null",
		"getfattr --absolute-names -d " + keyDir + "/*/0000* >/dev/null",
	} {
		mustSh(t, cmd)
	}
	if n := srv.Requests() - before; n != 0 {
		t.Fatalf("listed entries cost %d more requests", n)
	}
}

// After the TTL, a listing is read again and shows new uploads.
func TestTTLRefresh(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	first := oneUpload(t, c, "bkt", "k", 1)
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), TTL: 300 * time.Millisecond})
	dir := join(mnt, "bkt", "k")
	if got := mustSh(t, "ls "+dir); got != first+"\n" {
		t.Fatalf("ls = %q", got)
	}
	second := oneUpload(t, c, "bkt", "k", 1)
	time.Sleep(time.Second)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("after the TTL: %v, %v; want uploads %s and %s", entries, err, first, second)
	}
}
