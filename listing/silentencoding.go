package listing

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Keys URL-encoded without saying so. Asked for EncodingType=url, Ceph
// RGW 16 encodes the keys of ListMultipartUploads but sends no
// <EncodingType>, and its Prefix and NextKeyMarker as they are; taken as
// sent, the key "pct%41.bin" reads "pct%2541.bin" and its parts are "not
// found". A page that does not say it is encoded, and holds a key that
// reads differently decoded, is judged from the evidence, once per
// server:
//
//   - a next key marker that is no key of the page as sent, but one of
//     them decoded: the keys are encoded (RGW sends the marker raw, on
//     every page);
//   - else ListParts of that upload, asked for one part with the key as
//     sent and, if that is not found, decoded: the one found tells.
//
// Where neither tells (the upload ended meanwhile), the page is taken as
// sent and the next such page asked again.

// What silent holds: not yet learned, encodes without saying, sends raw.
const (
	silentUnknown = iota
	silentEncodes
	silentRaw
)

// learnEncoding marks res encoded (EncodingType url) when the server is
// learned to encode keys without saying so, learning it from res where
// it can.
func (l *levelListing) learnEncoding(ctx context.Context, res *s3.ListMultipartUploadsOutput) error {
	c := l.c
	if res.EncodingType == types.EncodingTypeUrl || IsDirectoryBucket(l.bucket) {
		return nil
	}
	switch c.silent.Load() {
	case silentEncodes:
		res.EncodingType = types.EncodingTypeUrl
		return nil
	case silentRaw:
		return nil
	}
	u, ok := telling(res)
	if !ok {
		return nil
	}
	raw := str(u.Key)
	encoded, known := markerTells(res, raw)
	if !known {
		var err error
		if encoded, known, err = c.partsTell(ctx, l.bucket, raw, str(u.UploadId)); err != nil || !known {
			return err
		}
	}
	if !encoded {
		c.silent.CompareAndSwap(silentUnknown, silentRaw)
		return nil
	}
	c.silent.Store(silentEncodes)
	res.EncodingType = types.EncodingTypeUrl
	l.note(devSilentEncoded, fmt.Sprintf("the server URL-encodes keys without saying so (it sent %q for the key %q): keys decoded", raw, decodeKey(raw, true)))
	return nil
}

// telling returns the first upload of res whose key reads differently
// decoded, and could be encoding.
func telling(res *s3.ListMultipartUploadsOutput) (types.MultipartUpload, bool) {
	for _, u := range res.Uploads {
		if k := str(u.Key); decodeKey(k, true) != k && plausiblyEncoded(k) {
			return u, true
		}
	}
	return types.MultipartUpload{}, false
}

// markerTells judges by res's next key marker whether raw, a key of res
// that reads differently decoded, was encoded: known only where the
// marker is no key of the page as sent but one decoded.
func markerTells(res *s3.ListMultipartUploadsOutput, raw string) (encoded, known bool) {
	next := str(res.NextKeyMarker)
	if next == "" {
		return false, false
	}
	for _, u := range res.Uploads {
		if str(u.Key) == next {
			return false, false
		}
	}
	for _, u := range res.Uploads {
		if k := str(u.Key); k != next && decodeKey(k, true) == next {
			return true, true
		}
	}
	return false, false
}

// partsTell asks for one part of upload id with the key as sent and, if
// that is not found, decoded: encoded is whether only the decoded key was
// found; known false where neither was (or the server failed to answer).
func (c *S3) partsTell(ctx context.Context, bucket, raw, id string) (encoded, known bool, err error) {
	for _, try := range []struct {
		key     string
		encoded bool
	}{{raw, false}, {decodeKey(raw, true), true}} {
		_, err := c.api.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(try.key), UploadId: aws.String(id),
			MaxParts: aws.Int32(1), RequestPayer: c.payer(), ExpectedBucketOwner: c.owner()})
		switch werr := c.wrap(err, "ListParts", bucket, try.key, id); {
		case err == nil:
			return try.encoded, true, nil
		case ctx.Err() != nil:
			return false, false, werr
		case !errors.Is(werr, ErrNotFound):
			return false, false, nil
		}
	}
	return false, false, nil
}

// encodes reports whether res's keys are to be decoded: it says so and
// the server is not known to claim it falsely.
func (c *S3) encodes(res *s3.ListMultipartUploadsOutput) bool {
	return res.EncodingType == types.EncodingTypeUrl && !c.rawKeys.Load()
}
