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

// PartLister reads the parts of one upload; both listers do. FirstPartsPage
// serves a lazy readdir, RestOfParts completes the listing when the reader goes
// on. (key is "" for Glacier uploads.)
type PartLister interface {
	FirstPartsPage(ctx context.Context, bucket, key, uploadID string) (*listing.PartsPage, error)
	RestOfParts(ctx context.Context, bucket, key, uploadID string, first *listing.PartsPage) (*listing.Parts, error)
}

// PartFinder is a lister that can find one part for less than the whole
// listing (S3, with a part-number marker). A Lookup that no listing in
// hand answers then costs one small request.
type PartFinder interface {
	Part(ctx context.Context, bucket, key, uploadID string, n int32) (listing.Part, bool, error)
}

// PartRefresher is a lister that lists an upload it listed before for
// less: given the last listing, it asks for nothing past its end (S3), so
// that a refresh after the TTL costs its pages.
// A Lister that is not one lists every refresh as it listed the first.
type PartRefresher interface {
	RestOfPartsAgain(ctx context.Context, bucket, key, uploadID string, first *listing.PartsPage, last *listing.Parts) (*listing.Parts, error)
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
	// Accounts, instead of Lister: a directory per account above its
	// buckets (account.go).
	Accounts []Account
	// Buckets, if non-empty, are the only buckets (or vaults) shown, and
	// ListBuckets (ListVaults) is never called.
	Buckets []string
	// TTL is how long listings and attributes are trusted, by the cache and
	// by the kernel. Default 30s.
	TTL time.Duration
	// CacheEntries bounds each cache of listings (levels, part listings).
	// Default 1024.
	CacheEntries int
	// Timeout bounds how long a listing goes without an answer (counted
	// from its last answer where the client has deadline.Middleware, else
	// from its start): with the server down or hung, every operation
	// answers within it, EIO. Default DefaultTimeout.
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
	if btoi(o.Lister != nil)+btoi(o.Vaults != nil)+btoi(len(o.Accounts) > 0) != 1 {
		return nil, errors.New("fsnode: set exactly one of Options.Lister, Options.Vaults and Options.Accounts")
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
	root, m, stop, err := newRoot(o)
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
		stop()
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	go func() {
		server.Wait()
		stop() // stop fetches still running once the kernel lets go
	}()
	return server, nil
}

// newRoot is the tree's root and the mount whose owner it shows: one
// account's, or one directory per account (Options.Accounts); stop ends
// their fetches.
func newRoot(o Options) (root fs.InodeEmbedder, m *mount, stop func(), err error) {
	if len(o.Accounts) > 0 {
		r, stop, err := newOrgRoot(o)
		if err != nil {
			return nil, nil, nil, err
		}
		return r, r.base, stop, nil
	}
	if m, err = newMount(o); err != nil {
		return nil, nil, nil, err
	}
	return &rootNode{m: m}, m, m.cancel, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mount is the state every node of one mount shares through a pointer.
// Exactly one of s3 and glacier is set; partLister is the same lister, and
// finder and refresher too if it can find one part alone.
type mount struct {
	s3         Lister
	glacier    VaultLister
	partLister PartLister
	finder     PartFinder
	refresher  PartRefresher
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

	buckets         *cache.Cache[struct{}, []listing.Bucket] // or vaults
	levels          *cache.Cache[levelKey, *levelIndex]      // whole levels
	levelFirstPages *cache.Cache[levelKey, *levelFirstPage]  // their first pages
	vaults          *cache.Cache[string, *vaultIndex]
	firstPages      *cache.Cache[uploadKey, *listing.PartsPage]
	parts           *cache.Cache[uploadKey, *listing.Parts] // complete listings
	partAnswers     *cache.Cache[partKey, partAnswer]       // one-part requests (onePart)
	lifecycles      *cache.Cache[string, bucketLifecycle]   // by bucket (lifecycle.go)

	prefetchQ *prefetchQueue // nil: prefetching is off

	allowAbort  bool
	abortMinAge time.Duration
	aborts      aborts

	// flat holds the buckets whose server ignored the delimiter (see level).
	flat sync.Map
	// vanished holds the levels (levelKey) of which an upload was listed
	// and then not found (vanished.go).
	vanished sync.Map
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
		m.refresher, _ = o.Lister.(PartRefresher)
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
	if m.levelFirstPages, err = cache.New[levelKey, *levelFirstPage](cfg); err != nil {
		return nil, err
	}
	if m.vaults, err = cache.New[string, *vaultIndex](cfg); err != nil {
		return nil, err
	}
	if m.firstPages, err = cache.New[uploadKey, *listing.PartsPage](cfg); err != nil {
		return nil, err
	}
	if m.parts, err = cache.New[uploadKey, *listing.Parts](cfg); err != nil {
		return nil, err
	}
	if m.partAnswers, err = cache.New[partKey, partAnswer](cfg); err != nil {
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

// slogWriter carries go-fuse's own diagnostics into the structured log.
type slogWriter struct{ l *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("fuse", "msg", string(p))
	return len(p), nil
}
