package act

import (
	"context"
	"errors"

	"github.com/uploadfs/uploadfs/listing"
)

// Aborter aborts one upload (*listing.S3, *listing.Glacier).
type Aborter interface {
	Abort(ctx context.Context, bucket, key, uploadID string) error
}

// FirstPager lists the first page of an upload's parts (*listing.S3,
// *listing.Glacier): how an upload is known to exist.
type FirstPager interface {
	FirstPartsPage(ctx context.Context, bucket, key, uploadID string) (*listing.PartsPage, error)
}

// Verifications bounds the abort-and-list rounds of AbortAndVerify.
const Verifications = 3

// AbortAndVerify aborts the upload, then lists it until S3 says it is
// gone, aborting again while parts remain (the S3 documentation asks for
// this: parts still arriving may outlive the first abort). gone reports
// whether S3 said so within Verifications rounds. An upload already gone
// is not an error: it is gone.
func AbortAndVerify(ctx context.Context, a Aborter, l FirstPager, bucket, key, uploadID string) (gone bool, err error) {
	for range Verifications {
		if err := a.Abort(ctx, bucket, key, uploadID); err != nil && !errors.Is(err, listing.ErrNotFound) {
			return false, err
		}
		pg, err := l.FirstPartsPage(ctx, bucket, key, uploadID)
		switch {
		case errors.Is(err, listing.ErrNotFound):
			return true, nil
		case err != nil:
			return false, err
		case len(pg.Parts) == 0 && !pg.Truncated:
			return true, nil
		}
	}
	return false, nil
}
