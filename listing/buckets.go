package listing

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// maxBuckets is sent as MaxBuckets: AWS then pages ListBuckets and names
// each bucket's region (BucketRegion), which the client's router uses
// instead of a request per bucket. 10,000 is the most AWS accepts.
const maxBuckets = 10_000

// Buckets lists every bucket the credentials can see, sorted by name: those
// of ListBuckets, and the directory buckets of each of DirectoryRegions.
func (c *S3) Buckets(ctx context.Context) ([]Bucket, error) {
	const op = "ListBuckets"
	var out collector[Bucket]
	err := paginate(c.maxPages(), "", func(token string) (string, error) {
		in := &s3.ListBucketsInput{MaxBuckets: aws.Int32(maxBuckets)}
		if token != "" {
			in.ContinuationToken = &token
		}
		res, err := c.api.ListBuckets(ctx, in)
		if err != nil {
			return "", err
		}
		for _, b := range res.Buckets {
			out.add(str(b.Name), Bucket{Name: str(b.Name), Created: aws.ToTime(b.CreationDate)})
		}
		return nextBucketsToken(res, token) // (r2.go: R2 sends it elsewhere)
	})
	if err != nil {
		return nil, wrap(err, op, "", "", "")
	}
	for _, region := range c.DirectoryRegions {
		if err := c.directoryBuckets(ctx, region, &out); err != nil {
			return nil, err
		}
	}
	sortBuckets(out.items)
	return out.items, nil
}

// directoryBuckets adds the directory buckets of region ("" the client's)
// to out. Credentials without S3 Express permissions are common and see
// none: that is no directory buckets, not a failed root.
func (c *S3) directoryBuckets(ctx context.Context, region string, out *collector[Bucket]) error {
	const op = "ListDirectoryBuckets"
	// ListDirectoryBuckets is a control-plane call signed with the
	// credentials themselves. With a custom endpoint the SDK would pick
	// the session scheme of a bucket's requests for it and fail before
	// sending ("get identity: bucket name is missing"); against AWS this
	// changes nothing.
	opts := []func(*s3.Options){func(o *s3.Options) { o.DisableS3ExpressSessionAuth = aws.Bool(true) }}
	if region != "" {
		opts = append(opts, func(o *s3.Options) { o.Region = region })
	}
	err := paginate(c.maxPages(), "", func(token string) (string, error) {
		in := &s3.ListDirectoryBucketsInput{}
		if token != "" {
			in.ContinuationToken = &token
		}
		res, err := c.api.ListDirectoryBuckets(ctx, in, opts...)
		if err != nil {
			return "", err
		}
		for _, b := range res.Buckets {
			if IsDirectoryBucket(str(b.Name)) {
				out.add(str(b.Name), Bucket{Name: str(b.Name), Created: aws.ToTime(b.CreationDate)})
			}
		}
		return str(res.ContinuationToken), nil
	})
	err = wrap(err, op, "", "", "")
	if errors.Is(err, ErrAccessDenied) {
		return nil
	}
	return err
}

// IsDirectoryBucket reports whether name is a directory bucket's
// (base--zone-id--x-s3): its uploads are listed unsorted, with opaque key
// markers and no upload-id marker.
func IsDirectoryBucket(name string) bool {
	return strings.HasSuffix(name, "--x-s3")
}

// sortBuckets sorts buckets (or vaults) by name.
func sortBuckets(bs []Bucket) { sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name }) }
