package listing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Delimiter splits keys into directory levels.
const Delimiter = "/"

// Level is one directory level of a bucket: the uploads whose key is Prefix
// followed by a component without "/", and the deeper prefixes below Prefix.
type Level struct {
	Prefix string
	// Uploads sorted by key, then upload ID.
	Uploads []Upload
	// Prefixes are the common prefixes (each ends with "/"), sorted.
	Prefixes []string
}

// Level lists one level of bucket under prefix ("" for the bucket's top, else
// ending in "/") with ListMultipartUploads and Delimiter "/", following the
// server's key and upload-id markers to the end.
//
// Directory buckets list their uploads unsorted, with an opaque key marker
// and no upload-id marker: the pages are gathered whole, verified (no
// repeats, markers advance) and sorted here, as every level is.
//
// A bucket that never had an upload may answer NoSuchUpload (seen from some
// servers where S3 returns an empty list); that is an empty level. A server
// that ignores the delimiter is tolerated: deeper keys are folded into their
// common prefix here.
func (c *S3) Level(ctx context.Context, bucket, prefix string) (*Level, error) {
	const op = "ListMultipartUploads"
	lv := &Level{Prefix: prefix}
	var (
		seenUploads  = map[[2]string]bool{}
		seenPrefixes = map[string]bool{}
		seenMarkers  = map[[2]string]bool{}
		keyMarker    string
		idMarker     string
	)
	bad := func(format string, a ...any) error {
		return badResponse(op, bucket, prefix, "", fmt.Sprintf(format, a...))
	}
	for page := 0; ; page++ {
		if page >= c.maxPages() {
			return nil, bad("more than %d pages", c.maxPages())
		}
		in := &s3.ListMultipartUploadsInput{
			Bucket:              aws.String(bucket),
			Delimiter:           aws.String(Delimiter),
			EncodingType:        types.EncodingTypeUrl,
			MaxUploads:          c.pageSize(),
			RequestPayer:        c.payer(),
			ExpectedBucketOwner: c.owner(),
		}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		if page > 0 {
			in.KeyMarker = aws.String(keyMarker)
			if idMarker != "" {
				in.UploadIdMarker = aws.String(idMarker)
			}
		}
		res, err := c.api.ListMultipartUploads(ctx, in)
		if err != nil {
			if page == 0 && neverHadUploads(err) {
				return lv, nil
			}
			return nil, c.wrap(err, op, bucket, prefix, "")
		}
		encoded := res.EncodingType == types.EncodingTypeUrl
		added := 0
		addPrefix := func(p string) {
			if !seenPrefixes[p] {
				seenPrefixes[p] = true
				lv.Prefixes = append(lv.Prefixes, p)
				added++
			}
		}
		for _, u := range res.Uploads {
			key, err := decodeKey(str(u.Key), encoded)
			if err != nil {
				return nil, bad("undecodable key %q: %v", str(u.Key), err)
			}
			id := str(u.UploadId)
			if id == "" || !strings.HasPrefix(key, prefix) {
				return nil, bad("upload %q of key %q is outside prefix", id, key)
			}
			if i := strings.Index(key[len(prefix):], Delimiter); i >= 0 {
				addPrefix(key[:len(prefix)+i+1])
				continue
			}
			if seenUploads[[2]string{key, id}] {
				continue // inclusive markers repeat the marker entry
			}
			seenUploads[[2]string{key, id}] = true
			lv.Uploads = append(lv.Uploads, uploadOf(key, u))
			added++
		}
		for _, cp := range res.CommonPrefixes {
			p, err := decodeKey(str(cp.Prefix), encoded)
			if err != nil {
				return nil, bad("undecodable prefix %q: %v", str(cp.Prefix), err)
			}
			rest, ok := strings.CutPrefix(p, prefix)
			if !ok || strings.Index(rest, Delimiter) != len(rest)-len(Delimiter) {
				return nil, bad("common prefix %q is not one level below %q", p, prefix)
			}
			addPrefix(p)
		}
		if !aws.ToBool(res.IsTruncated) {
			break
		}
		// A directory bucket's key marker is an opaque token, sent back
		// as it came; elsewhere it is a key, encoded like the keys.
		nextKey := str(res.NextKeyMarker)
		if !IsDirectoryBucket(bucket) {
			if nextKey, err = decodeKey(nextKey, encoded); err != nil {
				return nil, bad("undecodable key marker %q: %v", str(res.NextKeyMarker), err)
			}
		}
		nextID := str(res.NextUploadIdMarker)
		m := [2]string{nextKey, nextID}
		switch {
		case nextKey == "" && nextID == "":
			return nil, bad("truncated page without a next marker")
		case seenMarkers[m]:
			return nil, bad("marker %q/%q repeated", nextKey, nextID)
		case added == 0:
			return nil, bad("truncated page with no new entries")
		}
		seenMarkers[m] = true
		keyMarker, idMarker = nextKey, nextID
	}
	sort.Slice(lv.Uploads, func(i, j int) bool {
		a, b := lv.Uploads[i], lv.Uploads[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.ID < b.ID
	})
	sort.Strings(lv.Prefixes)
	return lv, nil
}

func uploadOf(key string, u types.MultipartUpload) Upload {
	up := Upload{
		Key:               key,
		ID:                str(u.UploadId),
		StorageClass:      enum(u.StorageClass),
		ChecksumAlgorithm: enum(u.ChecksumAlgorithm),
		ChecksumType:      enum(u.ChecksumType),
	}
	if u.Initiated != nil {
		up.Initiated = *u.Initiated
	}
	if u.Initiator != nil {
		up.InitiatorID = str(u.Initiator.ID)
	}
	if u.Owner != nil {
		up.OwnerID = str(u.Owner.ID)
	}
	return up
}

// CheckBucket asks for at most one upload of bucket: a cheap way to learn,
// before mounting, that the bucket exists and the credentials may list it.
func (c *S3) CheckBucket(ctx context.Context, bucket string) error {
	_, err := c.api.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), MaxUploads: aws.Int32(1),
		RequestPayer: c.payer(), ExpectedBucketOwner: c.owner()})
	if neverHadUploads(err) {
		return nil
	}
	return c.wrap(err, "ListMultipartUploads", bucket, "", "")
}

// neverHadUploads recognises the NoSuchUpload some servers (gofakes3)
// answer ListMultipartUploads with for a bucket that never had an upload,
// where S3 returns an empty list.
func neverHadUploads(err error) bool {
	var apiErr interface{ ErrorCode() string }
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchUpload"
}
