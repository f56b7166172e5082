package fsnode

import (
	"context"
	"sort"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// vaultNode is a Glacier vault: one directory per in-progress upload,
// named by upload ID (Glacier uploads have no key).
type vaultNode struct {
	fs.Inode
	topDir
}

var (
	_ fs.NodeOpendirer   = (*vaultNode)(nil)
	_ fs.NodeReaddirer   = (*vaultNode)(nil)
	_ fs.NodeLookuper    = (*vaultNode)(nil)
	_ fs.NodeGetattrer   = (*vaultNode)(nil)
	_ fs.NodeGetxattrer  = (*vaultNode)(nil)
	_ fs.NodeListxattrer = (*vaultNode)(nil)
	_ fs.NodeRmdirer     = (*vaultNode)(nil)
)

// vaultIndex is one vault's uploads, by file name.
type vaultIndex struct {
	uploads []listing.Upload // sorted by file name
	byName  map[string]*listing.Upload
}

func indexVault(ups []listing.Upload) *vaultIndex {
	sort.Slice(ups, func(i, j int) bool { return escapeName(ups[i].ID) < escapeName(ups[j].ID) })
	idx := &vaultIndex{uploads: ups, byName: make(map[string]*listing.Upload, len(ups))}
	for i := range ups {
		idx.byName[escapeName(ups[i].ID)] = &ups[i]
	}
	return idx
}

func (v *vaultNode) entries(ctx context.Context) ([]fuse.DirEntry, syscall.Errno) {
	idx, err := v.m.vault(ctx, v.name)
	if err != nil {
		return nil, toErrno(err)
	}
	entries := make([]fuse.DirEntry, len(idx.uploads))
	for i, u := range idx.uploads {
		entries[i] = uploadEntry(v.name, u)
	}
	return entries, 0
}

func (v *vaultNode) Opendir(ctx context.Context) syscall.Errno { return opendir(ctx, v.entries) }

// Readdir lists the uploads and queues their part listings for a walker.
func (v *vaultNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	ds, errno := readdir(ctx, v.entries)
	if idx, ok := v.m.vaults.Get(v.name); ok && errno == 0 {
		v.m.prefetchVault(v.name, idx.uploads)
	}
	return ds, errno
}

func (v *vaultNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	idx, err := v.m.vault(ctx, v.name)
	if err != nil {
		return nil, toErrno(err)
	}
	u := idx.byName[name]
	if u == nil {
		return nil, syscall.ENOENT
	}
	return lookupUpload(ctx, &v.Inode, v.m, v.name, *u, name, out), 0
}

// Rmdir of an upload directory aborts that upload, when the mount allows it
// (abort.go).
func (v *vaultNode) Rmdir(ctx context.Context, name string) syscall.Errno {
	idx, err := v.m.vault(ctx, v.name)
	if err != nil {
		return toErrno(err)
	}
	if idx.byName[name] == nil {
		return syscall.ENOENT
	}
	return rmdirUpload(&v.Inode, v.m, v.name, "", name, idx.byName[name])
}
