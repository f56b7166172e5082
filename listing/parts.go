package listing

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// Part is one uploaded part, kept small (56 bytes, nothing else in the
// usual case): uploadfs holds one per part listed, 10,000 an upload.
// Modified is LastModified in Unix nanoseconds (0 when absent); Checksums is
// nil when the server listed none, the common case. The ETag is read with
// the ETag method.
type Part struct {
	Number    int32
	Size      int64
	Modified  int64
	md5       [16]byte // the ETag when it is a quoted MD5 in lower-case hex
	etag      *string  // any other ETag, exactly as returned
	Checksums *[]Checksum
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
}

// Find returns the part numbered n, or nil if it is not listed. The pointer
// is into the listing, which must not be changed.
func (p *Parts) Find(n int32) *Part { return find(p.Parts, n) }

// Covers reports whether the page answers for part n: n is in it, or it
// would be if it existed.
func (p *Page) Covers(n int32) bool {
	return !p.Truncated || (len(p.Parts) > 0 && n <= p.Parts[len(p.Parts)-1].Number)
}

// Find returns the part numbered n, or nil if the page does not list it.
func (p *Page) Find(n int32) *Part { return find(p.Parts, n) }

// find searches parts, sorted by number, for n.
func find(parts []Part, n int32) *Part {
	i, ok := slices.BinarySearchFunc(parts, n, func(p Part, n int32) int { return cmp.Compare(p.Number, n) })
	if !ok {
		return nil
	}
	return &parts[i]
}

// Page is one verified ListParts answer: parts in ascending order, and
// whether the server has more after them.
type Page struct {
	Info      UploadInfo
	Parts     []Part
	Truncated bool
	// Next is the server's NextPartNumberMarker when Truncated. Servers
	// disagree on its meaning (the last part of this page, or the first of
	// the next) but each pages correctly with its own.
	Next int32
}

// partsPerPage is the most parts S3 returns in one ListParts page.
const partsPerPage = 1000

// page sends one ListParts with marker and max, and checks what no server
// may send: part numbers outside 1..10000, parts out of order or repeated
// within the page, a next marker that is not a part number or does not
// advance past marker.
func (c *S3) page(ctx context.Context, bucket, key, uploadID string, marker, max int32, opts ...func(*s3.Options)) (*Page, error) {
	const op = "ListParts"
	in := &s3.ListPartsInput{
		Bucket:   aws.String(bucket),
		Key:      aws.String(key),
		UploadId: aws.String(uploadID),
		MaxParts: aws.Int32(max),
	}
	if marker > 0 {
		in.PartNumberMarker = aws.String(strconv.Itoa(int(marker)))
	}
	out, err := c.api.ListParts(ctx, in, opts...)
	if err != nil {
		return nil, wrap(err, op, bucket, key, uploadID)
	}
	bad := func(format string, a ...any) error {
		return badResponse(op, bucket, key, uploadID, fmt.Sprintf(format, a...))
	}
	pg := &Page{Info: uploadInfoOf(out), Truncated: aws.ToBool(out.IsTruncated), Parts: make([]Part, 0, len(out.Parts))}
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

// FirstPage returns the first page of an upload's parts: all of them for
// most uploads, and what `ls | head` needs of a large one.
func (c *S3) FirstPage(ctx context.Context, bucket, key, uploadID string) (*Page, error) {
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

// Parts lists every part of one upload (see Rest).
func (c *S3) Parts(ctx context.Context, bucket, key, uploadID string) (*Parts, error) {
	first, err := c.FirstPage(ctx, bucket, key, uploadID)
	if err != nil {
		return nil, err
	}
	return c.Rest(ctx, bucket, key, uploadID, first)
}

// Rest completes the listing that first began. Instead of following the
// server's markers one page after another, it splits the part numbers after
// the first page into ranges of 1,000 — (L, 2000], (2000, 3000], …,
// (9000, 10000] — and lists them at once (Concurrency at a time), each from
// a marker of its own; a 10,000-part upload then takes two round trips
// instead of ten. Each range keeps only its own part numbers, so servers
// whose marker is off by one, or that ignore MaxParts, stay correct. If a
// range fails in a way a correct server would not (a bad page, a marker it
// refuses), the listing falls back to the server's own markers.
func (c *S3) Rest(ctx context.Context, bucket, key, uploadID string, first *Page) (*Parts, error) {
	res := &Parts{Info: first.Info, Parts: first.Parts}
	if !first.Truncated {
		return res.total(), nil
	}
	if len(first.Parts) == 0 {
		return c.follow(ctx, bucket, key, uploadID, res, first.Next)
	}
	lo := first.Parts[len(first.Parts)-1].Number
	var bounds []int32
	for hi := (lo/partsPerPage + 1) * partsPerPage; lo < MaxPartNumber; hi += partsPerPage {
		bounds = append(bounds, lo)
		lo = hi
	}
	ranges := make([][]Part, len(bounds))
	errs := make([]error, len(bounds))
	sem := make(chan struct{}, c.concurrency())
	var wg sync.WaitGroup
	for i, lo := range bounds {
		hi := min((lo/partsPerPage+1)*partsPerPage, MaxPartNumber)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ranges[i], errs[i] = c.partRange(ctx, bucket, key, uploadID, lo, hi)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) || ctx.Err() != nil {
			return nil, firstErr(errs)
		}
		return c.follow(ctx, bucket, key, uploadID, &Parts{Info: first.Info, Parts: first.Parts}, first.Next)
	}
	for _, r := range ranges {
		res.Parts = append(res.Parts, r...)
	}
	return res.total(), nil
}

// partRange lists the parts numbered in (lo, hi]: from marker lo, then, if
// the server stops short of hi, from its own next markers. Its requests are
// not retried: a failing range falls back to the sequential listing, which
// is (some servers fail for a marker past their last part).
func (c *S3) partRange(ctx context.Context, bucket, key, uploadID string, lo, hi int32) ([]Part, error) {
	var out []Part
	last, marker := lo, lo
	for {
		pg, err := c.page(ctx, bucket, key, uploadID, marker, partsPerPage, noRetry)
		if err != nil {
			return nil, err
		}
		for _, p := range pg.Parts {
			switch {
			case p.Number == lo && marker == lo:
				continue // the marker part itself, from an off-by-one server
			case p.Number <= last:
				return nil, badResponse("ListParts", bucket, key, uploadID, fmt.Sprintf("part %d repeated after part %d", p.Number, last))
			case p.Number > hi:
				return out, nil
			}
			out = append(out, p)
			last = p.Number
		}
		if !pg.Truncated || last >= hi {
			return out, nil
		}
		marker = pg.Next
	}
}

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

// total sums the sizes.
func (p *Parts) total() *Parts {
	p.TotalBytes = 0
	for _, x := range p.Parts {
		p.TotalBytes += x.Size
	}
	return p
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
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
	p := Part{Number: n, Size: size}
	if sp.LastModified != nil {
		p.Modified = sp.LastModified.UnixNano()
	}
	p.setETag(str(sp.ETag))
	var sums []Checksum
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
			sums = append(sums, Checksum{Algorithm: c.alg, Value: v})
		}
	}
	if sums != nil {
		p.Checksums = &sums
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
