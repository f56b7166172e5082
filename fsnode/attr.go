package fsnode

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

const (
	dirMode  = syscall.S_IFDIR | 0o555
	partMode = syscall.S_IFREG | 0o444
)

// setTimes sets all three times of a to t, or to the mount's start when the
// server gave no time.
func (m *mount) setTimes(a *fuse.Attr, t time.Time) {
	if t.IsZero() {
		t = m.started
	}
	a.SetTimes(&t, &t, &t)
}

// dirAttr fills the attributes of every directory; Lookup and Getattr both
// call it, so the two never disagree.
func (m *mount) dirAttr(a *fuse.Attr, ino uint64, mtime time.Time) {
	a.Ino = ino
	a.Mode = dirMode
	a.Nlink = 2
	a.Uid, a.Gid = m.uid, m.gid
	m.setTimes(a, mtime)
}

// child returns the inode for a child of parent named name, reusing the one
// the kernel already knows (go-fuse would otherwise keep the old node and
// drop the new one); a reused node that carries listed data takes n's.
func child(ctx context.Context, parent *fs.Inode, name string, n fs.InodeEmbedder, attr fs.StableAttr) *fs.Inode {
	if old := parent.GetChild(name); old != nil && old.StableAttr() == attr {
		if u, ok := old.Operations().(updater); ok {
			u.update(n)
		}
		return old
	}
	return parent.NewInode(ctx, n, attr)
}

// updater is a node whose data comes from a listing (an upload, a part):
// a fresh lookup hands it the fresh copy. Nodes of the other kinds read
// what they show from the listings when asked.
type updater interface {
	update(fresh fs.InodeEmbedder)
}

// getxattr and listxattr are the Getxattr and Listxattr of every node:
// names outside user.* are refused before anything is looked at.
func getxattr(attr string, dest []byte, x func() (xattrs, syscall.Errno)) (uint32, syscall.Errno) {
	if foreign(attr) {
		return 0, syscall.ENOTSUP
	}
	xs, errno := x()
	if errno != 0 {
		return 0, errno
	}
	return xs.get(attr, dest)
}

func listxattr(dest []byte, x func() (xattrs, syscall.Errno)) (uint32, syscall.Errno) {
	xs, errno := x()
	if errno != 0 {
		return 0, errno
	}
	return xs.list(dest)
}

// noXattrs is the attribute set of directories that have none.
func noXattrs() (xattrs, syscall.Errno) { return nil, 0 }

// opendir and readdir are the Opendir and Readdir of every directory, over
// its entries function. Opendir fetches (or finds cached) the listing so that
// a directory that vanished fails at open with ENOENT: glibc's readdir takes
// ENOENT from getdents for the end of the directory, and `ls` would show an
// empty directory instead of an error. Readdir then finds the listing cached.
func opendir(ctx context.Context, entries func(context.Context) ([]fuse.DirEntry, syscall.Errno)) syscall.Errno {
	_, errno := entries(ctx)
	return errno
}

func readdir(ctx context.Context, entries func(context.Context) ([]fuse.DirEntry, syscall.Errno)) (fs.DirStream, syscall.Errno) {
	es, errno := entries(ctx)
	if errno != 0 {
		return nil, errno
	}
	return fs.NewListDirStream(es), 0
}
