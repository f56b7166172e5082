package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// The part-refresh cost: a 2,500-part upload listed, then listed again
// after the TTL. A refresh costs its three pages (and at most one request
// more), where a listing that asked up to part 10,000 cost ten again.
//
// It has a bucket of its own, created when it runs: the replaying proxy
// would answer a listing of a bucket listed before with its old answer.
const (
	refreshBucket = "refresh"
	refreshKey    = "refresh/2500.bin"
	refreshParts  = 2500
	refreshTTL    = 2 * time.Second
)

type refreshResult struct{ cold, refreshed int64 } // ListParts

func (b *bench) measureRefresh() (refreshResult, error) {
	var r refreshResult
	parts := make([]int32, refreshParts)
	for i := range parts {
		parts[i] = int32(i + 1)
	}
	c := client(b.gwURL)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(refreshBucket)}); err != nil {
		return r, err
	}
	id, err := s3server.CreateUpload(context.Background(), c, refreshBucket, refreshKey, parts, func(int32) int { return 64 })
	if err != nil {
		return r, err
	}
	m, err := b.mount("--bucket", refreshBucket, "--ttl", refreshTTL.String())
	if err != nil {
		return r, err
	}
	defer m.close()
	dir := filepath.Join(m.dir, refreshBucket, refreshKey, id)
	if _, err := os.Stat(dir); err != nil {
		return r, err
	}
	before := b.proxy.snapshot()
	if _, err := timeCmd(nil, "ls "+dir+" >/dev/null"); err != nil {
		return r, err
	}
	r.cold = b.proxy.snapshot().since(before).listParts
	time.Sleep(refreshTTL)
	before = b.proxy.snapshot()
	if _, err := timeCmd(nil, "ls "+dir+" >/dev/null"); err != nil {
		return r, err
	}
	r.refreshed = b.proxy.snapshot().since(before).listParts
	return r, nil
}

// printRefresh writes its row: a refresh costs its pages and at most one
// request more.
func (b *bench) printRefresh(r refreshResult) bool {
	pages := int64(refreshParts+999) / 1000
	met := r.refreshed <= pages+1
	fmt.Printf("| ListParts of a %d-part listing refreshed after the TTL (`ls` again after --ttl %v) | %d | cold listing %d | | ≤ %d (its pages + 1) | %s |\n",
		refreshParts, refreshTTL, r.refreshed, r.cold, pages+1, yes(met))
	return met
}
