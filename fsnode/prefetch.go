package fsnode

import "github.com/uploadfs/uploadfs/listing"

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
// Prefetching never blocks the operation that triggered it: tasks go to a
// bounded queue and are dropped when it is full. A fixed number of workers
// (Options.Prefetch) run them under the mount's context, so they stop at
// unmount. They fetch through the same caches as everyone else, so a walker
// asking for a listing being prefetched shares the request, and prefetched
// listings are evicted like any other.

// prefetchTask is one listing to fetch ahead of a walker.
type prefetchTask struct {
	why    string // the listing that revealed it, for --debug
	bucket string
	upload *listing.Upload // the parts of this upload, or
	prefix string          // this level, then its uploads' parts
}

// startPrefetch starts the workers; with workers <= 0 nothing is prefetched.
func (m *mount) startPrefetch(workers, queue int) {
	if workers <= 0 {
		return
	}
	m.prefetchQ = make(chan prefetchTask, queue)
	for range workers {
		go func() {
			for {
				select {
				case <-m.ctx.Done():
					return
				case t := <-m.prefetchQ:
					m.runPrefetch(t)
				}
			}
		}()
	}
}

// prefetchLevel queues what reading a directory revealed: the uploads of
// own (the directory's own key, if any) and of the level's children, and
// the children's levels.
func (m *mount) prefetchLevel(bucket string, own []listing.Upload, idx *levelIndex, why string) {
	if m.prefetchQ == nil {
		return
	}
	for i := range own {
		m.queue(prefetchTask{why: why, bucket: bucket, upload: &own[i]})
	}
	if idx == nil {
		return
	}
	for _, c := range idx.children {
		for i := range c.uploads {
			m.queue(prefetchTask{why: why, bucket: bucket, upload: &c.uploads[i]})
		}
		if c.hasChildren {
			m.queue(prefetchTask{why: why, bucket: bucket, prefix: c.key + listing.Delimiter})
		}
	}
}

func (m *mount) queue(t prefetchTask) {
	select {
	case m.prefetchQ <- t:
	default:
		m.log.Debug("prefetch queue full; skipped", "bucket", t.bucket, "prefix", t.prefix, "why", t.why)
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
	for _, c := range idx.children {
		for i := range c.uploads {
			m.queue(prefetchTask{why: why, bucket: t.bucket, upload: &c.uploads[i]})
		}
	}
}
