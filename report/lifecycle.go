package report

import (
	"context"
	"sync"

	"github.com/uploadfs/uploadfs/listing"
)

// bucketLifecycle is a bucket's lifecycle configuration, read once for
// every target in the bucket (`report b/tmp/ b/data/` sends one
// GetBucketLifecycleConfiguration, not two) when the first of them
// starts. lc and err are set before ready is closed and never after.
type bucketLifecycle struct {
	bucket string
	from   Lifecycles // the bucket's account's (nil: not asked for)
	once   sync.Once
	ready  chan struct{}
	lc     *listing.Lifecycle
	err    error
}

// lifecycles gives each target its bucket's lifecycle, one per bucket,
// read from from.
func lifecycles(targets []Target, from Lifecycles) []*bucketLifecycle {
	byBucket := map[string]*bucketLifecycle{}
	out := make([]*bucketLifecycle, len(targets))
	for i, t := range targets {
		b := byBucket[t.Bucket]
		if b == nil {
			b = &bucketLifecycle{bucket: t.Bucket, from: from, ready: make(chan struct{})}
			byBucket[t.Bucket] = b
		}
		out[i] = b
	}
	return out
}

// start reads b on its own goroutine, bounded as the listings are, the
// first time one of its targets starts.
func (w *walker) start(ctx context.Context, b *bucketLifecycle) {
	b.once.Do(func() { go w.readLifecycle(ctx, b) })
}

func (w *walker) readLifecycle(ctx context.Context, b *bucketLifecycle) {
	defer close(b.ready)
	if b.from == nil {
		return
	}
	if !w.lim.Acquire(ctx) {
		b.err = ctx.Err()
		return
	}
	b.lc, b.err = b.from.Lifecycle(ctx, b.bucket)
	w.lim.Release()
}

// rules is what the lifecycle says of uploads once read: nil when it could
// not be read (or is not asked for).
func (b *bucketLifecycle) rules() *listing.Lifecycle {
	<-b.ready
	if b.err != nil {
		return nil
	}
	return b.lc
}
