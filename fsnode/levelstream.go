package fsnode

import (
	"context"
	"slices"
	"strings"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// A level of many thousand uploads shows its first names after one round
// trip: its directory stream starts with the level's first page and lists
// the rest (in ranges, see listing) only when the reader gets past it, as
// an upload's parts do (restStream). Lookup answers from the first page
// what it says all about (mount.child, level.go).

// levelKeep is a level directory the kernel may keep (see kernelCopy): its
// inode and what it keeps.
type levelKeep struct {
	in         *fs.Inode
	kernelCopy *kernelCopy[listing.LevelPage]
}

// levelStream is the directory stream of a level whose first page was
// truncated: own (the entries of a key directory's uploads ownUploads) and
// the first page's names first, then the rest of the level when the reader
// asks (and the walk's prefetch batch grows by it). keep, if not nil, is a
// directory the kernel may keep: the open's flags say so.
func (m *mount) levelStream(ctx context.Context, bucket, prefix string, ownUploads []listing.Upload, own []fuse.DirEntry, keep *levelKeep) (fs.DirStream, uint32, syscall.Errno) {
	flags := func(first *listing.LevelPage) uint32 {
		if keep == nil {
			return 0
		}
		return keep.kernelCopy.flags(keep.in, first)
	}
	taken := make(map[string]bool, len(own))
	for _, e := range own {
		taken[e.Name] = true
	}
	entries := func(idx *levelIndex) []fuse.DirEntry {
		return append(append([]fuse.DirEntry(nil), own...), levelEntries(bucket, idx, taken)...)
	}
	if idx, ok := m.levels.Get(levelKey{bucket, prefix}); ok {
		return fs.NewListDirStream(sorted(entries(idx))), flags(idx.first), 0
	}
	first, err := m.levelFirstPage(ctx, bucket, prefix)
	if err != nil {
		return nil, 0, toErrno(err)
	}
	if !first.shown() {
		idx, err := m.level(ctx, bucket, prefix)
		if err != nil {
			return nil, 0, toErrno(err)
		}
		return fs.NewListDirStream(sorted(entries(idx))), flags(idx.first), 0
	}
	es := sorted(entries(first.idx))
	if !first.page.Truncated {
		return fs.NewListDirStream(es), flags(first.page), 0
	}
	return &restStream{entries: es, more: true, rest: func() ([]fuse.DirEntry, error) {
		// The kernel gives a READDIR no interrupt context that outlives
		// it; the fetch runs for the mount and is shared with Lookup.
		idx, err := m.level(m.ctx, bucket, prefix)
		if err != nil {
			return nil, err
		}
		if keep != nil && idx.first != first.page {
			// Built on a newer first page than the one being read: the
			// kernel must not keep this mix.
			keep.kernelCopy.drop(keep.in)
		}
		m.levelGrown(bucket, prefix, ownUploads, idx)
		return sorted(entries(idx)), nil
	}}, flags(first.page), 0
}

// sorted sorts es by name; a level's entries mostly come sorted already.
func sorted(es []fuse.DirEntry) []fuse.DirEntry {
	byName := func(a, b fuse.DirEntry) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(es, byName) {
		slices.SortFunc(es, byName)
	}
	return es
}

// restStream streams entries, then, when the reader gets past them, the
// names of rest not yet given: the first page of a level or of an upload's
// parts at once, the rest (fetched as parallel ranges) only if the reader
// asks for more, so `ls -f | head` costs one request. go-fuse uses a
// stream from one goroutine at a time.
type restStream struct {
	entries []fuse.DirEntry
	i       int
	more    bool
	rest    func() ([]fuse.DirEntry, error)
	errno   syscall.Errno
}

var _ fs.DirStream = (*restStream)(nil)

func (s *restStream) HasNext() bool {
	if s.i == len(s.entries) && s.more {
		s.more = false
		all, err := s.rest()
		if err != nil {
			// Mid-listing, ENOENT must not reach readdir: glibc takes it
			// for the end of the directory, and the first page would pass
			// for the whole listing.
			if s.errno = toErrno(err); s.errno == syscall.ENOENT {
				s.errno = syscall.EIO
			}
			return true
		}
		given := make(map[string]bool, len(s.entries))
		for _, e := range s.entries {
			given[e.Name] = true
		}
		s.entries = slices.Grow(s.entries, max(0, len(all)-len(s.entries)))
		for _, e := range all {
			if !given[e.Name] {
				s.entries = append(s.entries, e)
			}
		}
	}
	return s.i < len(s.entries) || s.errno != 0
}

func (s *restStream) Next() (fuse.DirEntry, syscall.Errno) {
	if s.errno != 0 {
		errno := s.errno
		s.errno = 0
		return fuse.DirEntry{}, errno
	}
	s.i++
	return s.entries[s.i-1], 0
}

func (s *restStream) Close() {}

// levelWithAttrs is how many entries of an open level directory READDIRPLUS
// gives with their attributes: a page's worth.
const levelWithAttrs = 1000

// levelDirFile is an open level directory. The kernel reads directories with
// READDIRPLUS, for which go-fuse looks every entry up: an inode and the
// kernel's dentry for each of a million names that `ls` only prints. So
// only the first levelWithAttrs entries (what `ls -l` of most levels reads)
// come with attributes; past them an entry is a name, inode number and
// type, and a program that stats it sends a LOOKUP, answered from memory.
// go-fuse calls Lookup with the directory's lock held, one at a time.
type levelDirFile struct {
	dirFile
	lookup    func(context.Context, string, *fuse.EntryOut) (*fs.Inode, syscall.Errno)
	withAttrs int // entries still given with attributes
}

var _ fs.FileLookuper = (*levelDirFile)(nil)

// Lookup gives an entry its attributes while withAttrs lasts. Past it, the
// error leaves the entry without a node id, which the kernel takes for
// "no attributes", not for "absent" (fuse_direntplus_link).
func (d *levelDirFile) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if d.withAttrs <= 0 {
		return nil, syscall.ENOTSUP
	}
	d.withAttrs--
	return d.lookup(ctx, name, out)
}
