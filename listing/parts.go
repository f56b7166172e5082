package listing

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MaxPartNumber is the highest part number S3 accepts.
const MaxPartNumber = 10000

// Field is one further value the server returned for a part, named by the
// suffix of its attribute: S3's checksums ("checksum.crc32", …
// "checksum.sha256", base64 as returned), Glacier's "range" and
// "sha256-tree-hash".
type Field struct {
	Name  string
	Value string
}

// Part is one uploaded part, kept small (56 bytes, nothing else in the
// usual case): uploadfs holds one per part listed, 10,000 an upload.
// Modified is LastModified in Unix nanoseconds (0 when absent); Fields is
// nil when the server listed none, the common case on S3. The ETag is read with
// the ETag method.
type Part struct {
	Number   int32
	Size     int64
	Modified int64
	md5      [16]byte // the ETag when it is a quoted MD5 in lower-case hex
	etag     *string  // any other ETag, exactly as returned
	Fields   *[]Field
}

// setETag stores the common form `"<32 hex digits>"` in 16 bytes.
func (p *Part) setETag(etag string) {
	if len(etag) == 34 && etag[0] == '"' && etag[33] == '"' && etag[1:33] == strings.ToLower(etag[1:33]) {
		if _, err := hex.Decode(p.md5[:], []byte(etag[1:33])); err == nil && p.md5 != [16]byte{} {
			return // (all zeros would read back as no ETag)
		}
		p.md5 = [16]byte{}
	}
	if etag != "" {
		p.etag = &etag
	}
}

// ETag returns the ETag exactly as the server returned it, quotes included,
// or "" if it gave none.
func (p *Part) ETag() string {
	if p.etag != nil {
		return *p.etag
	}
	if p.md5 == [16]byte{} {
		return ""
	}
	return `"` + hex.EncodeToString(p.md5[:]) + `"`
}

// addFields keeps the fields that have a value; none leaves Fields nil.
func (p *Part) addFields(fs ...Field) {
	var kept []Field
	for _, f := range fs {
		if f.Value != "" {
			kept = append(kept, f)
		}
	}
	if kept != nil {
		p.Fields = &kept
	}
}

// ModTime returns LastModified, or the zero time when the server gave none.
func (p *Part) ModTime() time.Time {
	if p.Modified == 0 {
		return time.Time{}
	}
	return time.Unix(0, p.Modified)
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
	// First is the first page the listing was built on (it shares its
	// parts): what a reader of the first page saw is the start of this
	// listing.
	First *PartsPage
}

// Find returns the part numbered n, or nil if it is not listed. The pointer
// is into the listing, which must not be changed.
func (p *Parts) Find(n int32) *Part { return find(p.Parts, n) }

// Covers reports whether the page answers for part n: n is in it, or it
// would be if it existed.
func (p *PartsPage) Covers(n int32) bool {
	return !p.Truncated || (len(p.Parts) > 0 && n <= p.Parts[len(p.Parts)-1].Number)
}

// Find returns the part numbered n, or nil if the page does not list it.
func (p *PartsPage) Find(n int32) *Part { return find(p.Parts, n) }

// find searches parts, sorted by number, for n.
func find(parts []Part, n int32) *Part {
	i, ok := slices.BinarySearchFunc(parts, n, func(p Part, n int32) int { return cmp.Compare(p.Number, n) })
	if !ok {
		return nil
	}
	return &parts[i]
}

// PartsPage is one verified ListParts answer: parts in ascending order, and
// whether the server has more after them.
type PartsPage struct {
	Info      UploadInfo
	Parts     []Part
	Truncated bool
	// Next is the server's NextPartNumberMarker when Truncated. Servers
	// disagree on its meaning (the last part of this page, or the first of
	// the next) but each pages correctly with its own.
	Next int32
	// marker is Glacier's opaque marker when Truncated, and partSize the
	// part size every page of the upload must agree on.
	marker   string
	partSize int64
}

// listing begins a complete listing with the page's parts. Appending to it
// never writes into the page, which the mount caches and shares.
func (p *PartsPage) listing() *Parts {
	return &Parts{Info: p.Info, Parts: slices.Clip(p.Parts), First: p}
}

// total sums the sizes.
func (p *Parts) total() *Parts {
	p.TotalBytes = 0
	for _, x := range p.Parts {
		p.TotalBytes += x.Size
	}
	return p
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
	p := Part{Number: n, Size: size}
	if sp.LastModified != nil {
		p.Modified = sp.LastModified.UnixNano()
	}
	p.setETag(str(sp.ETag))
	p.addFields(
		Field{"checksum.crc32", str(sp.ChecksumCRC32)},
		Field{"checksum.crc32c", str(sp.ChecksumCRC32C)},
		Field{"checksum.crc64nvme", str(sp.ChecksumCRC64NVME)},
		Field{"checksum.sha1", str(sp.ChecksumSHA1)},
		Field{"checksum.sha256", str(sp.ChecksumSHA256)},
	)
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
