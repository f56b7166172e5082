package fsnode

import (
	"context"
	"sort"
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
}

var (
	_ fs.NodeOpendirer   = (*pathNode)(nil)
	_ fs.NodeReaddirer   = (*pathNode)(nil)
	_ fs.NodeLookuper    = (*pathNode)(nil)
	_ fs.NodeGetattrer   = (*pathNode)(nil)
	_ fs.NodeGetxattrer  = (*pathNode)(nil)
	_ fs.NodeListxattrer = (*pathNode)(nil)
)

func (p *pathNode) ino() uint64 { return ino(levelPath, p.bucket, p.key) }

// attr: a path directory's times are the mount's start, so that
// `find -mtime` matches upload directories (mtime = Initiated) only.
func (p *pathNode) attr(a *fuse.Attr) { p.m.dirAttr(a, p.ino(), time.Time{}) }

// self returns this directory's entry in its parent's level: its own
// uploads and whether it has children. The level is normally cached, since
// the kernel found this directory through it.
func (p *pathNode) self(ctx context.Context) (*levelChild, syscall.Errno) {
	idx, err := p.m.level(ctx, p.bucket, p.parentPrefix)
	if err != nil {
		return nil, toErrno(err)
	}
	c := idx.byName[p.name]
	if c == nil {
		return nil, syscall.ENOENT // gone since the kernel looked it up
	}
	return c, 0
}

func (p *pathNode) Opendir(ctx context.Context) syscall.Errno { return opendir(ctx, p.entries) }

// Readdir lists the directory and queues what a walk will need next.
func (p *pathNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	ds, errno := readdir(ctx, p.entries)
	if errno != 0 {
		return nil, errno
	}
	if c, errno := p.self(ctx); errno == 0 {
		idx, _ := p.m.levels.Get(levelKey{p.bucket, p.key + listing.Delimiter})
		p.m.prefetchLevel(p.bucket, c.uploads, idx, "s3://"+p.bucket+"/"+p.key)
	}
	return ds, errno
}

// entries: the key's uploads, then the children of prefix key+"/".
func (p *pathNode) entries(ctx context.Context) ([]fuse.DirEntry, syscall.Errno) {
	c, errno := p.self(ctx)
	if errno != 0 {
		return nil, errno
	}
	entries := make([]fuse.DirEntry, 0, len(c.uploads))
	taken := make(map[string]bool, len(c.uploads))
	for _, u := range c.uploads {
		e := uploadEntry(p.bucket, u)
		taken[e.Name] = true
		entries = append(entries, e)
	}
	if c.hasChildren {
		idx, err := p.m.level(ctx, p.bucket, p.key+listing.Delimiter)
		if err != nil {
			return nil, toErrno(err)
		}
		entries = append(entries, levelEntries(p.bucket, idx, taken)...)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return entries, 0
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
			x.add("user.s3.key", p.key)
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
