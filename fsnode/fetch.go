package fsnode

import (
	"context"
	"errors"

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
		m.notFound(e, attrs)
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
	return get(ctx, m.partAnswers, partKey{k, n}, func(ctx context.Context) (partAnswer, error) {
		return fetch(m, ctx, func(ctx context.Context) (partAnswer, error) {
			p, ok, err := m.finder.Part(ctx, k.bucket, k.key, k.id, n)
			return partAnswer{p, ok}, err
		})
	})
}
