package fsnode

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/uploadfs/uploadfs/cache"
	"github.com/uploadfs/uploadfs/internal/deadline"
	"github.com/uploadfs/uploadfs/listing"
)

// fetch runs one listing call under the mount's timeout, counted from its
// last answer (deadline.With: a listing whose pages keep coming is never
// cut), and logs its failure once, where it happened, so that callers
// sharing the fetch only map it to an errno.
func fetch[V any](m *mount, ctx context.Context, call func(context.Context) (V, error)) (V, error) {
	ctx, cancel := deadline.With(ctx, m.timeout)
	defer cancel()
	v, err := call(ctx)
	return v, m.logged(err)
}

// logged logs a failed fetch once, where it happened, so that callers
// sharing the fetch only map it to an errno.
func (m *mount) logged(err error) error {
	if err == nil {
		return nil
	}
	// What failed, as fields a log search can select: the operation, the
	// bucket (vault), key and upload, and the errno the callers get.
	attrs := []any{"errno", toErrno(err).Error()}
	var e *listing.Error
	if errors.As(err, &e) {
		attrs = append(attrs, "op", e.Op, "bucket", e.Bucket+e.Vault, "key", e.Key, "upload-id", e.UploadID)
	}
	attrs = append(attrs, "err", err)
	switch {
	case errors.Is(err, context.Canceled):
		m.log.Debug("listing interrupted", attrs...)
	case errors.Is(err, listing.ErrNotFound):
		m.log.Info("listing: gone", attrs...)
	case errors.Is(err, context.DeadlineExceeded):
		m.log.Error("listing timed out", append(attrs, "after", m.timeout)...)
	default:
		m.log.Error("listing failed", attrs...)
	}
	return err
}

// get returns c's value for k, fetching it if it is not cached. The
// operation waits for the fetch until its caller is being stopped, not
// merely interrupted (caller.go); the fetch itself runs for every caller.
func get[K comparable, V any](ctx context.Context, c *cache.Cache[K, V], k K, fetch func(context.Context) (V, error)) (V, error) {
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	ctx, stop := untilStopped(ctx)
	defer stop()
	return c.Fetch(ctx, k, fetch)
}

// bucketList lists the buckets, or the vaults.
func (m *mount) bucketList(ctx context.Context) ([]listing.Bucket, error) {
	return get(ctx, m.buckets, struct{}{}, func(ctx context.Context) ([]listing.Bucket, error) {
		if m.glacier != nil {
			return fetch(m, ctx, m.glacier.Vaults)
		}
		return fetch(m, ctx, m.s3.Buckets)
	})
}

// vault lists the uploads of a Glacier vault.
func (m *mount) vault(ctx context.Context, name string) (*vaultIndex, error) {
	return get(ctx, m.vaults, name, func(ctx context.Context) (*vaultIndex, error) {
		return fetch(m, ctx, func(ctx context.Context) (*vaultIndex, error) {
			ups, err := m.glacier.Uploads(ctx, name)
			if err != nil {
				return nil, err
			}
			return indexVault(ups), nil
		})
	})
}

// level lists one level of a bucket whole, on its first page if that is in
// hand. A bucket whose server ignored the delimiter (its listing came back
// flat: MinIO, SeaweedFS) has every key in its top level; its deeper levels
// are taken from that listing, never asked for: MinIO takes a prefix for an
// exact key and would answer "empty".
func (m *mount) level(ctx context.Context, bucket, prefix string) (*levelIndex, error) {
	return get(ctx, m.levels, levelKey{bucket, prefix}, func(ctx context.Context) (*levelIndex, error) {
		if idx, ok, err := m.flatLevel(ctx, bucket, prefix); ok || err != nil {
			return idx, err
		}
		first, err := m.levelFirst(ctx, bucket, prefix)
		if err != nil {
			return nil, err
		}
		if !first.page.Truncated {
			return first.idx, nil
		}
		return fetch(m, ctx, func(ctx context.Context) (*levelIndex, error) {
			lv, err := m.s3.RestOfLevel(ctx, first.page)
			if err != nil {
				return nil, err
			}
			idx := m.indexLevel(bucket, lv)
			idx.first = first.page
			if len(lv.Uploads) >= bigLevel {
				// Listing it took several times what the index keeps
				// (the pages, their decoding, the pieces merged): give
				// that back to the system now rather than over minutes.
				lv = nil
				debug.FreeOSMemory()
			}
			return idx, nil
		})
	})
}

