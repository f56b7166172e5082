package fsnode

import (
	"context"
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
	noRmdir
	m          *mount
	bucket     string
	up         atomic.Pointer[listing.Upload]
	kernelCopy kernelCopy[listing.PartsPage] // what the kernel keeps of the directory
}

var (
	_ fs.NodeOpendirHandler = (*uploadNode)(nil)
	_ fs.NodeLookuper       = (*uploadNode)(nil)
	_ fs.NodeGetattrer      = (*uploadNode)(nil)
	_ fs.NodeGetxattrer     = (*uploadNode)(nil)
	_ fs.NodeListxattrer    = (*uploadNode)(nil)
	_ fs.NodeRmdirer        = (*uploadNode)(nil)
)

func uploadIno(bucket string, u listing.Upload) uint64 {
	return uploadHash(bucket, &u).ino(levelUpload)
}

// uploadEntry is the directory entry of upload u of bucket (or vault).
func uploadEntry(bucket string, u listing.Upload) fuse.DirEntry {
	return fuse.DirEntry{Name: escapeName(u.ID), Ino: uploadIno(bucket, u), Mode: dirMode}
}

// lookupUpload returns the inode of upload u, the child name of parent.
func lookupUpload(ctx context.Context, parent *fs.Inode, m *mount, bucket string, u listing.Upload, name string, out *fuse.EntryOut) *fs.Inode {
	n := &uploadNode{m: m, bucket: bucket}
	n.up.Store(&u)
	if u.Initiated.IsZero() {
		// A server that does not say when an upload began (SeaweedFS):
		// its first page of parts tells the best honest time (mtime).
		// On failure the directory shows the mount's start, as before.
		// Needing its parts, the lookup goes into the upload as a walker
		// does: the uploads after it in the directory read are fetched
		// ahead, so `ls -l */` over many keys takes a few round trips,
		// not one a key.
		m.uploadOpened(bucket, &u)
		m.firstPage(ctx, n.key())
	}
	n.attr(&out.Attr)
	return child(ctx, parent, name, n, fs.StableAttr{Mode: dirMode, Ino: n.ino()})
}

func (n *uploadNode) ino() uint64 { return uploadIno(n.bucket, *n.up.Load()) }

func (n *uploadNode) update(fresh fs.InodeEmbedder) {
	if f, ok := fresh.(*uploadNode); ok {
		n.up.Store(f.up.Load())
	}
}

func (n *uploadNode) attr(a *fuse.Attr) { n.m.dirAttr(a, n.ino(), n.mtime()) }

// mtime is when the upload began: Initiated, or, from a server that does
// not say (SeaweedFS), the earliest LastModified of the parts in hand (its
// first part is uploaded after it began, so this is the nearest time
// known, never earlier than the truth).
func (n *uploadNode) mtime() time.Time {
	u := n.up.Load()
	if !u.Initiated.IsZero() {
		return u.Initiated
	}
	var parts []listing.Part
	if ps, ok := n.m.parts.Get(n.key()); ok {
		parts = ps.Parts
	} else if pg, ok := n.m.firstPages.Get(n.key()); ok {
		parts = pg.Parts
	}
	var earliest time.Time
	for i := range parts {
		if t := parts[i].ModTime(); !t.IsZero() && (earliest.IsZero() || t.Before(earliest)) {
			earliest = t
		}
	}
	return earliest
}

func (n *uploadNode) key() uploadKey {
	u := n.up.Load()
	return uploadKey{n.bucket, u.Key, u.ID}
}

// OpendirHandle reads the first page (or finds the listing cached), so that
// an upload aborted since it was listed fails here with ENOENT. A walker
// opening it moves the prefetch window on.
//
// The kernel may keep what it reads of the directory (FOPEN_CACHE_DIR): a
// second `ls -l` then reads nothing from uploadfs. What it reads comes from
// one first page and the whole listing built on it; when the listing in
// hand was built on another first page (refreshed after the TTL, or
// evicted and fetched again), the kernel's copy is dropped before this open
// lets it keep anything (kernelCopy). So what it shows is never older than the TTL
// allows.
func (n *uploadNode) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	n.m.uploadOpened(n.bucket, n.up.Load())
	k := n.key()
	ps, whole := n.m.parts.Get(k)
	if !whole {
		first, err := n.m.firstPage(ctx, k)
		if err != nil {
			return nil, 0, toErrno(err)
		}
		if first.Truncated {
			return &dirFile{n.streamFrom(first)}, n.kernelCopy.flags(&n.Inode, first), 0
		}
		// One page is the whole listing: made whole without a request.
		if ps, err = n.m.partList(ctx, k); err != nil {
			return nil, 0, toErrno(err)
		}
	}
	return &dirFile{fs.NewListDirStream(n.entries(ps.Parts))}, n.kernelCopy.flags(&n.Inode, ps.First), 0
}

// streamFrom streams the parts: the first page at once, the rest (fetched
// as parallel ranges) only if the reader asks for more, so `ls -f | head`
// of a 10,000-part upload costs one request.
func (n *uploadNode) streamFrom(first *listing.PartsPage) fs.DirStream {
	k := n.key()
	return &restStream{entries: n.entries(first.Parts), more: first.Truncated, rest: func() ([]fuse.DirEntry, error) {
		// The kernel gives a READDIR no interrupt context that outlives
		// it; the fetch runs for the mount and is shared with Lookup.
		ps, err := n.m.partList(n.m.ctx, k)
		if err != nil {
			return nil, err
		}
		if ps.First != first {
			// Built on a newer first page than the one being read: the
			// kernel must not keep this mix.
			n.kernelCopy.drop(&n.Inode)
		}
		return n.entries(ps.Parts), nil
	}}
}

