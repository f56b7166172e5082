package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// The walk: "how much am I paying for uploads nobody finished?" asked of a
// bucket of many small uploads under a few prefixes.
const (
	walkBucket   = "walk"
	walkPrefixes = 10
)

// seedWalk creates n uploads of 3 parts under walkPrefixes prefixes and
// returns the bytes they hold.
func (b *bench) seedWalk(c *s3.Client, n int) (int64, error) {
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(walkBucket)}); err != nil {
		return 0, err
	}
	size := func(p int32) int { return 1000 * int(p) }
	sem := make(chan struct{}, 16)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			key := fmt.Sprintf("prefix-%d/object-%04d.bin", i%walkPrefixes, i)
			_, err := s3server.CreateUpload(ctx, c, walkBucket, key, []int32{1, 2, 3}, size)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return int64(n) * int64(size(1)+size(2)+size(3)), nil
}

// walkResult is what one walk measured.
type walkResult struct {
	uploads       int
	took          time.Duration
	requests      int64
	bytes, seeded int64
	sdkBytes      int64
	cliUploads    int
}

// walk mounts afresh and sums `find -type f -printf '%s\n'` over the bucket.
func (b *bench) walk(seeded int64) (walkResult, error) {
	r := walkResult{uploads: b.o.walkUploads, seeded: seeded}
	m, err := b.mount("--bucket", walkBucket)
	if err != nil {
		return r, err
	}
	defer m.close()
	before := b.proxy.snapshot()
	start := time.Now()
	out, err := exec.Command("find", filepath.Join(m.dir, walkBucket), "-type", "f", "-printf", "%s\n").Output()
	r.took = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("find: %v", err)
	}
	r.requests = b.proxy.snapshot().since(before).requests
	for _, l := range strings.Fields(string(out)) {
		n, _ := strconv.ParseInt(l, 10, 64)
		r.bytes += n
	}
	// Cross-checks: the SDK (one listing after another, straight to the
	// server), and the AWS CLI's count of uploads (summing their parts
	// with it would take a call per upload).
	if r.sdkBytes, err = sdkWalk(client(b.gwURL)); err != nil {
		return r, err
	}
	if r.cliUploads, err = b.cliUploads(walkBucket, "", ""); err != nil {
		return r, err
	}
	return r, nil
}

// sdkWalk sums every part of every upload in the walk bucket with the SDK:
// the uploads with keyMarkerUploads, the parts of each with the SDK's
// paginator.
func sdkWalk(c *s3.Client) (int64, error) {
	ctx := context.Background()
	var total int64
	err := keyMarkerUploads(c, walkBucket, "", "", func(u types.MultipartUpload) error {
		parts := s3.NewListPartsPaginator(c, &s3.ListPartsInput{Bucket: aws.String(walkBucket), Key: u.Key, UploadId: u.UploadId})
		for parts.HasMorePages() {
			pp, err := parts.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, p := range pp.Parts {
				total += aws.ToInt64(p.Size)
			}
		}
		return nil
	})
	return total, err
}

// printWalk adds the walk's rows to the table and reports whether its
// target was met.
func (b *bench) printWalk(r walkResult) bool {
	sequential := 1 + walkPrefixes + r.uploads
	// A walk needs a listing per upload; prefetching (64 at once) should
	// keep at least half as many in flight on average.
	target := float64(sequential) / 32
	trips, met := "n/a (no delay)", true
	if b.o.delay > 0 {
		n := r.took.Seconds() / b.o.delay.Seconds()
		trips = fmt.Sprintf("%.0f round trips", n)
		met = n <= target
	}
	same := r.bytes == r.sdkBytes && r.bytes == r.seeded && r.cliUploads == r.uploads
	fmt.Printf("| walk: `find -type f -printf '%%s'` over %d uploads of 3 parts in %d prefixes, fresh mount | %s = %s, %d requests | one after another: %d round trips | | ≤ %.0f round trips (1/32) | %s |\n",
		r.uploads, walkPrefixes, sec(r.took), trips, r.requests, sequential, target, yes(met))
	fmt.Printf("| walk: bytes summed | %d | SDK paginators %d; AWS CLI lists %d uploads | | the same | %s |\n",
		r.bytes, r.sdkBytes, r.cliUploads, yes(same))
	return met && same
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
