package fsnode

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/cache"
	"github.com/uploadfs/uploadfs/listing"
)

// PartLister reads the parts of one upload; both listers do. FirstPage
// serves a lazy readdir, Rest completes the listing when the reader goes
// on. (key is "" for Glacier uploads.)
type PartLister interface {
	FirstPage(ctx context.Context, bucket, key, uploadID string) (*listing.Page, error)
	Rest(ctx context.Context, bucket, key, uploadID string, first *listing.Page) (*listing.Parts, error)
}

// PartFinder is a lister that can find one part for less than the whole
// listing (S3, with a part-number marker). A Lookup that no listing in
// hand answers then costs one small request.
type PartFinder interface {
	Part(ctx context.Context, bucket, key, uploadID string, n int32) (listing.Part, bool, error)
}

// Lister is what the S3 tree needs (*listing.S3).
type Lister interface {
	Buckets(ctx context.Context) ([]listing.Bucket, error)
	FirstLevelPage(ctx context.Context, bucket, prefix string) (*listing.LevelPage, error)
	RestOfLevel(ctx context.Context, first *listing.LevelPage) (*listing.Level, error)
	PartLister
	PartFinder
	Aborter
}

// VaultLister is what the Glacier tree needs (*listing.Glacier). Its
// markers are opaque, so it finds no part on its own: a Lookup lists the
// upload.
type VaultLister interface {
	Vaults(ctx context.Context) ([]listing.Bucket, error)
	Uploads(ctx context.Context, vault string) ([]listing.Upload, error)
	PartLister
	Aborter
}

// Options configure a mount. Lister (an S3 tree) or Vaults (a Glacier
// tree) is required; the rest have defaults.
type Options struct {
	Lister Lister
	Vaults VaultLister
	// Buckets, if non-empty, are the only buckets (or vaults) shown, and
	// ListBuckets (ListVaults) is never called.
	Buckets []string
	// TTL is how long listings and attributes are trusted, by the cache and
	// by the kernel. Default 30s.
	TTL time.Duration
	// CacheEntries bounds each cache of listings (levels, part listings).
	// Default 1024.
	CacheEntries int
	// Timeout bounds one listing (all its pages and retries): with the
	// server down or hung, every operation answers within it, EIO. Default
	// DefaultTimeout.
	Timeout time.Duration
	// UID and GID own every file. Default: the mounting process's.
	UID, GID *uint32
	// AllowOther lets other users in, with the kernel checking permissions
	// (default_permissions).
	AllowOther bool
	// Prefetch is how many listings are fetched at once ahead of a walker
	// (see prefetch.go); negative turns prefetching off. Default
	// DefaultPrefetch.
	Prefetch int
	// AllowAbort lets `rmdir` of an upload directory abort the upload
	// (abort.go); the mount is then read-write for rmdir alone. Off: the
	// kernel refuses every change (a read-only mount).
	AllowAbort bool
	// AbortMinAge: an upload initiated more recently is not aborted
	// (EBUSY). Default DefaultAbortMinAge.
	AbortMinAge time.Duration
	// Debug logs each FUSE operation (go-fuse's trace) at debug level.
	Debug bool
	// Logger receives errors (once per failed fetch) and debug output.
	// Default slog.Default().
	Logger *slog.Logger
	// Now is the clock of the cache; nil means time.Now. For tests.
	Now func() time.Time
}

// DefaultTTL and DefaultCacheEntries are the defaults of Options.
const (
	DefaultTTL          = 30 * time.Second
	DefaultCacheEntries = 1024
	DefaultTimeout      = 25 * time.Second
	DefaultPrefetch     = 64
	DefaultAbortMinAge  = 24 * time.Hour
)

// maxNegativeTTL caps how long the kernel remembers that a name is absent:
// a new upload should appear soon even with a long --ttl.
const maxNegativeTTL = 5 * time.Second

// errorTTL is how long a failed listing's error is answered again without
// a request (cache.Config.ErrorTTL): long enough that a walk of a level the
// server cannot list sends one request, not one per entry; short enough
// that a server that recovers is seen at once.
const errorTTL = time.Second

