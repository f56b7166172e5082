package listing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MaxPartNumber is the highest part number S3 accepts.
const MaxPartNumber = 10000

// Checksum is one x-amz-checksum value of a part: Algorithm is the lower-case
// attribute suffix ("crc32", "crc32c", "crc64nvme", "sha1", "sha256"), Value
// the base64 text the server returned.
type Checksum struct {
	Algorithm string
	Value     string
}

// Part is one uploaded part. Checksums is nil when the server listed none,
// which keeps the common case small.
type Part struct {
	Number    int32
	Size      int64
	Modified  time.Time
	ETag      string
	Checksums []Checksum
}

// UploadInfo is what ListParts says about the upload itself, beyond what
// ListMultipartUploads said. Empty strings and zero times are absent fields.
type UploadInfo struct {
	StorageClass      string
	InitiatorID       string
	OwnerID           string
	ChecksumAlgorithm string
	ChecksumType      string
	AbortDate         time.Time
	AbortRuleID       string
}

// Parts is the complete part listing of one upload.
type Parts struct {
	Info UploadInfo
	// Parts in ascending part-number order, without duplicates.
	Parts      []Part
	TotalBytes int64
}

// Find returns the part numbered n, if listed.
func (p *Parts) Find(n int32) (Part, bool) {
	lo, hi := 0, len(p.Parts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if p.Parts[m].Number < n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(p.Parts) && p.Parts[lo].Number == n {
		return p.Parts[lo], true
	}
	return Part{}, false
}

// Parts lists every part of one upload, following the server's part-number
// markers. Each page's parts must rise strictly above everything before them
// and lie in 1..10000, and each next marker must rise too, so the loop ends
// after at most 10,000 pages whatever the server says.
func (c *S3) Parts(ctx context.Context, bucket, key, uploadID string) (*Parts, error) {
	const op = "ListParts"
	bad := func(format string, a ...any) error {
		return badResponse(op, bucket, key, uploadID, fmt.Sprintf(format, a...))
	}
	res := &Parts{}
	var marker, last int32
	for page := 0; ; page++ {
		in := &s3.ListPartsInput{
			Bucket:   aws.String(bucket),
			Key:      aws.String(key),
			UploadId: aws.String(uploadID),
			MaxParts: c.pageSize(),
		}
		if marker > 0 {
			in.PartNumberMarker = aws.String(strconv.Itoa(int(marker)))
		}
		out, err := c.api.ListParts(ctx, in)
		if err != nil {
			return nil, wrap(err, op, bucket, key, uploadID)
		}
		if page == 0 {
			res.Info = uploadInfoOf(out)
		}
		for _, sp := range out.Parts {
			p, err := partOf(sp)
			if err != nil {
				return nil, bad("%v", err)
			}
			if p.Number <= last {
				return nil, bad("part %d listed after part %d", p.Number, last)
			}
			last = p.Number
			res.Parts = append(res.Parts, p)
			res.TotalBytes += p.Size
		}
		if !aws.ToBool(out.IsTruncated) {
			return res, nil
		}
		next, err := parsePartNumberMarker(str(out.NextPartNumberMarker))
		if err != nil {
			return nil, bad("%v", err)
		}
		if next <= marker {
			return nil, bad("next part-number marker %d does not advance past %d", next, marker)
		}
		marker = next
	}
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

func partOf(sp types.Part) (Part, error) {
	n := aws.ToInt32(sp.PartNumber)
	if n < 1 || n > MaxPartNumber {
		return Part{}, fmt.Errorf("part number %d outside 1..%d", n, MaxPartNumber)
	}
	size := aws.ToInt64(sp.Size)
	if size < 0 {
		return Part{}, fmt.Errorf("part %d has negative size %d", n, size)
	}
	p := Part{Number: n, Size: size, ETag: str(sp.ETag)}
	if sp.LastModified != nil {
		p.Modified = *sp.LastModified
	}
	for _, c := range [...]struct {
		alg string
		v   *string
	}{
		{"crc32", sp.ChecksumCRC32},
		{"crc32c", sp.ChecksumCRC32C},
		{"crc64nvme", sp.ChecksumCRC64NVME},
		{"sha1", sp.ChecksumSHA1},
		{"sha256", sp.ChecksumSHA256},
	} {
		if v := str(c.v); v != "" {
			p.Checksums = append(p.Checksums, Checksum{Algorithm: c.alg, Value: v})
		}
	}
	return p, nil
}

func uploadInfoOf(out *s3.ListPartsOutput) UploadInfo {
	info := UploadInfo{
		StorageClass:      enum(out.StorageClass),
		ChecksumAlgorithm: enum(out.ChecksumAlgorithm),
		ChecksumType:      enum(out.ChecksumType),
		AbortRuleID:       str(out.AbortRuleId),
	}
	if out.AbortDate != nil {
		info.AbortDate = *out.AbortDate
	}
	if out.Initiator != nil {
		info.InitiatorID = str(out.Initiator.ID)
	}
	if out.Owner != nil {
		info.OwnerID = str(out.Owner.ID)
	}
	return info
}
