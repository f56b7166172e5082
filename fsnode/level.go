package fsnode

import (
	"slices"
	"strings"
	"unique"

	"github.com/uploadfs/uploadfs/listing"
)

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
	// is told apart by it (keptDir).
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
