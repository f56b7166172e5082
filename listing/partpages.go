package listing

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/listing/internal/sdkdecode"
)

// partsPerPage is the most parts S3 returns in one ListParts page.
const partsPerPage = 1000

// page sends one ListParts with marker and max, and checks what no server
// may send: part numbers outside 1..10000, parts out of order or repeated
// within the page, a next marker that is not a part number or does not
// advance past marker.
func (c *S3) page(ctx context.Context, bucket, key, uploadID string, marker, max int32, opts ...func(*s3.Options)) (*PartsPage, error) {
	const op = "ListParts"
	in := &s3.ListPartsInput{
		Bucket:              aws.String(bucket),
		Key:                 aws.String(key),
		UploadId:            aws.String(uploadID),
		MaxParts:            aws.Int32(max),
		RequestPayer:        c.payer(),
		ExpectedBucketOwner: c.owner(),
	}
	if marker > 0 {
		in.PartNumberMarker = aws.String(strconv.Itoa(int(marker)))
	}
	out, err := c.api.ListParts(ctx, in, append([]func(*s3.Options){sdkdecode.ListParts}, opts...)...)
	if err != nil {
		return nil, c.wrap(err, op, bucket, key, uploadID)
	}
	bad := func(format string, a ...any) error {
		return badResponse(op, bucket, key, uploadID, fmt.Sprintf(format, a...))
	}
	pg := &PartsPage{Info: uploadInfoOf(out), Truncated: aws.ToBool(out.IsTruncated), Parts: make([]Part, 0, len(out.Parts))}
	var last int32
	for _, sp := range out.Parts {
		p, err := partOf(sp)
		if err != nil {
			return nil, bad("%v", err)
		}
		if p.Number <= last {
			return nil, bad("part %d listed after part %d", p.Number, last)
		}
		last = p.Number
		pg.Parts = append(pg.Parts, p)
	}
	if pg.Truncated {
		if pg.Next, err = parsePartNumberMarker(str(out.NextPartNumberMarker)); err != nil {
			return nil, bad("%v", err)
		}
		if pg.Next <= marker {
			return nil, bad("next part-number marker %d does not advance past %d", pg.Next, marker)
		}
	}
	return pg, nil
}

// FirstPartsPage returns the first page of an upload's parts: all of them for
// most uploads, and what `ls | head` needs of a large one.
func (c *S3) FirstPartsPage(ctx context.Context, bucket, key, uploadID string) (*PartsPage, error) {
	return c.page(ctx, bucket, key, uploadID, 0, c.partsPageSize())
}

func (c *S3) partsPageSize() int32 {
	if c.PageSize > 0 {
		return c.PageSize
	}
	return partsPerPage
}

// Part finds part n with one request: a window of two parts after marker
// n-1. Servers whose marker is off by one (they return the marker part
// itself) still answer with part n inside the window. ok is false when the
// upload has no part n.
func (c *S3) Part(ctx context.Context, bucket, key, uploadID string, n int32) (Part, bool, error) {
	if n < 1 || n > MaxPartNumber {
		return Part{}, false, nil
	}
	pg, err := c.page(ctx, bucket, key, uploadID, n-1, 2)
	if err != nil {
		return Part{}, false, err
	}
	for _, p := range pg.Parts {
		if p.Number == n {
			return p, true, nil
		}
		if p.Number > n {
			return Part{}, false, nil
		}
	}
	if !pg.Truncated {
		return Part{}, false, nil
	}
	// Only parts before n, and more to come: a window this server does not
	// honour. Ask for the whole listing instead of guessing.
	all, err := c.Parts(ctx, bucket, key, uploadID)
	if err != nil {
		return Part{}, false, err
	}
	if p := all.Find(n); p != nil {
		return *p, true, nil
	}
	return Part{}, false, nil
}

// Parts lists every part of one upload (see RestOfParts).
func (c *S3) Parts(ctx context.Context, bucket, key, uploadID string) (*Parts, error) {
	first, err := c.FirstPartsPage(ctx, bucket, key, uploadID)
	if err != nil {
		return nil, err
	}
	return c.RestOfParts(ctx, bucket, key, uploadID, first)
}

// parsePartNumberMarker parses a NextPartNumberMarker: a decimal in
// 1..10000.
func parsePartNumberMarker(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 || n > MaxPartNumber {
		return 0, fmt.Errorf("part-number marker %q is not a number in 1..%d", s, MaxPartNumber)
	}
	return int32(n), nil
}
