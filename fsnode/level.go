package fsnode

import (
	"sort"
	"strings"

	"github.com/uploadfs/uploadfs/listing"
)

// levelIndex is one listed level of a bucket, arranged for the tree: one
// entry per child name, found by a map access (Lookup is called for every
// entry of every `ls`, so it must not scan).
type levelIndex struct {
	children []*levelChild // sorted by name
	byName   map[string]*levelChild
	// flat is the listing itself when the server ignored the delimiter:
	// the deeper levels are taken from it.
	flat *listing.Level
}

// levelChild is one name in a level: a key with uploads of its own, a
// deeper prefix, or both.
type levelChild struct {
	name string // escaped file name
	// key is the level's prefix plus this component: the upload key, and
	// with "/" appended the prefix of the child's own level.
	key         string
	uploads     []listing.Upload // uploads of exactly key, by upload ID
	hasChildren bool             // key+"/" is a common prefix
}

func indexLevel(lv *listing.Level) *levelIndex {
	idx := &levelIndex{byName: map[string]*levelChild{}}
	if lv.Flat() {
		idx.flat = lv
	}
	get := func(key string) *levelChild {
		name := escapeName(key[len(lv.Prefix):])
		c := idx.byName[name]
		if c == nil {
			c = &levelChild{name: name, key: key}
			idx.byName[name] = c
			idx.children = append(idx.children, c)
		}
		return c
	}
	for _, u := range lv.Uploads {
		c := get(u.Key)
		c.uploads = append(c.uploads, u)
	}
	for _, p := range lv.Prefixes {
		get(strings.TrimSuffix(p, listing.Delimiter)).hasChildren = true
	}
	sort.Slice(idx.children, func(i, j int) bool { return idx.children[i].name < idx.children[j].name })
	return idx
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
