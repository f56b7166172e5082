// Package demo is the seeded tree behind `uploadfs demo` (seed.go, and
// its lifecycle rules in lifecycle.go) and `uploadfs demo --glacier`
// (glacier.go), served by internal/s3server and internal/glacierserver;
// the tests use the same trees.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// The seeded tree, shown by `uploadfs demo`. Part sizes are kept small so
// that the server holds it all in a few tens of megabytes.
const (
	BigKey    = "videos/2026/keynote-4k.mov" // 2,600 parts and a second upload
	BigParts  = 2600
	SparseKey = "videos/raw/take-07.mov"       // parts 1, 2, 5, 9, 100
	EmptyKey  = "logs/2026/11/events.jsonl.gz" // an upload with no parts yet
	OddKey    = "exports/odd names/q3 report%20final/..//résumé.pdf"
)

// Buckets of the seeded tree; the last one has no uploads.
var Buckets = []string{"media-uploads", "data-lake", "quiet-bucket"}

// Seed creates the demo tree through c. Uploads are backdated (between 1
// and 40 days old) so that `find -mtime` has something to find.
func Seed(ctx context.Context, c *s3.Client, clock *s3server.Clock) error {
	for _, b := range Buckets {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b}); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	day := 24 * time.Hour
	uploads := []struct {
		bucket, key string
		age         time.Duration
		parts       []int32
		size        func(int32) int
	}{
		{"media-uploads", BigKey, 12 * day, count(BigParts), sized(8 << 10)},
		{"media-uploads", BigKey, 2 * day, count(3), sized(64 << 10)},
		{"media-uploads", SparseKey, 40 * day, []int32{1, 2, 5, 9, 100}, sized(32 << 10)},
		{"media-uploads", "videos/2026/trailer.mp4", 1 * day, count(12), lastShort(16<<10, 12)},
		{"data-lake", "backups/db/2026-11-20.dump", 9 * day, count(40), sized(20 << 10)},
		{"data-lake", "backups/db/2026-11-21.dump", 3 * day, count(7), sized(20 << 10)},
		{"data-lake", EmptyKey, 20 * day, nil, nil},
		{"data-lake", OddKey, 5 * day, count(2), sized(1000)},
		{"data-lake", "top-level.bin", 15 * day, count(4), sized(4 << 10)},
	}
	defer clock.Backdate(0)
	for _, u := range uploads {
		clock.Backdate(u.age)
		if _, err := s3server.CreateUpload(ctx, c, u.bucket, u.key, u.parts, u.size); err != nil {
			return fmt.Errorf("upload s3://%s/%s: %w", u.bucket, u.key, err)
		}
	}
	return nil
}

// count returns the part numbers 1..n.
func count(n int32) []int32 {
	ps := make([]int32, n)
	for i := range ps {
		ps[i] = int32(i + 1)
	}
	return ps
}

func sized(n int) func(int32) int { return func(int32) int { return n } }

// lastShort gives every part n bytes but the last, which gets a third.
func lastShort(n int, last int32) func(int32) int {
	return func(p int32) int {
		if p == last {
			return n / 3
		}
		return n
	}
}