// bigLevel is the size of a level after whose listing the memory it took
// is returned to the system at once (a full collection: tens of
// milliseconds, against seconds of listing).
const bigLevel = 100000

// firstLevel is the first page of a level and its index.
type firstLevel struct {
	page *listing.LevelPage
	idx  *levelIndex
}

// levelFirst lists the first page of a level: what a directory shows
// first, after one round trip.
func (m *mount) levelFirst(ctx context.Context, bucket, prefix string) (*firstLevel, error) {
	return get(ctx, m.levelFirsts, levelKey{bucket, prefix}, func(ctx context.Context) (*firstLevel, error) {
		if idx, ok, err := m.flatLevel(ctx, bucket, prefix); ok || err != nil {
			return &firstLevel{page: &listing.LevelPage{}, idx: idx}, err
		}
		return fetch(m, ctx, func(ctx context.Context) (*firstLevel, error) {
			pg, err := m.s3.FirstLevelPage(ctx, bucket, prefix)
			if err != nil {
				return nil, err
			}
			idx := m.indexLevel(bucket, pg.Level)
			idx.first = pg
			return &firstLevel{page: pg, idx: idx}, nil
		})
	})
}

// flatLevel derives a deeper level of a bucket known to be flat from its
// top level; ok is false for any other.
func (m *mount) flatLevel(ctx context.Context, bucket, prefix string) (_ *levelIndex, ok bool, _ error) {
	if _, flat := m.flat.Load(bucket); !flat || prefix == "" {
		return nil, false, nil
	}
	top, err := m.level(ctx, bucket, "")
	if err != nil || top.flat == nil {
		return nil, err != nil, err
	}
	return indexLevel(top.flat.Sub(prefix)), true, nil
}

// indexLevel indexes a level listed from the server, logging what it
// had to work around.
func (m *mount) indexLevel(bucket string, lv *listing.Level) *levelIndex {
	for _, note := range lv.Notes {
		m.log.Warn("listing: "+note, "bucket", bucket, "prefix", lv.Prefix)
	}
	if lv.Flat() {
		if _, known := m.flat.LoadOrStore(bucket, true); !known {
			m.log.Warn("listing: the server ignores the delimiter; deeper levels are taken from the bucket's whole listing",
				"bucket", bucket)
		}
	}
	return indexLevel(lv)
}

// firstPage returns the first page of an upload's parts.
func (m *mount) firstPage(ctx context.Context, k uploadKey) (*listing.PartsPage, error) {
	return get(ctx, m.firstPages, k, func(ctx context.Context) (*listing.PartsPage, error) {
		return fetch(m, ctx, func(ctx context.Context) (*listing.PartsPage, error) {
			return m.partLister.FirstPartsPage(ctx, k.bucket, k.key, k.id)
		})
	})
}

// partList returns the complete part listing, built on the first page if
// it is in hand. A listing refreshed after the TTL is cut where the one it
// replaces filled its pages, and asks for nothing past its end.
func (m *mount) partList(ctx context.Context, k uploadKey) (*listing.Parts, error) {
	return get(ctx, m.parts, k, func(ctx context.Context) (*listing.Parts, error) {
		first, err := m.firstPage(ctx, k)
		if err != nil {
			return nil, err
		}
		return fetch(m, ctx, func(ctx context.Context) (*listing.Parts, error) {
			if old, ok := m.parts.Stale(k); ok && m.refresher != nil {
				return m.refresher.RestOfPartsAgain(ctx, k.bucket, k.key, k.id, first, old)
			}
			return m.partLister.RestOfParts(ctx, k.bucket, k.key, k.id, first)
		})
	})
}

// onePart looks part n up with one small request (m.finder is set).
func (m *mount) onePart(ctx context.Context, k uploadKey, n int32) (partAnswer, error) {
	return get(ctx, m.single, partKey{k, n}, func(ctx context.Context) (partAnswer, error) {
		return fetch(m, ctx, func(ctx context.Context) (partAnswer, error) {
			p, ok, err := m.finder.Part(ctx, k.bucket, k.key, k.id, n)
			return partAnswer{p, ok}, err
		})
	})
}
