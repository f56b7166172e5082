package fsnode

import (
	"sync"

	"github.com/uploadfs/uploadfs/listing"
)

// Prefetching. find and du read one directory at a time; if each upload's
// parts were fetched only when the walker arrived, a bucket of 1,000
// uploads would cost 1,000 round trips one after another. So when a
// directory is read, the listings a walk will need next are fetched in the
// background:
//
//   - the part listings of the uploads it shows, and
//   - the levels of its subprefixes, and, once such a level is in, the part
//     listings of its uploads (so the walker finds the next directory ready
//     too) — but not the subprefixes' subprefixes, which wait until the
//     walker reads their parent: a plain `ls` of a bucket does not crawl it.
//
// Order matters as much as concurrency: find walks children in sorted order
// and waits for each in turn. Tasks are kept as a stack of batches, one per
// directory read, each in the walker's order; the newest batch (what the
// walker is reading now) is served first, and what a prefetched level
// revealed goes to the bottom, as a guess about later.
//
// Prefetching never blocks the operation that triggered it: the queue is
// bounded and drops its bottom, the oldest guesses, when full. A fixed
// number of workers (Options.Prefetch) run the tasks under the mount's
// context, so they stop at unmount. They fetch through the same caches as
// everyone else, so a walker asking for a listing being prefetched shares
// the request, and prefetched listings are evicted like any other.

// prefetchTask is one listing to fetch ahead of a walker.
type prefetchTask struct {
	why    string // the listing that revealed it, for --debug
	bucket string
	upload *listing.Upload // the parts of this upload, or
	prefix string          // this level, then its uploads' parts
}

// prefetchQueue is a bounded stack of batches of tasks. Safe for
// concurrent use.
type prefetchQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	batches [][]prefetchTask // the last is served first, from its front
	n, max  int
	closed  bool
}

func newPrefetchQueue(max int) *prefetchQueue {
	q := &prefetchQueue{max: max}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds a batch on top (now) or at the bottom (a guess about later),
// dropping the bottom when the queue is full. It never blocks.
func (q *prefetchQueue) push(batch []prefetchTask, top bool) (dropped int) {
	if len(batch) == 0 {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if top {
		q.batches = append(q.batches, batch)
	} else {
		q.batches = append([][]prefetchTask{batch}, q.batches...)
	}
	q.n += len(batch)
	for q.n > q.max {
		cut := min(q.n-q.max, len(q.batches[0]))
		q.batches[0] = q.batches[0][cut:]
		q.n -= cut
		dropped += cut
		if len(q.batches[0]) == 0 {
			q.batches = q.batches[1:]
		}
	}
	q.cond.Broadcast()
	return dropped
}

// pop waits for a task; ok is false once the queue is closed.
func (q *prefetchQueue) pop() (t prefetchTask, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return t, false
	}
	top := len(q.batches) - 1
	t, q.batches[top] = q.batches[top][0], q.batches[top][1:]
	if len(q.batches[top]) == 0 {
		q.batches = q.batches[:top]
	}
	q.n--
	return t, true
}

func (q *prefetchQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// startPrefetch starts the workers; with workers <= 0 nothing is prefetched.
func (m *mount) startPrefetch(workers, queue int) {
	if workers <= 0 {
		return
	}
	m.prefetchQ = newPrefetchQueue(queue)
	go func() {
		<-m.ctx.Done()
		m.prefetchQ.close()
	}()
	for range workers {
		go func() {
			for {
				t, ok := m.prefetchQ.pop()
				if !ok {
					return
				}
				m.runPrefetch(t)
			}
		}()
	}
}

// prefetchLevel queues, as the newest batch, what reading a directory
// revealed: the uploads of own (the directory's own key, if any), then, in
// the walker's order, each child's uploads and level.
func (m *mount) prefetchLevel(bucket string, own []listing.Upload, idx *levelIndex, why string) {
	if m.prefetchQ == nil {
		return
	}
	var batch []prefetchTask
	for i := range own {
		batch = append(batch, prefetchTask{why: why, bucket: bucket, upload: &own[i]})
	}
	if idx != nil {
		for _, c := range idx.children {
			for i := range c.uploads {
				batch = append(batch, prefetchTask{why: why, bucket: bucket, upload: &c.uploads[i]})
			}
			if c.hasChildren {
				batch = append(batch, prefetchTask{why: why, bucket: bucket, prefix: c.key + listing.Delimiter})
			}
		}
	}
	m.queue(batch, true)
}

func (m *mount) queue(batch []prefetchTask, top bool) {
	if n := m.prefetchQ.push(batch, top); n > 0 {
		m.log.Debug("prefetch queue full; dropped the oldest", "tasks", n)
	}
}

func (m *mount) runPrefetch(t prefetchTask) {
	ctx := m.ctx
	if t.upload != nil {
		k := uploadKey{t.bucket, t.upload.Key, t.upload.ID}
		if _, ok := m.parts.Get(k); ok {
			return
		}
		m.log.Debug("prefetch parts", "bucket", t.bucket, "key", k.key, "upload", k.id, "why", t.why)
		m.partList(ctx, k)
		return
	}
	if _, ok := m.levels.Get(levelKey{t.bucket, t.prefix}); ok {
		return // read already: its reader queued its uploads
	}
	m.log.Debug("prefetch level", "bucket", t.bucket, "prefix", t.prefix, "why", t.why)
	idx, err := m.level(ctx, t.bucket, t.prefix)
	if err != nil {
		return
	}
	why := "s3://" + t.bucket + "/" + t.prefix
	var batch []prefetchTask
	for _, c := range idx.children {
		for i := range c.uploads {
			batch = append(batch, prefetchTask{why: why, bucket: t.bucket, upload: &c.uploads[i]})
		}
	}
	m.queue(batch, false)
}
