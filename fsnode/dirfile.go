package fsnode

import (
	"context"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// dirFile is an open directory reading a DirStream: what a node that opens
// its directories itself (fs.NodeOpendirHandler, to pass open flags) hands
// go-fuse, which then no longer calls its Readdir.
type dirFile struct{ s fs.DirStream }

var (
	_ fs.FileReaddirenter = (*dirFile)(nil)
	_ fs.FileSeekdirer    = (*dirFile)(nil)
	_ fs.FileReleasedirer = (*dirFile)(nil)
)

func (d *dirFile) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if !d.s.HasNext() {
		return nil, 0
	}
	e, errno := d.s.Next()
	return &e, errno
}

func (d *dirFile) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if sd, ok := d.s.(fs.FileSeekdirer); ok {
		return sd.Seekdir(ctx, off)
	}
	return syscall.ENOTSUP
}

func (d *dirFile) Releasedir(context.Context, uint32) { d.s.Close() }

// kernelCopy is what the kernel may keep of a directory (FOPEN_CACHE_DIR), so
// that a second `ls` reads nothing from uploadfs. Its copy holds what it
// read from one first page (T: of a part listing, of a level) and the whole
// listing built on it; an open after the listing in hand changed drops
// that copy first, synchronously (NotifyContent) under mu, so that no
// concurrent open can hand it the old copy. What the kernel shows is then
// never older than the TTL allows.
type kernelCopy[T any] struct {
	mu sync.Mutex
	// served is the first page the kernel was last given to read and
	// keep; nil if none since its copy was dropped. uncached: the kernel
	// could not be told to drop a copy, so it is never given one again.
	served   *T
	uncached bool
}

// flags lets the kernel keep what it reads of the directory from the
// listing begun by first, once any copy it holds from another first page
// is dropped. A listing whose first page is unknown (nil) is not kept.
func (k *kernelCopy[T]) flags(in *fs.Inode, first *T) uint32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.served != first {
		k.dropLocked(in)
		k.served = first
	}
	if k.served == nil || k.uncached {
		return 0
	}
	return fuse.FOPEN_CACHE_DIR | fuse.FOPEN_KEEP_CACHE
}

// drop drops the kernel's copy of the directory, if it may hold one: what
// is being read is built on another first page, and must not be kept.
func (k *kernelCopy[T]) drop(in *fs.Inode) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dropLocked(in)
}

func (k *kernelCopy[T]) dropLocked(in *fs.Inode) {
	if k.served != nil && in.NotifyContent(0, 0) != 0 {
		k.uncached = true
	}
	k.served = nil
}
