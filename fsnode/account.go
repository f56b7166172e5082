package fsnode

import (
	"context"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Account is one account of a mount over several (Options.Accounts): the
// directory MOUNTPOINT/<ID>/ holds its buckets, as the root of a mount of
// one account does.
type Account struct {
	ID   string // 12 digits: the directory's name
	Name string // its name in the organization: the xattr user.s3.account-name
	// Lister lists the account's buckets and uploads.
	Lister Lister
	// Reach, if set, is asked before the directory is first listed (it
	// assumes the account's role). While it fails, the directory fails
	// with EACCES, and why is logged once.
	Reach func(ctx context.Context) error
}

// orgRoot is the mount point of a mount over several accounts: one
// directory per account.
type orgRoot struct {
	fs.Inode
	noRmdir
	base     *mount // the first account's: the owner and start time
	accounts []*accountState
}

var (
	_ fs.NodeOpendirer   = (*orgRoot)(nil)
	_ fs.NodeReaddirer   = (*orgRoot)(nil)
	_ fs.NodeLookuper    = (*orgRoot)(nil)
	_ fs.NodeGetattrer   = (*orgRoot)(nil)
	_ fs.NodeGetxattrer  = (*orgRoot)(nil)
	_ fs.NodeListxattrer = (*orgRoot)(nil)
	_ fs.NodeRmdirer     = (*orgRoot)(nil)
)

// accountState is an account with its own mount (lister, caches) and
// what Reach last said. Safe for concurrent use.
type accountState struct {
	Account
	m     *mount
	retry time.Duration // how long a failed Reach is answered again

	mu       sync.Mutex
	reached  bool
	err      error
	failedAt time.Time
	logged   bool
}

// newOrgRoot makes one mount per account of o (each with o's options and
// the account's lister), sorted by ID; stop stops them all.
func newOrgRoot(o Options) (root *orgRoot, stop func(), err error) {
	root = &orgRoot{}
	stop = func() {
		for _, a := range root.accounts {
			a.m.cancel()
		}
	}
	for _, a := range o.Accounts {
		one := o
		one.Accounts, one.Lister = nil, a.Lister
		m, err := newMount(one)
		if err != nil {
			stop()
			return nil, nil, err
		}
		root.accounts = append(root.accounts, &accountState{Account: a, m: m, retry: o.TTL})
	}
	slices.SortFunc(root.accounts, func(a, b *accountState) int { return strings.Compare(a.ID, b.ID) })
	root.base = root.accounts[0].m
	return root, stop, nil
}

func (r *orgRoot) entries(context.Context) ([]fuse.DirEntry, syscall.Errno) {
	es := make([]fuse.DirEntry, len(r.accounts))
	for i, a := range r.accounts {
		es[i] = fuse.DirEntry{Name: a.ID, Ino: ino(levelAccount, a.ID), Mode: dirMode}
	}
	return es, 0
}

func (r *orgRoot) Opendir(ctx context.Context) syscall.Errno { return opendir(ctx, r.entries) }

func (r *orgRoot) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	return readdir(ctx, r.entries)
}

func (r *orgRoot) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	for _, a := range r.accounts {
		if a.ID == name {
			n := &accountNode{rootNode: rootNode{m: a.m}, a: a}
			n.attr(&out.Attr)
			return child(ctx, &r.Inode, name, n, fs.StableAttr{Mode: dirMode, Ino: ino(levelAccount, a.ID)}), 0
		}
	}
	return nil, syscall.ENOENT
}

func (r *orgRoot) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.base.dirAttr(&out.Attr, rootIno, r.base.started)
	return 0
}

func (r *orgRoot) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, noXattrs)
}

func (r *orgRoot) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, noXattrs)
}

// accountNode is an account's directory: its buckets, as rootNode lists
// them from the account's mount, once the account is reached.
type accountNode struct {
	rootNode
	a *accountState
}

var (
	_ fs.NodeOpendirer   = (*accountNode)(nil)
	_ fs.NodeReaddirer   = (*accountNode)(nil)
	_ fs.NodeLookuper    = (*accountNode)(nil)
	_ fs.NodeGetattrer   = (*accountNode)(nil)
	_ fs.NodeGetxattrer  = (*accountNode)(nil)
	_ fs.NodeListxattrer = (*accountNode)(nil)
)

// reach asks the account's Reach unless it answered already: once it
// succeeds it is not asked again; a failure is EACCES for a.retry, and
// logged the first time only. Reach runs on the mount's context with its
// deadline, never holding the lock.
func (a *accountState) reach() syscall.Errno {
	a.mu.Lock()
	done, recent := a.reached || a.Reach == nil, a.err != nil && time.Since(a.failedAt) < a.retry
	a.mu.Unlock()
	switch {
	case done:
		return 0
	case recent:
		return syscall.EACCES
	}
	ctx, cancel := context.WithTimeout(a.m.ctx, a.m.timeout)
	defer cancel()
	err := a.Reach(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		a.reached, a.err = true, nil
		return 0
	}
	a.err, a.failedAt = err, time.Now()
	if !a.logged {
		a.logged = true
		a.m.log.Error("account cannot be reached: its directory fails with EACCES", "account", a.ID, "err", err)
	}
	return syscall.EACCES
}

func (n *accountNode) entries(ctx context.Context) ([]fuse.DirEntry, syscall.Errno) {
	if errno := n.a.reach(); errno != 0 {
		return nil, errno
	}
	return n.rootNode.entries(ctx)
}

func (n *accountNode) Opendir(ctx context.Context) syscall.Errno { return opendir(ctx, n.entries) }

func (n *accountNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	return readdir(ctx, n.entries)
}

func (n *accountNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if errno := n.a.reach(); errno != 0 {
		return nil, errno
	}
	return n.rootNode.Lookup(ctx, name, out)
}

func (n *accountNode) attr(out *fuse.Attr) {
	n.m.dirAttr(out, ino(levelAccount, n.a.ID), n.m.started)
}

func (n *accountNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.attr(&out.Attr)
	return 0
}

func (n *accountNode) xattrs() (xattrs, syscall.Errno) {
	var xs xattrs
	xs.add(xattrAccountID, n.a.ID)
	xs.add(xattrAccountName, n.a.Name)
	return xs, 0
}

func (n *accountNode) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return getxattr(attr, dest, n.xattrs)
}

func (n *accountNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return listxattr(dest, n.xattrs)
}
