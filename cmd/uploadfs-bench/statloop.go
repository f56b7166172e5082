package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// statLoopTTL is the --ttl of the stat loop: the loop lasts several of it.
const statLoopTTL = 2 * time.Second

// statLoopResult is a shell loop that stats every part of the large upload
// by name, one `stat` process a part, on a mount whose listings expire
// many times during the loop.
type statLoopResult struct {
	took     time.Duration
	requests int64
	listing  int64 // requests of one whole listing of the upload
}

// statLoop lists the upload once, then runs the loop (the case of a backup
// tool or `rsync --dry-run` visiting every file for longer than the TTL).
func (b *bench) statLoop() (statLoopResult, error) {
	var r statLoopResult
	m, err := b.mount("--bucket", bucket, "--ttl", statLoopTTL.String())
	if err != nil {
		return r, err
	}
	defer m.close()
	dir := filepath.Join(m.dir, bucket, bigKey, b.bigID)
	if _, err := os.Stat(dir); err != nil {
		return r, err
	}
	before := b.proxy.snapshot()
	if _, err := timeCmd(nil, "ls "+dir+" >/dev/null"); err != nil {
		return r, err
	}
	r.listing = b.proxy.snapshot().since(before).requests
	before = b.proxy.snapshot()
	r.took, err = timeCmd(nil, "cd "+dir+` && for f in *; do stat -c %s "$f"; done >/dev/null`)
	r.requests = b.proxy.snapshot().since(before).requests
	return r, err
}

// printStatLoop writes its row: at most one listing per TTL window.
func (b *bench) printStatLoop(r statLoopResult) bool {
	windows := int64(r.took/statLoopTTL) + 1
	bound := windows * r.listing
	met := r.requests <= bound
	fmt.Printf("| `stat` of each of %d parts in a shell loop, --ttl %v | %s, %d requests | %d TTL windows × %d requests a listing = %d; one request a part: %d | | ≤ one listing per window | %s |\n",
		b.o.parts, statLoopTTL, sec(r.took), r.requests, windows, r.listing, bound, b.o.parts, yes(met))
	return met
}
