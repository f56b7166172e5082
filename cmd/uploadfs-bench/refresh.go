package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/uploadfs/uploadfs/demo"
)

// The part-refresh cost: a 2,500-part upload listed, then listed again
// after the TTL. A refresh costs its three pages (and at most one request
// more), where a listing that asked up to part 10,000 cost ten again.
const (
	refreshKey   = "refresh/2500.bin"
	refreshParts = 2500
	refreshTTL   = 2 * time.Second
)

type refreshResult struct{ cold, refreshed int64 } // ListParts

func (b *bench) measureRefresh() (refreshResult, error) {
	var r refreshResult
	parts := make([]int32, refreshParts)
	for i := range parts {
		parts[i] = int32(i + 1)
	}
	id, err := demo.CreateUpload(context.Background(), client(b.gwURL), bucket, refreshKey, parts, func(int32) int { return 64 })
	if err != nil {
		return r, err
	}
	m, err := b.mount("--bucket", bucket, "--ttl", refreshTTL.String())
	if err != nil {
		return r, err
	}
	defer m.close()
	dir := filepath.Join(m.dir, bucket, refreshKey, id)
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
