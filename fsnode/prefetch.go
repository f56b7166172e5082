package fsnode

import (
	"slices"
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
// and waits for each in turn. What one directory read revealed is a batch,
// in the walker's order; batches are kept as a stack, the newest (what the
// walker is reading now) served first, and what a prefetched level
// revealed goes to the bottom, as a guess about later.
//
// A batch is fetched only a window ahead of the walker (Options.CacheEntries
// / 4 listings), from the moment the walker goes into what it holds: the
// walker's progress through it (the upload directories it opens, the
// levels it reads) moves the window on. So a walk of a level of 100,000
// uploads is prefetched from its first upload to its last, `ls` of it
// (which opens none) fetches nothing, and nothing is fetched so far ahead
// that the cache evicts it before the walker comes. A guess is fetched an
// eighth of a window ahead, at once. A streamed level's batch holds its
// first page, and grows when the walker reads past it and the rest is
// listed.
//
// Prefetching never blocks the operation that triggered it. A fixed number
// of workers (Options.Prefetch) run the tasks under the mount's context, so
// they stop at unmount. They fetch through the same caches as everyone
// else, so a walker asking for a listing being prefetched shares the
// request, and prefetched listings are evicted like any other. Memory: at
// most maxBatches batches, each 24 bytes a task (a task points into a level
// index, which the batch keeps).

// maxBatches bounds the batches kept; the bottom (the oldest guesses, the
// directories the walker left longest ago) is dropped first.
const maxBatches = 32

// prefetchTask is one listing to fetch ahead of a walker: the parts of
// upload, or the level at prefix, then its uploads' parts.
type prefetchTask struct {
	upload *listing.Upload
	prefix string
}

// prefetchBatch is what reading one directory revealed, in the walker's
// order.
type prefetchBatch struct {
	dir    string // what was read ("s3://bucket/prefix/", "glacier://vault"), for --debug and replacing
	bucket string // or vault
	tasks  []prefetchTask
	next   int // the first task not yet given to a worker
	walked int // the tasks before this one the walker has reached
	lead   int // tasks fetched ahead of the walker
	guess  bool
	// grows: tasks hold a streamed level's first page; grow replaces them
	// with the whole level's.
	grows bool
}

// prefetchQueue is the stack of batches. Safe for concurrent use.
type prefetchQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	batches []*prefetchBatch // the last is served first
	lead    int
	closed  bool
}

