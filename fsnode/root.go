package fsnode

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// rootNode is the mount point: one directory per bucket, or per vault.
type rootNode struct {
	fs.Inode
	noRmdir
	m *mount
}

var (
	_ fs.NodeOpendirer   = (*rootNode)(nil)
	_ fs.NodeReaddirer   = (*rootNode)(nil)
	_ fs.NodeLookuper    = (*rootNode)(nil)
	_ fs.NodeGetattrer   = (*rootNode)(nil)
	_ fs.NodeGetxattrer  = (*rootNode)(nil)
	_ fs.NodeListxattrer = (*rootNode)(nil)
	_ fs.NodeRmdirer     = (*rootNode)(nil)
)

// bucketsOf returns the buckets (vaults) shown: those named on the command
// line (no request), or ListBuckets (ListVaults).
func (r *rootNode) bucketsOf(ctx context.Context) ([]listing.Bucket, error) {
	if len(r.m.fixed) > 0 {
		bs := make([]listing.Bucket, len(r.m.fixed))
		for i, name := range r.m.fixed {
			bs[i] = listing.Bucket{Name: name}
		}
		return bs, nil
	}
	return r.m.bucketList(ctx)
}

func (r *rootNode) entries(ctx context.Context) ([]fuse.DirEntry, syscall.Errno) {
	bs, err := r.bucketsOf(ctx)
	if err != nil {
		return nil, toErrno(err)
	}
	entries := make([]fuse.DirEntry, 0, len(bs))
	for _, b := range bs {
		entries = append(entries, fuse.DirEntry{Name: escapeName(b.Name), Ino: ino(levelBucket, b.Name), Mode: dirMode})
	}
	return entries, 0
}

func (r *rootNode) Opendir(ctx context.Context) syscall.Errno { return opendir(ctx, r.entries) }

func (r *rootNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	return readdir(ctx, r.entries)
}

func (r *rootNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	bs, err := r.bucketsOf(ctx)
	if err != nil {
		return nil, toErrno(err)
	}
	for _, b := range bs {
		if escapeName(b.Name) != name {
			continue
		}
		c := topDir{m: r.m, name: b.Name, created: b.Created}
		c.attr(&out.Attr)
		attr := fs.StableAttr{Mode: dirMode, Ino: c.ino()}
		if r.m.glacier != nil {
			return child(ctx, &r.Inode, name, &vaultNode{topDir: c}, attr), 0
		}
		return child(ctx, &r.Inode, name, &bucketNode{topDir: c}, attr), 0
	}
	return nil, syscall.ENOENT
}

func (r *rootNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.m.dirAttr(&out.Attr, rootIno, r.m.started)
	return 0
}

func (r *rootNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, noXattrs)
}

func (r *rootNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, noXattrs)
}