// Mount mounts the tree on dir and returns once the kernel has it. The
// caller unmounts with the server's Unmount and waits with Wait.
func Mount(dir string, o Options) (*fuse.Server, error) {
	if (o.Lister == nil) == (o.Vaults == nil) {
		return nil, errors.New("fsnode: set exactly one of Options.Lister and Options.Vaults")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = DefaultCacheEntries
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Prefetch == 0 {
		o.Prefetch = DefaultPrefetch
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.AbortMinAge <= 0 {
		o.AbortMinAge = DefaultAbortMinAge
	}
	m, err := newMount(o)
	if err != nil {
		return nil, err
	}
	entry, attr := o.TTL, o.TTL
	negative := min(o.TTL, maxNegativeTTL)
	mo := fuse.MountOptions{
		FsName:     "uploadfs",
		Name:       "uploadfs",
		AllowOther: o.AllowOther,
		Options:    readOnlyOption(o.AllowAbort),
		Debug:      o.Debug,
		Logger:     slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug),
	}
	mo.Options = append(mo.Options, platformMountOptions...)
	if o.AllowOther {
		mo.Options = append(mo.Options, "default_permissions")
	}
	// Mounting directly needs no fusermount binary; only root may.
	mo.DirectMountStrict = os.Geteuid() == 0
	root := &rootNode{m: m}
	server, err := mountFS(dir, root, &fs.Options{
		MountOptions:    mo,
		EntryTimeout:    &entry,
		AttrTimeout:     &attr,
		NegativeTimeout: &negative,
		RootStableAttr:  &fs.StableAttr{Ino: rootIno},
		UID:             m.uid,
		GID:             m.gid,
		Logger:          log.New(&slogWriter{o.Logger}, "", 0),
	})
	if err != nil {
		m.cancel()
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	go func() {
		server.Wait()
		m.cancel() // stop fetches still running once the kernel lets go
	}()
	return server, nil
}

// mount is the state every node of one mount shares through a pointer.
// Exactly one of s3 and glacier is set; partLister is the same lister, and
// finder too if it can find one part alone.
type mount struct {
	s3         Lister
	glacier    VaultLister
	partLister PartLister
	finder     PartFinder
	aborter    Aborter
	ns         string // the attribute namespace: "s3" or "glacier"
	fixed      []string
	timeout    time.Duration
	uid        uint32
	gid        uint32
	log        *slog.Logger
	started    time.Time

	ctx    context.Context // ends at unmount; fetches run under it
	cancel context.CancelFunc

	buckets     *cache.Cache[struct{}, []listing.Bucket] // or vaults
	levels      *cache.Cache[levelKey, *levelIndex]      // whole levels
	levelFirsts *cache.Cache[levelKey, *firstLevel]      // their first pages
	vaults      *cache.Cache[string, *vaultIndex]
	firstPages  *cache.Cache[uploadKey, *listing.Page]
	parts       *cache.Cache[uploadKey, *listing.Parts] // complete listings
	single      *cache.Cache[partKey, partAnswer]
	lifecycles  *cache.Cache[string, bucketLifecycle] // by bucket (lifecycle.go)

	prefetchQ *prefetchQueue // nil: prefetching is off

	allowAbort  bool
	abortMinAge time.Duration
	aborts      aborts

	// flat holds the buckets whose server ignored the delimiter (see level).
	flat sync.Map
}

type levelKey struct{ bucket, prefix string }

type uploadKey struct{ bucket, key, id string }

type partKey struct {
	uploadKey
	n int32
}

// partAnswer is what a one-part request found.
type partAnswer struct {
	part listing.Part
	ok   bool
}

func newMount(o Options) (*mount, error) {
	m := &mount{fixed: o.Buckets, timeout: o.Timeout, log: o.Logger, started: time.Now(),
		allowAbort: o.AllowAbort, abortMinAge: o.AbortMinAge}
	if o.Lister != nil {
		m.s3, m.partLister, m.finder, m.aborter, m.ns = o.Lister, o.Lister, o.Lister, o.Lister, "s3"
	} else {
		m.glacier, m.partLister, m.aborter, m.ns = o.Vaults, o.Vaults, o.Vaults, "glacier"
	}
	m.uid, m.gid = uint32(os.Getuid()), uint32(os.Getgid())
	if o.UID != nil {
		m.uid = *o.UID
	}
	if o.GID != nil {
		m.gid = *o.GID
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	cfg := cache.Config{Entries: o.CacheEntries, TTL: o.TTL, ErrorTTL: min(o.TTL, errorTTL), Now: o.Now, Base: m.ctx}
	var err error
	if m.buckets, err = cache.New[struct{}, []listing.Bucket](cfg); err != nil {
		return nil, err
	}
	if m.levels, err = cache.New[levelKey, *levelIndex](cfg); err != nil {
		return nil, err
	}
	if m.levelFirsts, err = cache.New[levelKey, *firstLevel](cfg); err != nil {
		return nil, err
	}
	if m.vaults, err = cache.New[string, *vaultIndex](cfg); err != nil {
		return nil, err
	}
	if m.firstPages, err = cache.New[uploadKey, *listing.Page](cfg); err != nil {
		return nil, err
	}
	if m.parts, err = cache.New[uploadKey, *listing.Parts](cfg); err != nil {
		return nil, err
	}
	if m.single, err = cache.New[partKey, partAnswer](cfg); err != nil {
		return nil, err
	}
	if m.lifecycles, err = cache.New[string, bucketLifecycle](cfg); err != nil {
		return nil, err
	}
	// A window longer than a quarter of the cache would prefetch listings
	// only to evict them before the walker comes.
	m.startPrefetch(o.Prefetch, o.CacheEntries/4)
	return m, nil
}

// fetch runs one listing call under the mount's deadline and logs its
// failure once, where it happened, so that callers sharing the fetch only
// map it to an errno.
func fetch[V any](m *mount, ctx context.Context, call func(context.Context) (V, error)) (V, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
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
			return m.indexLevel(bucket, lv), nil
		})
	})
}

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
			return &firstLevel{page: pg, idx: m.indexLevel(bucket, pg.Level)}, nil
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
func (m *mount) firstPage(ctx context.Context, k uploadKey) (*listing.Page, error) {
	return get(ctx, m.firstPages, k, func(ctx context.Context) (*listing.Page, error) {
		return fetch(m, ctx, func(ctx context.Context) (*listing.Page, error) {
			return m.partLister.FirstPage(ctx, k.bucket, k.key, k.id)
		})
	})
}

// partList returns the complete part listing, built on the first page if
// it is in hand.
func (m *mount) partList(ctx context.Context, k uploadKey) (*listing.Parts, error) {
	return get(ctx, m.parts, k, func(ctx context.Context) (*listing.Parts, error) {
		first, err := m.firstPage(ctx, k)
		if err != nil {
			return nil, err
		}
		return fetch(m, ctx, func(ctx context.Context) (*listing.Parts, error) {
			return m.partLister.Rest(ctx, k.bucket, k.key, k.id, first)
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

// slogWriter carries go-fuse's own diagnostics into the structured log.
type slogWriter struct{ l *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("fuse", "msg", string(p))
	return len(p), nil
}