func newPrefetchQueue(lead int) *prefetchQueue {
	q := &prefetchQueue{lead: max(lead, 1)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds b on top (top: the walker reads it now) or at the bottom (a
// guess about later, unless the directory is queued), replacing a batch
// of the same directory, and drops
// the bottom beyond maxBatches. It never blocks; it returns the tasks
// dropped.
func (q *prefetchQueue) push(b *prefetchBatch, top bool) (dropped int) {
	if len(b.tasks) == 0 && !b.grows {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	same := func(o *prefetchBatch) bool { return o.dir == b.dir }
	if !top && slices.ContainsFunc(q.batches, same) {
		return 0 // the walker read it meanwhile: its own batch stays
	}
	q.batches = slices.DeleteFunc(q.batches, same)
	b.lead, b.guess = q.lead, !top
	if top {
		q.batches = append(q.batches, b)
	} else {
		b.lead = max(q.lead/8, 1)
		q.batches = append([]*prefetchBatch{b}, q.batches...)
	}
	for len(q.batches) > maxBatches {
		dropped += len(q.batches[0].tasks) - q.batches[0].next
		q.batches = q.batches[1:]
	}
	q.cond.Broadcast()
	return dropped
}

// pop waits for a task within some batch's window, the newest batch
// first; ok is false once the queue is closed.
func (q *prefetchQueue) pop() (b *prefetchBatch, t prefetchTask, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed {
		if b, t, ok := q.take(); ok {
			return b, t, true
		}
		q.cond.Wait()
	}
	return nil, prefetchTask{}, false
}

// take hands out the next task within a window, if any; q.mu is held.
func (q *prefetchQueue) take() (*prefetchBatch, prefetchTask, bool) {
	for i := len(q.batches) - 1; i >= 0; i-- {
		b := q.batches[i]
		if b.next < len(b.tasks) && b.next < b.walked+b.lead && (b.walked > 0 || b.guess) {
			t := b.tasks[b.next]
			b.next++
			if b.next == len(b.tasks) && !b.grows {
				q.batches = append(q.batches[:i], q.batches[i+1:]...)
			}
			return b, t, true
		}
	}
	return nil, prefetchTask{}, false
}

// reached records that the walker opened what task matches (an upload
// directory, a level) in bucket: every batch holding it near its window
// moves its window past it.
func (q *prefetchQueue) reached(bucket string, match func(prefetchTask) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	moved := false
	for _, b := range q.batches {
		if b.bucket != bucket {
			continue
		}
		// The walker goes in order; it may skip what it does not open
		// (find -prune), so look a little past the window.
		end := min(len(b.tasks), b.walked+2*b.lead)
		for i := b.walked; i < end; i++ {
			if match(b.tasks[i]) {
				b.walked, b.next = i+1, max(b.next, i+1)
				moved = true
				break
			}
		}
	}
	if moved {
		q.batches = slices.DeleteFunc(q.batches, func(b *prefetchBatch) bool { return b.next == len(b.tasks) && !b.grows })
		q.cond.Broadcast()
	}
}

// grow gives the growing batches of dir the tasks of the whole level.
// The first page's tasks come first in it, so positions hold.
func (q *prefetchQueue) grow(dir string, tasks []prefetchTask) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, b := range q.batches {
		if b.dir == dir && b.grows {
			b.tasks, b.grows = tasks, false
		}
	}
	q.cond.Broadcast()
}

func (q *prefetchQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// startPrefetch starts the workers; with workers <= 0 nothing is prefetched.
func (m *mount) startPrefetch(workers, lead int) {
	if workers <= 0 {
		return
	}
	m.prefetchQ = newPrefetchQueue(lead)
	go func() {
		<-m.ctx.Done()
		m.prefetchQ.close()
	}()
	for range workers {
		go func() {
			for {
				b, t, ok := m.prefetchQ.pop()
				if !ok {
					return
				}
				m.runPrefetch(b, t)
			}
		}()
	}
}

// levelDir names a level in --debug logs and identifies its batch.
func levelDir(bucket, prefix string) string { return "s3://" + bucket + "/" + prefix }

// levelTasks lists, in the walker's order, the uploads of own (a key
// directory's own uploads), then each child's uploads and level.
func levelTasks(own []listing.Upload, idx *levelIndex) []prefetchTask {
	n := len(own)
	if idx != nil {
		for _, c := range idx.children {
			n += len(c.uploads) + map[bool]int{true: 1}[c.hasChildren]
		}
	}
	tasks := make([]prefetchTask, 0, n) // exactly: a level of a million uploads holds them all
	for i := range own {
		tasks = append(tasks, prefetchTask{upload: &own[i]})
	}
	if idx != nil {
		for _, c := range idx.children {
			for i := range c.uploads {
				tasks = append(tasks, prefetchTask{upload: &c.uploads[i]})
			}
			if c.hasChildren {
				tasks = append(tasks, prefetchTask{prefix: c.key + listing.Delimiter})
			}
		}
	}
	return tasks
}

// prefetchLevel queues, as the newest batch, what reading the directory
// of a level revealed: own, then the level in hand (its first page while
// the rest is not listed: the batch grows when it is, see levelGrown).
// The walker reached the level itself.
func (m *mount) prefetchLevel(bucket, prefix string, own []listing.Upload, hasLevel bool) {
	if m.prefetchQ == nil {
		return
	}
	m.prefetchQ.reached(bucket, func(t prefetchTask) bool { return t.upload == nil && t.prefix == prefix })
	var idx *levelIndex
	grows := false
	if hasLevel {
		// The whole level first: asked after the first page, a level that
		// came in between would leave a batch of its first page that
		// nothing grows.
		var whole bool
		if idx, whole = m.levels.Get(levelKey{bucket, prefix}); !whole {
			idx, grows = m.levelInHand(bucket, prefix), true
		}
	}
	b := &prefetchBatch{dir: levelDir(bucket, prefix), bucket: bucket, tasks: levelTasks(own, idx), grows: grows}
	m.queue(b, true)
}

// levelGrown gives the batch of a streamed level the rest of its tasks.
func (m *mount) levelGrown(bucket, prefix string, own []listing.Upload, idx *levelIndex) {
	if m.prefetchQ != nil {
		m.prefetchQ.grow(levelDir(bucket, prefix), levelTasks(own, idx))
	}
}

// prefetchVault queues the part listings of a vault's uploads.
func (m *mount) prefetchVault(vault string, uploads []listing.Upload) {
	if m.prefetchQ != nil {
		m.queue(&prefetchBatch{dir: "glacier://" + vault, bucket: vault, tasks: levelTasks(uploads, nil)}, true)
	}
}

// uploadOpened moves the prefetch window on past an upload the walker
// opened.
func (m *mount) uploadOpened(bucket string, u *listing.Upload) {
	if m.prefetchQ != nil {
		m.prefetchQ.reached(bucket, func(t prefetchTask) bool {
			return t.upload != nil && t.upload.ID == u.ID && t.upload.Key == u.Key
		})
	}
}

func (m *mount) queue(b *prefetchBatch, top bool) {
	if n := m.prefetchQ.push(b, top); n > 0 {
		m.log.Debug("prefetch queue full; dropped the oldest", "tasks", n)
	}
}

func (m *mount) runPrefetch(b *prefetchBatch, t prefetchTask) {
	ctx := m.ctx
	if t.upload != nil {
		k := uploadKey{b.bucket, t.upload.Key, t.upload.ID}
		if _, ok := m.parts.Get(k); ok {
			return
		}
		m.log.Debug("prefetch parts", "bucket", b.bucket, "key", k.key, "upload", k.id, "why", b.dir)
		m.partList(ctx, k)
		return
	}
	if _, ok := m.levels.Get(levelKey{b.bucket, t.prefix}); ok {
		return // read already: its reader queued its uploads
	}
	m.log.Debug("prefetch level", "bucket", b.bucket, "prefix", t.prefix, "why", b.dir)
	idx, err := m.level(ctx, b.bucket, t.prefix)
	if err != nil {
		return
	}
	var uploads []prefetchTask
	for _, c := range idx.children {
		for i := range c.uploads {
			uploads = append(uploads, prefetchTask{upload: &c.uploads[i]})
		}
	}
	m.queue(&prefetchBatch{dir: levelDir(b.bucket, t.prefix), bucket: b.bucket, tasks: uploads}, false)
}
