package listing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// RestOfParts completes the listing that first began. Instead of following the
// server's markers one page after another, it splits the part numbers after
// the first page into ranges of 1,000 — (L, 2000], (2000, 3000], …,
// (9000, 10000] — and lists them at once (Concurrency at a time), each from
// a marker of its own; a 10,000-part upload then takes two round trips
// instead of ten. Each range keeps only its own part numbers, and every
// page (in a range and in the fallback) drops the marker part that an
// inclusive server repeats, so servers whose marker is off by one, or that
// ignore MaxParts, stay correct. A range not yet sent when another has
// reached the end of the upload is not sent. If a range fails in a way a
// correct server would not (a bad page, a marker it refuses), the listing
// falls back to the server's own markers.
func (c *S3) RestOfParts(ctx context.Context, bucket, key, uploadID string, first *PartsPage) (*Parts, error) {
	return c.RestOfPartsAgain(ctx, bucket, key, uploadID, first, nil)
}

// RestOfPartsAgain is RestOfParts for an upload listed before (last): it cuts the ranges
// where last's parts fill a page, the last range open (it follows the
// server's markers, for an upload that has grown), so that a listing
// refreshed costs its pages, sparse or not, and no request past its end.
// A nil last is RestOfParts.
func (c *S3) RestOfPartsAgain(ctx context.Context, bucket, key, uploadID string, first *PartsPage, last *Parts) (*Parts, error) {
	res := first.listing()
	if !first.Truncated {
		return res.total(), nil
	}
	if len(first.Parts) == 0 {
		return c.follow(ctx, bucket, key, uploadID, res, first.Next)
	}
	bounds := partBounds(first.Parts[len(first.Parts)-1].Number, last)
	ranges := make([][]Part, len(bounds))
	errs := make([]error, len(bounds))
	sem := make(chan struct{}, c.concurrency())
	var end atomic.Int32 // the upload's last part, once a range has seen it
	end.Store(MaxPartNumber)
	var wg sync.WaitGroup
	for i, r := range bounds {
		sem <- struct{}{}
		if r[0] >= end.Load() {
			<-sem
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			var last int32
			ranges[i], last, errs[i] = c.partRange(ctx, bucket, key, uploadID, r[0], r[1])
			if errs[i] == nil && last > 0 {
				storeMin(&end, last) // (0: the range did not reach the end)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) || ctx.Err() != nil {
			return nil, firstErr(errs)
		}
		return c.follow(ctx, bucket, key, uploadID, first.listing(), first.Next)
	}
	for _, r := range ranges {
		res.Parts = append(res.Parts, r...)
	}
	return res.total(), nil
}

// partBounds cuts the part numbers after lo into the ranges (lo, hi] that
// RestOfParts lists: at each multiple of 1,000 up to 10,000, or, after a listing
// last, after each 1,000th of its parts past lo but its last part, the
// last range then open to 10,000 (it holds last's final page, and whatever
// came since).
func partBounds(lo int32, last *Parts) [][2]int32 {
	var out [][2]int32
	if lo >= MaxPartNumber {
		return nil
	}
	if last != nil {
		i, _ := slices.BinarySearchFunc(last.Parts, lo+1, func(p Part, n int32) int { return cmp.Compare(p.Number, n) })
		for i += partsPerPage - 1; i < len(last.Parts)-1; i += partsPerPage {
			out = append(out, [2]int32{lo, last.Parts[i].Number})
			lo = last.Parts[i].Number
		}
		return append(out, [2]int32{lo, MaxPartNumber})
	}
	for lo < MaxPartNumber {
		hi := min((lo/partsPerPage+1)*partsPerPage, MaxPartNumber)
		out = append(out, [2]int32{lo, hi})
		lo = hi
	}
	return out
}

// storeMin lowers v to n if n is smaller.
func storeMin(v *atomic.Int32, n int32) {
	for {
		old := v.Load()
		if n >= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// partRange lists the parts numbered in (lo, hi]: from marker lo, then, if
// the server stops short of hi, from its own next markers. end is the
// upload's last part number if the server said no part follows the range
// (lo if the range is empty), else 0. Its requests are not retried: a
// failing range falls back to the sequential listing, which is (some
// servers fail for a marker past their last part).
func (c *S3) partRange(ctx context.Context, bucket, key, uploadID string, lo, hi int32) (_ []Part, end int32, _ error) {
	var out []Part
	last, marker := lo, lo
	for {
		pg, err := c.page(ctx, bucket, key, uploadID, marker, partsPerPage, noRetry)
		if err != nil {
			return nil, 0, err
		}
		for _, p := range pg.Parts {
			switch {
			case inclusive(p.Number, marker, last):
				continue
			case p.Number <= last:
				return nil, 0, badResponse("ListParts", bucket, key, uploadID, fmt.Sprintf("part %d repeated after part %d", p.Number, last))
			case p.Number > hi:
				return out, 0, nil
			}
			out = append(out, p)
			last = p.Number
		}
		if !pg.Truncated {
			return out, last, nil
		}
		if last >= hi {
			return out, 0, nil
		}
		marker = pg.Next
	}
}

// inclusive reports whether part n, listed from marker after parts up to
// last, is the marker part itself again: servers whose marker is
// inclusive (gofakes3, SeaweedFS) return it first on every page, and it was
// already listed. Any other repeat is an error.
func inclusive(n, marker, last int32) bool { return n == marker && n <= last }

func noRetry(o *s3.Options) { o.RetryMaxAttempts = 1 }

// follow lists the rest of an upload from the server's own marker, one
// page after another: every next marker must rise, so it ends within
// 10,000 pages whatever the server says.
func (c *S3) follow(ctx context.Context, bucket, key, uploadID string, res *Parts, marker int32) (*Parts, error) {
	last := int32(0)
	if n := len(res.Parts); n > 0 {
		last = res.Parts[n-1].Number
	}
	for {
		pg, err := c.page(ctx, bucket, key, uploadID, marker, c.partsPageSize())
		if err != nil {
			return nil, err
		}
		for _, p := range pg.Parts {
			if inclusive(p.Number, marker, last) {
				continue
			}
			if p.Number <= last {
				return nil, badResponse("ListParts", bucket, key, uploadID, fmt.Sprintf("part %d listed after part %d", p.Number, last))
			}
			last = p.Number
			res.Parts = append(res.Parts, p)
		}
		if !pg.Truncated {
			return res.total(), nil
		}
		marker = pg.Next
	}
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
