package fsnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/uploadfs/uploadfs/listing"
)

// TestToErrno holds the one mapping from remote errors to errno: each kind
// of listing error, as the lister returns it (an *listing.Error) and
// wrapped again, the caller's context, and errors of no known kind.
func TestToErrno(t *testing.T) {
	listed := func(kind, cause error) error {
		return &listing.Error{Op: "ListParts", Bucket: "b", Key: "k", UploadID: "u", Kind: kind, Err: cause}
	}
	cause := errors.New("api error")
	for _, tc := range []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"nil", nil, 0},
		{"not found", listed(listing.ErrNotFound, cause), syscall.ENOENT},
		{"access denied", listed(listing.ErrAccessDenied, cause), syscall.EACCES},
		{"invalid parameter", listed(listing.ErrInvalid, cause), syscall.EINVAL},
		{"unavailable", listed(listing.ErrUnavailable, cause), syscall.EIO},
		{"bad response", listed(listing.ErrBadResponse, cause), syscall.EIO},
		{"wrong region", listed(listing.ErrWrongRegion, cause), syscall.EIO},
		{"a bare kind", listing.ErrNotFound, syscall.ENOENT},
		{"wrapped not found", fmt.Errorf("level: %w", listed(listing.ErrNotFound, cause)), syscall.ENOENT},
		{"wrapped access denied", fmt.Errorf("a: %w", fmt.Errorf("b: %w", listed(listing.ErrAccessDenied, nil))), syscall.EACCES},
		{"joined", errors.Join(io.EOF, listed(listing.ErrInvalid, cause)), syscall.EINVAL},
		{"cancelled", context.Canceled, syscall.EINTR},
		{"cancelled under a listing error", listed(listing.ErrUnavailable, fmt.Errorf("send: %w", context.Canceled)), syscall.EINTR},
		{"deadline", context.DeadlineExceeded, syscall.EIO},
		{"deadline under a listing error", listed(listing.ErrUnavailable, context.DeadlineExceeded), syscall.EIO},
		{"unknown", errors.New("something else"), syscall.EIO},
		{"unknown, wrapped", fmt.Errorf("x: %w", io.ErrUnexpectedEOF), syscall.EIO},
	} {
		if got := toErrno(tc.err); got != tc.want {
			t.Errorf("%s: toErrno(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
