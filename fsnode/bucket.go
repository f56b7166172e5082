package fsnode

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// topDir is a directory at the mount's root, a bucket or a vault: what
// the two share, a name and a creation date.
type topDir struct {
	m       *mount
	name    string
	created time.Time
}

func (c *topDir) ino() uint64 { return ino(levelBucket, c.name) }

func (c *topDir) attr(a *fuse.Attr) { c.m.dirAttr(a, c.ino(), c.created) }

func (c *topDir) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	c.attr(&out.Attr)
	return 0
}

func (c *topDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, noXattrs)
}

func (c *topDir) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, noXattrs)
}

// bucketNode is a bucket: the top level of its keys.
type bucketNode struct {
	fs.Inode
	noRmdir
	topDir
	// kept is what the kernel keeps of the top level, as for any level
	// (pathNode.kernelCopy).
	kernelCopy kernelCopy[listing.LevelPage]
}

var (
	_ fs.NodeOpendirHandler = (*bucketNode)(nil)
	_ fs.NodeLookuper       = (*bucketNode)(nil)
	_ fs.NodeGetattrer      = (*bucketNode)(nil)
	_ fs.NodeGetxattrer     = (*bucketNode)(nil)
	_ fs.NodeListxattrer    = (*bucketNode)(nil)
	_ fs.NodeRmdirer        = (*bucketNode)(nil)
)

// OpendirHandle lists the first page of the top level (or finds it
// cached), so that a bucket deleted since fails here with ENOENT, then
// streams the level (its first page at once) as any level directory
// (levelDirFile: attributes for its first entries only, kept by the
// kernel), and queues what a walk will need next.
func (b *bucketNode) OpendirHandle(ctx context.Context, _ uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if _, err := b.m.levelFirstPage(ctx, b.name, ""); err != nil {
		return nil, 0, toErrno(err)
	}
	ds, flags, errno := b.m.levelStream(ctx, b.name, "", nil, nil, &levelKeep{in: &b.Inode, kernelCopy: &b.kernelCopy})
	if errno != 0 {
		return nil, 0, errno
	}
	b.m.prefetchLevel(b.name, "", nil, true)
	return &levelDirFile{dirFile: dirFile{ds}, lookup: b.Lookup, withAttrs: levelWithAttrs}, flags, 0
}

// Getxattr answers the bucket's lifecycle attributes (lifecycle.go),
// reading its lifecycle configuration once per TTL; any other name is
// ENOATTR without a request.
func (b *bucketNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if !foreign(attr) && !lifecycleName(attr) {
		return 0, fs.ENOATTR
	}
	return getxattr(attr, dest, b.m.lifecycleXattrs(ctx, b.name))
}

func (b *bucketNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, b.m.lifecycleXattrs(ctx, b.name))
}

func (b *bucketNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	return lookupLevel(ctx, &b.Inode, b.m, b.name, "", name, out)
}
