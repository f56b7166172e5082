package fsnode

import (
	"context"
	"errors"
	"syscall"

	"github.com/uploadfs/uploadfs/listing"
)

// toErrno is the one place where remote errors become errno values. The
// error itself was logged once where the fetch failed (mount.logged).
//
//	not found (NoSuchBucket, NoSuchUpload, 404)  ENOENT
//	access denied (AccessDenied, 403, bad keys)  EACCES
//	a parameter refused (Glacier)                EINVAL
//	interrupted by the caller                    EINTR
//	anything else, after the SDK's retries       EIO
func toErrno(err error) syscall.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, listing.ErrNotFound):
		return syscall.ENOENT
	case errors.Is(err, listing.ErrAccessDenied):
		return syscall.EACCES
	case errors.Is(err, listing.ErrInvalid):
		return syscall.EINVAL
	default:
		return syscall.EIO
	}
}
