package fsnode

import (
	"context"
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
