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

// partNode is one uploaded part. Everything about it is in memory: part
// points into the listing that found it (no copy: a walk keeps one node per
// part alive in the kernel, so every byte here counts).
type partNode struct {
	fs.Inode
	m    *mount
	part atomic.Pointer[listing.Part]
}

var (
	_ fs.NodeGetattrer   = (*partNode)(nil)
	_ fs.NodeOpener      = (*partNode)(nil)
	_ fs.NodeGetxattrer  = (*partNode)(nil)
	_ fs.NodeListxattrer = (*partNode)(nil)
)

// partIno is the inode number of part number of the upload whose identity
// hashes to upload (uploadHash).
func partIno(upload fnv, number int32) uint64 { return upload.add(partName(number)).ino(levelPart) }

// uploadHash is the hash state of an upload's identity, which its parts
// extend.
func uploadHash(bucket string, u *listing.Upload) fnv {
	return fnvOffset.add(bucket).add(u.Key).add(u.ID)
}

func (n *partNode) update(fresh fs.InodeEmbedder) {
	if f, ok := fresh.(*partNode); ok {
		n.part.Store(f.part.Load())
	}
}

// fill sets every attribute of the part but its inode number, which Lookup
// knows before the node exists and Getattr takes from the node.
func (n *partNode) fill(a *fuse.Attr) {
	p := n.part.Load()
	a.Mode = partMode
	a.Nlink = 1
	a.Size = uint64(p.Size)
	a.Blocks = (a.Size + 511) / 512 // so that du counts uploaded bytes
	a.Blksize = 4096
	a.Uid, a.Gid = n.m.uid, n.m.gid
	n.m.setTimes(a, p.ModTime())
}

func (n *partNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Attr.Ino = n.StableAttr().Ino
	n.fill(&out.Attr)
	return 0
}

// Open fails at once: S3 has no way to read a part before the upload is
// completed, and made-up bytes would be worse than an error.
func (n *partNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, 0, openErrno(flags, syscall.ENOTSUP)
}

// openErrno is EROFS for an open that would write (a mount that may abort
// is not mounted read-only, so the kernel lets such opens through), else
// errno.
func openErrno(flags uint32, errno syscall.Errno) syscall.Errno {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return syscall.EROFS
	}
	return errno
}

// xattrs: S3's ETag and part number, then the fields the server listed
// (S3's checksums; Glacier's range and tree hash), in the mount's namespace.
func (n *partNode) xattrs() (xattrs, syscall.Errno) {
	p := n.part.Load()
	var x xattrs
	if n.m.s3 != nil {
		x.add(xattrETag, p.ETag())
		x.add(xattrPartNumber, strconv.Itoa(int(p.Number)))
	}
	if p.Fields != nil {
		for _, f := range *p.Fields {
			x.add(n.m.xattrName(f.Name), f.Value)
		}
	}
	return x, 0
}

func (n *partNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, n.xattrs)
}

func (n *partNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, n.xattrs)
}
