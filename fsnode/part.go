package fsnode

import (
	"context"
	"strconv"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// partNode is one uploaded part. Everything about it is in memory: the
// attributes come from the part listing that found it.
type partNode struct {
	fs.Inode
	m    *mount
	ino  uint64
	part atomic.Pointer[listing.Part]
}

var (
	_ fs.NodeGetattrer   = (*partNode)(nil)
	_ fs.NodeOpener      = (*partNode)(nil)
	_ fs.NodeGetxattrer  = (*partNode)(nil)
	_ fs.NodeListxattrer = (*partNode)(nil)
)

func partIno(bucket string, u listing.Upload, number int32) uint64 {
	return ino(levelPart, bucket, u.Key, u.ID, strconv.Itoa(int(number)))
}

func (n *partNode) refresh(fresh *partNode) { n.part.Store(fresh.part.Load()) }

func (n *partNode) attr(a *fuse.Attr) {
	p := n.part.Load()
	a.Ino = n.ino
	a.Mode = partMode
	a.Nlink = 1
	a.Size = uint64(p.Size)
	a.Blocks = (a.Size + 511) / 512 // so that du counts uploaded bytes
	a.Blksize = 4096
	a.Uid, a.Gid = n.m.uid, n.m.gid
	n.m.setTimes(a, p.Modified)
}

func (n *partNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.attr(&out.Attr)
	return 0
}

// Open fails at once: S3 has no way to read a part before the upload is
// completed, and made-up bytes would be worse than an error.
func (n *partNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, 0, syscall.ENOTSUP
}

func (n *partNode) xattrs() (xattrs, syscall.Errno) {
	p := n.part.Load()
	var x xattrs
	x.add("user.s3.etag", p.ETag)
	x.add("user.s3.part-number", strconv.Itoa(int(p.Number)))
	for _, c := range p.Checksums {
		x.add("user.s3.checksum."+c.Algorithm, c.Value)
	}
	return x, 0
}

func (n *partNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, n.xattrs)
}

func (n *partNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, n.xattrs)
}
