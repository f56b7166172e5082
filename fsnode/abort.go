package fsnode

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/listing"
)

// Aborting: with Options.AllowAbort, `rmdir` of an upload directory aborts
// that upload. It is the only change uploadfs ever makes, so it is guarded:
//
//   - off unless the mount opted in (the kernel then refuses rmdir with
//     EROFS, as every other change);
//   - an upload initiated less than AbortMinAge ago is someone's work in
//     progress: EBUSY, and the log says why; so is one whose start is
//     unknown;
//   - one abort of an upload at a time: a second rmdir waits for the first,
//     then finds it gone (ENOENT);
//   - after AbortMultipartUpload, the upload is listed until S3 says it is
//     gone, aborting again while parts were still arriving (as the S3
//     documentation asks), all within the mount's timeout: the same code
//     as `uploadfs abort` (act.AbortAndVerify);
//   - every abort is logged at info level with what it ended.
//
// rmdir of a key or prefix directory stays EROFS, as do writes, unlinks
// and renames (readonly.go).

// Aborter aborts one upload; both listers do.
type Aborter = act.Aborter

// aborts serialises the aborts of each upload.
type aborts struct {
	mu    sync.Mutex
	locks map[uploadKey]*sync.Mutex
}

func (a *aborts) lock(k uploadKey) func() {
	a.mu.Lock()
	if a.locks == nil {
		a.locks = map[uploadKey]*sync.Mutex{}
	}
	l := a.locks[k]
	if l == nil {
		l = &sync.Mutex{}
		a.locks[k] = l
	}
	a.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// abort ends upload u of bucket (a vault) for an rmdir; level is the level
// prefix whose listing holds it ("" for a vault).
func (m *mount) abort(bucket, level string, u listing.Upload, node *uploadNode) syscall.Errno {
	log := m.log.With("bucket", bucket, "key", u.Key, "upload-id", u.ID)
	if !m.allowAbort {
		return syscall.EROFS
	}
	k := uploadKey{bucket, u.Key, u.ID}
	defer m.aborts.lock(k)()

	initiated := node.mtime()
	switch {
	case initiated.IsZero():
		log.Warn("abort refused: the server gave no time the upload began")
		return syscall.EBUSY
	case time.Since(initiated) < m.abortMinAge:
		log.Warn("abort refused: the upload is younger than --abort-min-age, someone may still be uploading",
			"initiated", rfc3339(initiated), "min-age", m.abortMinAge)
		return syscall.EBUSY
	}
	// An abort is not undone by the caller's Ctrl-C: it runs on the
	// mount's context to its end, bounded by the mount's timeout.
	ctx, cancel := context.WithTimeout(m.ctx, m.timeout)
	defer cancel()
	before, err := m.partLister.FirstPartsPage(ctx, bucket, u.Key, u.ID)
	if err != nil {
		m.forgetUpload(bucket, level, k)
		return toErrno(m.logged(err))
	}
	parts, bytes := m.countParts(before, k)
	gone, err := act.AbortAndVerify(ctx, m.aborter, m.partLister, bucket, u.Key, u.ID)
	m.forgetUpload(bucket, level, k)
	if err != nil && !errors.Is(err, listing.ErrNotFound) {
		log.Error("abort failed", "err", err)
		return toErrno(err)
	}
	log.Info("aborted upload", "initiated", rfc3339(initiated), "parts", parts, "bytes", bytes, "verified-gone", gone)
	return 0
}

// countParts returns the parts and bytes of an upload about to be aborted:
// from its complete listing if in hand, else from its first page.
func (m *mount) countParts(first *listing.PartsPage, k uploadKey) (int, int64) {
	if ps, ok := m.parts.Get(k); ok {
		return len(ps.Parts), ps.TotalBytes
	}
	var n int64
	for _, p := range first.Parts {
		n += p.Size
	}
	return len(first.Parts), n
}

// forgetUpload drops every cached listing that shows the upload, so that
// the next readdir does not list it again.
func (m *mount) forgetUpload(bucket, level string, k uploadKey) {
	m.parts.Delete(k)
	m.firstPages.Delete(k)
	if m.glacier != nil {
		m.vaults.Delete(bucket)
		return
	}
	for _, prefix := range []string{level, ""} {
		m.levels.Delete(levelKey{bucket, prefix})
		m.levelFirstPages.Delete(levelKey{bucket, prefix})
	}
}

// rmdirUpload is the Rmdir of a directory whose children are upload
// directories (a key directory, a vault); other names stay EROFS.
func rmdirUpload(parent *fs.Inode, m *mount, bucket, level, name string, u *listing.Upload) syscall.Errno {
	if u == nil || !m.allowAbort {
		return syscall.EROFS
	}
	node := &uploadNode{m: m, bucket: bucket}
	node.up.Store(u)
	if old := parent.GetChild(name); old != nil {
		if n, ok := old.Operations().(*uploadNode); ok {
			node = n
		}
	}
	return m.abort(bucket, level, *u, node)
}