func (n *uploadNode) entries(parts []listing.Part) []fuse.DirEntry {
	h := uploadHash(n.bucket, n.up.Load())
	entries := make([]fuse.DirEntry, len(parts))
	for i, p := range parts {
		entries[i] = fuse.DirEntry{Name: partName(p.Number), Ino: partIno(h, p.Number), Mode: partMode}
	}
	return entries
}

// Lookup answers from the listing in hand (complete, or the first page that
// a readdir is streaming), else with one request for the part alone: `stat`
// of one part of a 10,000-part upload does not list it. An upload whose
// listing has expired is listed again whole, once for every lookup waiting
// on it: a script (or the kernel) visiting every part after the TTL costs
// one listing, not one request per part. (Glacier cannot find one part
// alone: there the upload is always listed.)
func (n *uploadNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if in, errno, ok := n.lookupFile(ctx, name, out); ok {
		return in, errno
	}
	num, ok := parsePartName(name)
	if !ok {
		return nil, syscall.ENOENT
	}
	k := n.key()
	var p *listing.Part
	if ps, cached := n.m.parts.Get(k); cached {
		p = ps.Find(num)
	} else if pg, cached := n.m.firstPages.Get(k); cached && pg.Covers(num) {
		p = pg.Find(num)
	} else if n.m.finder == nil || n.m.parts.Held(k) {
		ps, err := n.m.partList(ctx, k)
		if err != nil {
			return nil, toErrno(err)
		}
		p = ps.Find(num)
	} else {
		a, err := n.m.onePart(ctx, k, num)
		if err != nil {
			return nil, toErrno(err)
		}
		if a.ok {
			p = &a.part
		}
	}
	if p == nil {
		return nil, syscall.ENOENT
	}
	pn := &partNode{m: n.m}
	pn.part.Store(p)
	attr := fs.StableAttr{Mode: partMode, Ino: partIno(uploadHash(n.bucket, n.up.Load()), num)}
	out.Attr.Ino = attr.Ino
	pn.fill(&out.Attr)
	return child(ctx, &n.Inode, name, pn, attr), 0
}

func (n *uploadNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.attr(&out.Attr)
	return 0
}

// listed is what the upload's own listing (ListMultipartUploads) says:
// answered from memory.
func (n *uploadNode) listed() xattrs {
	u := n.up.Load()
	var x xattrs
	if g := u.Glacier; g != nil {
		x.add(xattrVaultARN, g.VaultARN)
		x.add(xattrArchiveDescription, g.ArchiveDescription)
		if g.PartSize > 0 {
			x.add(xattrPartSize, strconv.FormatInt(g.PartSize, 10))
		}
		x.add(xattrCreationDate, g.CreationDate)
		return x
	}
	x.add(xattrBucket, n.bucket)
	x.add(xattrKey, u.Key)
	x.add(xattrUploadID, u.ID)
	x.add(xattrInitiated, rfc3339(u.Initiated))
	for _, a := range described(u.StorageClass, u.InitiatorID, u.OwnerID, u.ChecksumAlgorithm, u.ChecksumType) {
		x.add(a.name, a.value)
	}
	return x
}

// described is what ListMultipartUploads and ListParts both may say of an
// upload (ListParts fills in what the first left out).
func described(storageClass, initiatorID, ownerID, checksumAlgorithm, checksumType string) []xattr {
	return []xattr{
		{xattrStorageClass, storageClass},
		{xattrInitiatorID, initiatorID},
		{xattrOwnerID, ownerID},
		{xattrChecksumAlgorithm, checksumAlgorithm},
		{xattrChecksumType, checksumType},
	}
}

// xattrs is every attribute of the upload directory: the listed ones, what
// the part listing adds (S3: fields ListMultipartUploads left out, the
// abort rule; in a directory bucket the abort date its lifecycle rule
// gives, lifecycle.go) and the totals. Only this needs the part listing
// (and, in a directory bucket, the bucket's lifecycle).
func (n *uploadNode) xattrs(ctx context.Context) func() (xattrs, syscall.Errno) {
	return func() (xattrs, syscall.Errno) {
		ps, err := n.m.partList(ctx, n.key())
		if err != nil {
			return nil, toErrno(err)
		}
		x := n.listed()
		if n.m.s3 != nil {
			info := ps.Info
			for _, a := range described(info.StorageClass, info.InitiatorID, info.OwnerID, info.ChecksumAlgorithm, info.ChecksumType) {
				if _, errno := x.get(a.name, nil); errno != 0 {
					x.add(a.name, a.value)
				}
			}
			x.add(xattrAbortDate, rfc3339(info.AbortDate))
			x.add(xattrAbortRuleID, info.AbortRuleID)
			if errno := n.m.addComputedAbort(ctx, n.bucket, n.up.Load(), &x); errno != 0 {
				return nil, errno
			}
		}
		x.add(n.m.xattrName(xattrPartCount), strconv.Itoa(len(ps.Parts)))
		x.add(n.m.xattrName(xattrTotalBytes), strconv.FormatInt(ps.TotalBytes, 10))
		return x, 0
	}
}

// Getxattr answers what the upload's own listing gave from memory; only
// the attributes of its parts (and fields that listing left out) ask for
// the part listing.
func (n *uploadNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if !foreign(attr) {
		if size, errno := n.listed().get(attr, dest); errno != fs.ENOATTR {
			return size, errno
		}
	}
	return getxattr(attr, dest, n.xattrs(ctx))
}

func (n *uploadNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, n.xattrs(ctx))
}

// rfc3339 formats t in UTC, or "" (absent) for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
