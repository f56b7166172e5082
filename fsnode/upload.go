package fsnode

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// uploadNode is one in-progress upload: one file per part. Its own
// attributes come from ListMultipartUploads (no request); its parts and the
// totals from ListParts.
type uploadNode struct {
	fs.Inode
	m      *mount
	bucket string
	up     atomic.Pointer[listing.Upload]
}

var (
	_ fs.NodeOpendirer   = (*uploadNode)(nil)
	_ fs.NodeReaddirer   = (*uploadNode)(nil)
	_ fs.NodeLookuper    = (*uploadNode)(nil)
	_ fs.NodeGetattrer   = (*uploadNode)(nil)
	_ fs.NodeGetxattrer  = (*uploadNode)(nil)
	_ fs.NodeListxattrer = (*uploadNode)(nil)
)

func uploadIno(bucket string, u listing.Upload) uint64 {
	return ino(levelUpload, bucket, u.Key, u.ID)
}

func (n *uploadNode) ino() uint64 { return uploadIno(n.bucket, *n.up.Load()) }

func (n *uploadNode) refresh(fresh *uploadNode) { n.up.Store(fresh.up.Load()) }

func (n *uploadNode) attr(a *fuse.Attr) { n.m.dirAttr(a, n.ino(), n.up.Load().Initiated) }

func (n *uploadNode) parts(ctx context.Context) (*listing.Parts, error) {
	u := n.up.Load()
	return n.m.partList(ctx, n.bucket, u.Key, u.ID)
}

// partName is the file name of part number p: five digits, so that lexical
// order is numeric order up to the maximum of 10000.
func partName(p int32) string { return fmt.Sprintf("%05d", p) }

// parsePartName is the inverse of partName; it accepts only the canonical
// spelling.
func parsePartName(name string) (int32, bool) {
	if len(name) != 5 {
		return 0, false
	}
	n, err := strconv.ParseUint(name, 10, 16)
	if err != nil || n < 1 || n > listing.MaxPartNumber {
		return 0, false
	}
	return int32(n), true
}

func (n *uploadNode) Opendir(ctx context.Context) syscall.Errno { return opendir(ctx, n.entries) }

func (n *uploadNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	return readdir(ctx, n.entries)
}

func (n *uploadNode) entries(ctx context.Context) ([]fuse.DirEntry, syscall.Errno) {
	ps, err := n.parts(ctx)
	if err != nil {
		return nil, toErrno(err)
	}
	u := n.up.Load()
	entries := make([]fuse.DirEntry, len(ps.Parts))
	for i, p := range ps.Parts {
		entries[i] = fuse.DirEntry{Name: partName(p.Number), Ino: partIno(n.bucket, *u, p.Number), Mode: partMode}
	}
	return entries, 0
}

func (n *uploadNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	num, ok := parsePartName(name)
	if !ok {
		return nil, syscall.ENOENT
	}
	ps, err := n.parts(ctx)
	if err != nil {
		return nil, toErrno(err)
	}
	p, ok := ps.Find(num)
	if !ok {
		return nil, syscall.ENOENT
	}
	pn := &partNode{m: n.m, ino: partIno(n.bucket, *n.up.Load(), num)}
	pn.part.Store(&p)
	pn.attr(&out.Attr)
	return child(ctx, &n.Inode, name, pn, fs.StableAttr{Mode: partMode, Ino: pn.ino}), 0
}

func (n *uploadNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.attr(&out.Attr)
	return 0
}

// xattrs of an upload directory. Fields ListMultipartUploads gave win; the
// part listing fills what it left out and adds the abort rule and totals.
func (n *uploadNode) xattrs(ctx context.Context) func() (xattrs, syscall.Errno) {
	return func() (xattrs, syscall.Errno) {
		u := n.up.Load()
		ps, err := n.parts(ctx)
		if err != nil {
			return nil, toErrno(err)
		}
		info := ps.Info
		var x xattrs
		x.add("user.s3.bucket", n.bucket)
		x.add("user.s3.key", u.Key)
		x.add("user.s3.upload-id", u.ID)
		x.add("user.s3.initiated", rfc3339(u.Initiated))
		x.add("user.s3.storage-class", or(u.StorageClass, info.StorageClass))
		x.add("user.s3.initiator.id", or(u.InitiatorID, info.InitiatorID))
		x.add("user.s3.owner.id", or(u.OwnerID, info.OwnerID))
		x.add("user.s3.checksum-algorithm", or(u.ChecksumAlgorithm, info.ChecksumAlgorithm))
		x.add("user.s3.checksum-type", or(u.ChecksumType, info.ChecksumType))
		x.add("user.s3.abort-date", rfc3339(info.AbortDate))
		x.add("user.s3.abort-rule-id", info.AbortRuleID)
		x.add("user.s3.part-count", strconv.Itoa(len(ps.Parts)))
		x.add("user.s3.total-bytes", strconv.FormatInt(ps.TotalBytes, 10))
		return x, 0
	}
}

func (n *uploadNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, n.xattrs(ctx))
}

func (n *uploadNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, n.xattrs(ctx))
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rfc3339 formats t in UTC, or "" (absent) for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
