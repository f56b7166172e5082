package fsnode

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// pathNode is the directory for key path P below a bucket: it holds the
// upload directories of key P (found in the parent level's listing) and the
// children of prefix "P/" (a level of its own, listed only when the parent
// level says that prefix exists).
type pathNode struct {
	fs.Inode
	m            *mount
	bucket       string
	key          string // P: the key, and the prefix without its final "/"
	parentPrefix string // the level this directory was listed in
	name         string // its escaped name in that level
	// kept is what the kernel keeps of the directory: a second `ls` of a
	// level of a million names reads it from the kernel's copy.
	kernelCopy kernelCopy[listing.LevelPage]
}

var (
	_ fs.NodeOpendirHandler = (*pathNode)(nil)
	_ fs.NodeLookuper       = (*pathNode)(nil)
	_ fs.NodeGetattrer      = (*pathNode)(nil)
	_ fs.NodeGetxattrer     = (*pathNode)(nil)
	_ fs.NodeListxattrer    = (*pathNode)(nil)
	_ fs.NodeRmdirer        = (*pathNode)(nil)
)

func (p *pathNode) ino() uint64 { return ino(levelPath, p.bucket, p.key) }

// attr: a path directory shows S3 as it is now, so its times are now
// (the kernel keeps them for the TTL). Then `find -mtime +N` matches upload
// directories (mtime = Initiated) only, on a mount that has run for weeks
// too; the mount's start would make every key and prefix directory of an
// fstab mount match it after N days.
func (p *pathNode) attr(a *fuse.Attr) { p.m.dirAttr(a, p.ino(), time.Now()) }

// self returns this directory's entry in its parent's level: its own
// uploads and whether it has children. The level (or the first page that
// says all about this name) is normally cached, since the kernel found this
// directory through it.
func (p *pathNode) self(ctx context.Context) (*levelChild, syscall.Errno) {
	c, err := p.m.child(ctx, p.bucket, p.parentPrefix, p.name)
	if err != nil {
		return nil, toErrno(err)
	}
	if c == nil {
		return nil, syscall.ENOENT // gone since the kernel looked it up
	}
	return c, 0
}

// OpendirHandle finds the directory still listed and the first page of
// its children, so that a directory that vanished fails here with ENOENT
// (glibc's readdir takes ENOENT from getdents for the end of the
// directory), and opens its stream (levelDirFile).
func (p *pathNode) OpendirHandle(ctx context.Context, _ uint32) (fs.FileHandle, uint32, syscall.Errno) {
	c, errno := p.self(ctx)
	if errno != 0 {
		return nil, 0, errno
	}
	if c.hasChildren {
		if _, err := p.m.levelFirstPage(ctx, p.bucket, p.key+listing.Delimiter); err != nil {
			return nil, 0, toErrno(err)
		}
	}
	ds, flags, errno := p.readdir(ctx, c)
	if errno != 0 {
		return nil, 0, errno
	}
	return &levelDirFile{dirFile: dirFile{ds}, lookup: p.Lookup, withAttrs: levelWithAttrs}, flags, 0
}

// readdir lists the key's uploads, then streams the children of prefix
// key+"/" (their first page at once), and queues what a walk will need next.
func (p *pathNode) readdir(ctx context.Context, c *levelChild) (fs.DirStream, uint32, syscall.Errno) {
	var errno syscall.Errno
	var flags uint32
	own := make([]fuse.DirEntry, 0, len(c.uploads))
	for _, u := range c.uploads {
		own = append(own, uploadEntry(p.bucket, u))
	}
	var ds fs.DirStream = fs.NewListDirStream(sorted(own))
	if c.hasChildren {
		var keep *levelKeep
		if len(own) == 0 {
			// The kernel keeps a level's directory only when all of it
			// comes from the level: the key's own uploads come from the
			// parent's listing, refreshed on its own.
			keep = &levelKeep{in: &p.Inode, kernelCopy: &p.kernelCopy}
		}
		if ds, flags, errno = p.m.levelStream(ctx, p.bucket, p.key+listing.Delimiter, c.uploads, own, keep); errno != 0 {
			return nil, 0, errno
		}
	}
	p.m.prefetchLevel(p.bucket, p.key+listing.Delimiter, c.uploads, c.hasChildren)
	return ds, flags, 0
}

func (p *pathNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	c, errno := p.self(ctx)
	if errno != 0 {
		return nil, errno
	}
	if u, ok := c.upload(name); ok {
		return lookupUpload(ctx, &p.Inode, p.m, p.bucket, u, name, out), 0
	}
	if !c.hasChildren {
		return nil, syscall.ENOENT
	}
	return lookupLevel(ctx, &p.Inode, p.m, p.bucket, p.key+listing.Delimiter, name, out)
}

// Rmdir of one of the key's upload directories aborts that upload, when the
// mount allows it (abort.go); anything else is EROFS.
func (p *pathNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	c, errno := p.self(ctx)
	if errno != 0 {
		return errno
	}
	u, ok := c.upload(name)
	if !ok {
		return syscall.EROFS
	}
	return rmdirUpload(&p.Inode, p.m, p.bucket, p.parentPrefix, name, &u)
}

func (p *pathNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	p.attr(&out.Attr)
	return 0
}

// xattrs of a key directory: user.s3.key when the key has uploads.
func (p *pathNode) xattrs(ctx context.Context) func() (xattrs, syscall.Errno) {
	return func() (xattrs, syscall.Errno) {
		c, errno := p.self(ctx)
		if errno != 0 {
			return nil, errno
		}
		var x xattrs
		if len(c.uploads) > 0 {
			x.add(xattrKey, p.key)
		}
		return x, 0
	}
}

func (p *pathNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, p.xattrs(ctx))
}

func (p *pathNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, p.xattrs(ctx))
}

// lookupLevel finds name among the children of the level at prefix.
func lookupLevel(ctx context.Context, parent *fs.Inode, m *mount, bucket, prefix, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	c, err := m.child(ctx, bucket, prefix, name)
	if err != nil {
		return nil, toErrno(err)
	}
	if c == nil {
		return nil, syscall.ENOENT
	}
	n := &pathNode{m: m, bucket: bucket, key: c.key, parentPrefix: prefix, name: name}
	n.attr(&out.Attr)
	return child(ctx, parent, name, n, fs.StableAttr{Mode: dirMode, Ino: n.ino()}), 0
}
