package fsnode

import (
	"context"
	"runtime/debug"
	"slices"
	"strings"
	"unique"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// A level in memory: listed whole (level) or by its first page
// (levelFirstPage), each cached for the TTL; indexed by name (levelIndex); and
// the lookups the nodes make in it (child, levelInHand, levelEntries). The
// nodes that show it are bucketNode and pathNode, its stream levelstream.go.

// levelIndex is one listed level of a bucket, arranged for the tree: one
// entry per child name, sorted by name and found by a binary search
// (Lookup is called for every entry of `ls -l`, so it must not scan).
//
// Memory: a level of a million uploads is held as its listing's uploads
// (the children's windows into it, no copy), their key and upload ID, and
// one levelChild a name; the strings most uploads share (storage class,
// owner, initiator, checksum) are interned, once for the whole mount. The
// benchmark's million-upload row gives the figure.
type levelIndex struct {
	children []levelChild // sorted by name, one per name
	// flat is the listing itself when the server ignored the delimiter:
	// the deeper levels are taken from it.
	flat *listing.Level
	// first is the first page the level was listed from (nil if it was
	// taken from a flat listing): what the kernel keeps of its directory
	// is told apart by it (kernelCopy).
	first *listing.LevelPage
}

// levelChild is one name in a level: a key with uploads of its own, a
// deeper prefix, or both.
type levelChild struct {
	name string // escaped file name (the key's own bytes when unescaped)
	// key is the level's prefix plus this component: the upload key, and
	// with "/" appended the prefix of the child's own level.
	key         string
	uploads     []listing.Upload // uploads of exactly key, by upload ID: a window of the level's listing
	hasChildren bool             // key+"/" is a common prefix
}

func byName(a, b levelChild) int { return strings.Compare(a.name, b.name) }

func indexLevel(lv *listing.Level) *levelIndex {
	idx := &levelIndex{children: make([]levelChild, 0, len(lv.Uploads)+len(lv.Prefixes))}
	if lv.Flat() {
		idx.flat = lv
	}
	ups := lv.Uploads
	if cap(ups) > len(ups)+len(ups)/8 && !lv.Flat() {
		// The listing grew by appending pages: its slack would be kept
		// as long as the level (up to half of it).
		ups = slices.Clone(ups)
	}
	for i := range ups {
		intern(&ups[i])
	}
	for i := 0; i < len(ups); {
		j := i + 1
		for j < len(ups) && ups[j].Key == ups[i].Key {
			j++
		}
		key := ups[i].Key
		idx.children = append(idx.children, levelChild{name: escapeName(key[len(lv.Prefix):]), key: key, uploads: ups[i:j:j]})
		i = j
	}
	for _, p := range lv.Prefixes {
		key := strings.TrimSuffix(p, listing.Delimiter)
		idx.children = append(idx.children, levelChild{name: escapeName(key[len(lv.Prefix):]), key: key, hasChildren: true})
	}
	if !slices.IsSortedFunc(idx.children, byName) {
		// Stable: of two keys whose names collide, the first listed keeps
		// the child's key, as its uploads come first.
		slices.SortStableFunc(idx.children, byName)
	}
	merged := idx.children[:0]
	for _, c := range idx.children {
		n := len(merged)
		if n == 0 || merged[n-1].name != c.name {
			merged = append(merged, c)
			continue
		}
		last := &merged[n-1]
		last.hasChildren = last.hasChildren || c.hasChildren
		if len(last.uploads) == 0 {
			last.uploads = c.uploads
		} else if len(c.uploads) > 0 {
			last.uploads = append(slices.Clip(last.uploads), c.uploads...)
		}
	}
	clear(idx.children[len(merged):])
	idx.children = merged
	return idx
}

// find returns the child called name, or nil.
func (idx *levelIndex) find(name string) *levelChild {
	i, ok := slices.BinarySearchFunc(idx.children, name, func(c levelChild, name string) int { return strings.Compare(c.name, name) })
	if !ok {
		return nil
	}
	return &idx.children[i]
}

// intern replaces the strings that nearly every upload of an account
// shares by one copy each: the decoder allocates them again for every
// upload of every page.
func intern(u *listing.Upload) {
	for _, s := range []*string{&u.StorageClass, &u.InitiatorID, &u.OwnerID, &u.ChecksumAlgorithm, &u.ChecksumType} {
		if *s != "" {
			*s = unique.Make(*s).Value()
		}
	}
}

// upload returns the upload of c whose directory is called name.
func (c *levelChild) upload(name string) (listing.Upload, bool) {
	for _, u := range c.uploads {
		if escapeName(u.ID) == name {
			return u, true
		}
	}
	return listing.Upload{}, false
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
		first, err := m.levelFirstPage(ctx, bucket, prefix)
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

// levelFirstPage is the first page of a level and its index.
type levelFirstPage struct {
	page *listing.LevelPage
	idx  *levelIndex
}

// levelFirstPage lists the first page of a level: what a directory shows
// first, after one round trip.
func (m *mount) levelFirstPage(ctx context.Context, bucket, prefix string) (*levelFirstPage, error) {
	return get(ctx, m.levelFirstPages, levelKey{bucket, prefix}, func(ctx context.Context) (*levelFirstPage, error) {
		if idx, ok, err := m.flatLevel(ctx, bucket, prefix); ok || err != nil {
			return &levelFirstPage{page: &listing.LevelPage{}, idx: idx}, err
		}
		return fetch(m, ctx, func(ctx context.Context) (*levelFirstPage, error) {
			pg, err := m.s3.FirstLevelPage(ctx, bucket, prefix)
			if err != nil {
				return nil, err
			}
			idx := m.indexLevel(bucket, pg.Level)
			idx.first = pg
			return &levelFirstPage{page: pg, idx: idx}, nil
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
			m.log.Warn("listing: the bucket's listing holds every key below the level (the server ignores the delimiter, or it lost keys and the listing went without it); deeper levels are taken from it",
				"bucket", bucket)
		}
	}
	return indexLevel(lv)
}

// shown reports whether the first page's names may be shown before the
// rest of the level is listed (see listing.LevelPage.Undecided).
func (f *levelFirstPage) shown() bool { return !f.page.Undecided }

// child finds name in the level of bucket at prefix: from the whole level
// if it is in hand, else from its first page when that page says all about
// the name, else from the whole level, listed.
func (m *mount) child(ctx context.Context, bucket, prefix, name string) (*levelChild, error) {
	if idx, ok := m.levels.Get(levelKey{bucket, prefix}); ok {
		return idx.find(name), nil
	}
	first, err := m.levelFirstPage(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	if c := first.idx.find(name); c != nil && first.shown() && first.page.Complete(c.key) && first.page.Complete(c.key+listing.Delimiter) {
		return c, nil
	}
	if !first.page.Truncated {
		return nil, nil // the first page is the whole level
	}
	idx, err := m.level(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	return idx.find(name), nil
}

// levelInHand returns the level at prefix as far as it is in memory: whole,
// or its first page (nil if neither).
func (m *mount) levelInHand(bucket, prefix string) *levelIndex {
	if idx, ok := m.levels.Get(levelKey{bucket, prefix}); ok {
		return idx
	}
	if first, ok := m.levelFirstPages.Get(levelKey{bucket, prefix}); ok && first.shown() {
		return first.idx
	}
	return nil
}

// levelEntries lists the children of one level, leaving out names taken by
// an upload of the directory's own key (the upload wins).
func levelEntries(bucket string, idx *levelIndex, taken map[string]bool) []fuse.DirEntry {
	entries := make([]fuse.DirEntry, 0, len(idx.children))
	for _, c := range idx.children {
		if !taken[c.name] {
			entries = append(entries, fuse.DirEntry{Name: c.name, Ino: ino(levelPath, bucket, c.key), Mode: dirMode})
		}
	}
	return entries
}
