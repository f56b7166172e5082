package fsnode

import (
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// partStream is the directory stream of an upload whose first page was
// truncated: it fetches the rest when the reader gets past the first page.
// go-fuse uses a stream from one goroutine at a time.
type partStream struct {
	n       *uploadNode
	entries []fuse.DirEntry
	i       int
	more    bool          // the rest is still to be fetched
	errno   syscall.Errno // what fetching the rest failed with
}

var _ fs.DirStream = (*partStream)(nil)

func (s *partStream) HasNext() bool {
	if s.i == len(s.entries) && s.more {
		s.more = false
		// The kernel gives a READDIR no interrupt context that outlives
		// it; the fetch runs for the mount and is shared with Lookup.
		ps, err := s.n.m.partList(s.n.m.ctx, s.n.key())
		if err != nil {
			// Mid-listing, ENOENT (the upload vanished) must not reach
			// readdir: glibc takes it for the end of the directory, and
			// the first page would pass for the whole listing.
			if s.errno = toErrno(err); s.errno == syscall.ENOENT {
				s.errno = syscall.EIO
			}
			return true
		}
		last := int32(0)
		if s.i > 0 {
			last, _ = parsePartName(s.entries[s.i-1].Name)
		}
		for _, e := range s.n.entries(ps.Parts) {
			if num, _ := parsePartName(e.Name); num > last {
				s.entries = append(s.entries, e)
			}
		}
	}
	return s.i < len(s.entries) || s.errno != 0
}

func (s *partStream) Next() (fuse.DirEntry, syscall.Errno) {
	if s.errno != 0 {
		errno := s.errno
		s.errno = 0
		return fuse.DirEntry{}, errno
	}
	s.i++
	return s.entries[s.i-1], 0
}

func (s *partStream) Close() {}
