package fsnode

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// The kernel keeps what it read of an upload directory, from its first
// read on: a second `ls` sends no READDIR, for an upload of one page or of
// several (read as a first page, then the rest). What it shows is never
// older than the TTL allows: once the listing is refreshed, by the
// directory's own reader or by a lookup of a part, the next `ls` shows the
// new part.
func TestUploadDirCachedByKernel(t *testing.T) {
	for _, pageSize := range []int32{0, 20} {
		t.Run(fmt.Sprintf("page size %d", pageSize), func(t *testing.T) { kernelCache(t, pageSize) })
	}
}

func kernelCache(t *testing.T, pageSize int32) {
	srv := s3server.StartT(t)
	c := srv.Client()
	id := oneUpload(t, c, "kcache", "big", 50)
	logs := &syncBuffer{}
	const ttl = time.Second
	l := listing.NewS3(c)
	l.PageSize = pageSize
	mnt := mountTest(t, Options{Lister: l, Buckets: []string{"kcache"}, TTL: ttl, Debug: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	dir := join(mnt, "kcache", "big", id)
	// ls returns how many parts it listed and how many READDIRs it sent.
	ls := func() (parts, readdirs int) {
		logs.Reset()
		parts = strings.Count(shelltest.Sh(t, "ls "+dir), "\n")
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "rx ") && strings.Contains(l, "READDIR") {
				readdirs++
			}
		}
		return parts, readdirs
	}
	for i, want := range []struct{ parts, readdirs int }{{50, -1}, {50, 0}, {50, 0}} {
		parts, readdirs := ls()
		if parts != want.parts || (want.readdirs >= 0 && readdirs != want.readdirs) || (want.readdirs < 0 && readdirs == 0) {
			t.Fatalf("ls #%d: %d parts, %d READDIRs; want %d parts, %s READDIRs", i+1, parts, readdirs, want.parts,
				map[bool]string{true: "no", false: "some"}[want.readdirs == 0])
		}
	}
	addPart := func(n int32) {
		t.Helper()
		if _, err := c.UploadPart(context.Background(), &s3.UploadPartInput{Bucket: aws.String("kcache"), Key: aws.String("big"),
			UploadId: aws.String(id), PartNumber: aws.Int32(n), Body: bytes.NewReader(make([]byte, 100))}); err != nil {
			t.Fatal(err)
		}
	}

	// Refreshed by a lookup, while the kernel holds the old listing.
	addPart(51)
	time.Sleep(ttl + 200*time.Millisecond)
	shelltest.Sh(t, "stat "+join(dir, "00051")+" >/dev/null")
	if parts, _ := ls(); parts != 51 {
		t.Fatalf("ls after a lookup refreshed the listing: %d parts, want 51", parts)
	}
	if parts, readdirs := ls(); parts != 51 || readdirs != 0 {
		t.Fatalf("warm ls: %d parts, %d READDIRs; want 51, none", parts, readdirs)
	}

	// Expired, and refreshed by the directory's own reader.
	addPart(52)
	time.Sleep(ttl + 200*time.Millisecond)
	if parts, _ := ls(); parts != 52 {
		t.Fatalf("ls after the TTL: %d parts, want 52", parts)
	}
}
