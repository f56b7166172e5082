package fsnode

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// readOnlyOption is the mount option that has the kernel refuse every
// change with EROFS before it reaches uploadfs; a mount that may abort
// uploads by rmdir cannot have it, and refuses the rest itself (readOnly).
func readOnlyOption(allowAbort bool) []string {
	if allowAbort {
		return nil
	}
	return []string{"ro"}
}

// mountFS is fs.Mount with the file system behind readOnly.
func mountFS(dir string, root fs.InodeEmbedder, o *fs.Options) (*fuse.Server, error) {
	server, err := fuse.NewServer(readOnly{fs.NewNodeFS(root, o)}, dir, &o.MountOptions)
	if err != nil {
		return nil, err
	}
	go server.Serve()
	if err := server.WaitMount(); err != nil {
		return nil, err
	}
	return server, nil
}

// readOnly answers every change but rmdir with EROFS, whatever the mount
// options say: go-fuse answers ENOTSUP for what a node does not implement,
// which tools report as a bug rather than as a read-only file system.
type readOnly struct{ fuse.RawFileSystem }

func (readOnly) SetAttr(<-chan struct{}, *fuse.SetAttrIn, *fuse.AttrOut) fuse.Status {
	return fuse.EROFS
}
func (readOnly) Mknod(<-chan struct{}, *fuse.MknodIn, string, *fuse.EntryOut) fuse.Status {
	return fuse.EROFS
}
func (readOnly) Mkdir(<-chan struct{}, *fuse.MkdirIn, string, *fuse.EntryOut) fuse.Status {
	return fuse.EROFS
}
func (readOnly) Unlink(<-chan struct{}, *fuse.InHeader, string) fuse.Status { return fuse.EROFS }
func (readOnly) Rename(<-chan struct{}, *fuse.RenameIn, string, string) fuse.Status {
	return fuse.EROFS
}
func (readOnly) Link(<-chan struct{}, *fuse.LinkIn, string, *fuse.EntryOut) fuse.Status {
	return fuse.EROFS
}
func (readOnly) Symlink(<-chan struct{}, *fuse.InHeader, string, string, *fuse.EntryOut) fuse.Status {
	return fuse.EROFS
}
func (readOnly) SetXAttr(<-chan struct{}, *fuse.SetXAttrIn, string, []byte) fuse.Status {
	return fuse.EROFS
}
func (readOnly) RemoveXAttr(<-chan struct{}, *fuse.InHeader, string) fuse.Status { return fuse.EROFS }
func (readOnly) Create(<-chan struct{}, *fuse.CreateIn, string, *fuse.CreateOut) fuse.Status {
	return fuse.EROFS
}
func (readOnly) Write(<-chan struct{}, *fuse.WriteIn, []byte) (uint32, fuse.Status) {
	return 0, fuse.EROFS
}
func (readOnly) CopyFileRange(<-chan struct{}, *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	return 0, fuse.EROFS
}
func (readOnly) Fallocate(<-chan struct{}, *fuse.FallocateIn) fuse.Status { return fuse.EROFS }

// noRmdir is the Rmdir of the directories whose children are not uploads
// (the root, a bucket, an upload): go-fuse would otherwise answer an rmdir
// it has no method for with success, and forget the directory.
type noRmdir struct{}

func (noRmdir) Rmdir(context.Context, string) syscall.Errno { return syscall.EROFS }
