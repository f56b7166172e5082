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
	"github.com/aws/smithy-go"
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
	// Deep holds the uploads below Prefixes when the server ignored the
	// delimiter and sent every key (MinIO, SeaweedFS): the listing of each
	// deeper level is then already in hand (Sub), and a server that takes a
	// prefix for an exact key (MinIO) is never asked for one. Sorted as
	// Uploads. Nil when the server honoured the delimiter.
	Deep []Upload
	// Notes says what the listing had to work around (a server's claim
	// that did not hold), for the log.
	Notes []string
}

// Flat reports whether the server ignored the delimiter.
func (lv *Level) Flat() bool { return lv.Deep != nil }

// Sub returns the level at prefix (below lv.Prefix, ending in "/") out of a
// flat listing. Only for a Flat level.
func (lv *Level) Sub(prefix string) *Level {
	sub := &Level{Prefix: prefix, Deep: []Upload{}}
	seen := map[string]bool{}
	for _, u := range lv.Deep {
		rest, ok := strings.CutPrefix(u.Key, prefix)
		if !ok {
			continue
		}
		if i := strings.Index(rest, Delimiter); i >= 0 {
			if p := prefix + rest[:i+1]; !seen[p] {
				seen[p] = true
				sub.Prefixes = append(sub.Prefixes, p)
			}
			sub.Deep = append(sub.Deep, u)
			continue
		}
		sub.Uploads = append(sub.Uploads, u)
	}
	sort.Strings(sub.Prefixes)
	return sub
}

// Level lists one level of bucket under prefix ("" for the bucket's top, else
// ending in "/") with ListMultipartUploads and Delimiter "/", following the
// server's key and upload-id markers to the end.
//
// Directory buckets list their uploads unsorted, with an opaque key marker
// and no upload-id marker: the pages are gathered whole, verified (no
// repeats, markers advance) and sorted here, as every level is.
//
// What servers get wrong is absorbed, never passed on as a partial level:
//   - a bucket that never had an upload may answer NoSuchUpload (where S3
//     returns an empty list): an empty level;
//   - a server that ignores the delimiter sends every key: deeper keys are
//     kept in Deep (see Level.Deep);
//   - a server that claims EncodingType=url for keys it did not encode
//     (SeaweedFS): a page with a key that cannot be URL-encoding (a space, a
//     '%' without two hex digits) is taken as sent, with a Note;
//   - a server that refuses its own upload-id marker (versitygw v1.8.0):
//     the boundary key's remaining uploads are listed with that key as the
//     prefix, and paging goes on with the key marker alone.
func (c *S3) Level(ctx context.Context, bucket, prefix string) (*Level, error) {
	l := &levelListing{c: c, bucket: bucket, lv: &Level{Prefix: prefix},
		seenUploads: map[[2]string]bool{}, seenPrefixes: map[string]bool{}, seenMarkers: map[[2]string]bool{}}
	if err := l.run(ctx); err != nil {
		return nil, err
	}
	lv := l.lv
	sortUploads(lv.Uploads)
	sort.Strings(lv.Prefixes)
	if l.flat {
		lv.Deep = append([]Upload{}, l.deep...)
		sortUploads(lv.Deep)
	}
	return lv, nil
}

// levelListing is the state of one Level call.
type levelListing struct {
	c            *S3
	bucket       string
	lv           *Level
	seenUploads  map[[2]string]bool
	seenPrefixes map[string]bool
	seenMarkers  map[[2]string]bool
	deep         []Upload
	flat         bool
	rawPages     bool // a page claimed an encoding it did not use
	refusedID    bool // the server refuses upload-id markers
}

const opUploads = "ListMultipartUploads"

func (l *levelListing) bad(format string, a ...any) error {
	return badResponse(opUploads, l.bucket, l.lv.Prefix, "", fmt.Sprintf(format, a...))
}

func (l *levelListing) run(ctx context.Context) error {
	var keyMarker, idMarker string
	for page := 0; ; page++ {
		if page >= l.c.maxPages() {
			return l.bad("more than %d pages", l.c.maxPages())
		}
		if l.refusedID && idMarker != "" {
			if err := l.boundary(ctx, keyMarker); err != nil {
				return err
			}
			idMarker = ""
		}
		res, err := l.c.uploadsPage(ctx, l.bucket, l.lv.Prefix, Delimiter, keyMarker, idMarker, page > 0)
		switch {
		case err != nil && page == 0 && neverHadUploads(err):
			return nil
		case err != nil && idMarker != "" && !l.refusedID && refusesMarker(err):
			l.refusedID = true
			l.note("the server refused its own upload-id marker; listing the boundary key by prefix instead")
			page--
			continue
		case err != nil:
			return l.c.wrap(err, opUploads, l.bucket, l.lv.Prefix, "")
		}
		added, err := l.add(res)
		if err != nil {
			return err
		}
		if !aws.ToBool(res.IsTruncated) {
			return nil
		}
		nextKey, nextID := l.nextMarkers(res)
		m := [2]string{nextKey, nextID}
		switch {
		case nextKey == "" && nextID == "":
			return l.bad("truncated page without a next marker")
		case l.seenMarkers[m]:
			return l.bad("marker %q/%q repeated", nextKey, nextID)
		case added == 0:
			return l.bad("truncated page with no new entries")
		}
		l.seenMarkers[m] = true
		keyMarker, idMarker = nextKey, nextID
	}
}

// add takes one page's uploads and prefixes, and returns how many were new.
func (l *levelListing) add(res *s3.ListMultipartUploadsOutput) (int, error) {
	prefix := l.lv.Prefix
	encoded := l.encoded(res)
	added := 0
	addPrefix := func(p string) {
		if !l.seenPrefixes[p] {
			l.seenPrefixes[p] = true
			l.lv.Prefixes = append(l.lv.Prefixes, p)
			added++
		}
	}
	for _, u := range res.Uploads {
		key := decodeKey(str(u.Key), encoded)
		id := str(u.UploadId)
		if id == "" || !strings.HasPrefix(key, prefix) {
			return 0, l.bad("upload %q of key %q is outside prefix", id, key)
		}
		if l.seenUploads[[2]string{key, id}] {
			continue // inclusive markers repeat the marker entry
		}
		l.seenUploads[[2]string{key, id}] = true
		up := uploadOf(key, u)
		if i := strings.Index(key[len(prefix):], Delimiter); i >= 0 {
			l.flat = true
			l.deep = append(l.deep, up)
			addPrefix(key[:len(prefix)+i+1])
			added++
			continue
		}
		l.lv.Uploads = append(l.lv.Uploads, up)
		added++
	}
	for _, cp := range res.CommonPrefixes {
		p := decodeKey(str(cp.Prefix), encoded)
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok || strings.Index(rest, Delimiter) != len(rest)-len(Delimiter) {
			return 0, l.bad("common prefix %q is not one level below %q", p, prefix)
		}
		addPrefix(p)
	}
	return added, nil
}

// encoded decides whether a page's keys are URL-encoded: the server must
// say so, and every key, prefix and key marker must be possible as
// encoding. A server that claims it and sends a space or a stray '%' did
// not encode; the page is taken as sent, once noted.
func (l *levelListing) encoded(res *s3.ListMultipartUploadsOutput) bool {
	if res.EncodingType != types.EncodingTypeUrl {
		return false
	}
	var bad string
	check := func(s string) {
		if bad == "" && !plausiblyEncoded(s) {
			bad = s
		}
	}
	for _, u := range res.Uploads {
		check(str(u.Key))
	}
	for _, cp := range res.CommonPrefixes {
		check(str(cp.Prefix))
	}
	if !IsDirectoryBucket(l.bucket) {
		check(str(res.NextKeyMarker))
	}
	if bad != "" && !l.rawPages {
		l.rawPages = true
		l.note(fmt.Sprintf("the server said EncodingType=url but sent %q, which is not URL-encoded: keys taken as sent", bad))
	}
	return bad == ""
}

// nextMarkers returns the markers of the next page. A directory bucket's key
// marker is an opaque token, sent back as it came; elsewhere it is a key,
// encoded like the keys.
func (l *levelListing) nextMarkers(res *s3.ListMultipartUploadsOutput) (key, id string) {
	key, id = str(res.NextKeyMarker), str(res.NextUploadIdMarker)
	if !IsDirectoryBucket(l.bucket) && res.EncodingType == types.EncodingTypeUrl && plausiblyEncoded(key) && !l.rawPages {
		key = decodeKey(key, true)
	}
	return key, id
}

// boundary lists the uploads of exactly key, with key as the prefix: what a
// page after key marker key and its upload-id marker would have begun with,
// for a server that refuses the upload-id marker.
func (l *levelListing) boundary(ctx context.Context, key string) error {
	var keyMarker string
	for page := 0; ; page++ {
		if page >= l.c.maxPages() {
			return l.bad("more than %d pages", l.c.maxPages())
		}
		res, err := l.c.uploadsPage(ctx, l.bucket, key, "", keyMarker, "", page > 0)
		if err != nil {
			return l.c.wrap(err, opUploads, l.bucket, key, "")
		}
		encoded := l.encoded(res)
		for _, u := range res.Uploads {
			k, id := decodeKey(str(u.Key), encoded), str(u.UploadId)
			if k != key || id == "" || l.seenUploads[[2]string{k, id}] {
				continue
			}
			l.seenUploads[[2]string{k, id}] = true
			l.lv.Uploads = append(l.lv.Uploads, uploadOf(k, u))
		}
		if !aws.ToBool(res.IsTruncated) {
			return nil
		}
		next, _ := l.nextMarkers(res)
		if next == "" || next == keyMarker || next != key && !strings.HasPrefix(next, key) {
			return nil // past the key: its uploads are all in hand
		}
		if next == key {
			// More uploads of the key itself than a page: only an
			// upload-id marker could reach them, and it is refused.
			return l.bad("more than a page of uploads of key %q, and the server refuses upload-id markers", key)
		}
		keyMarker = next
	}
}

func (l *levelListing) note(s string) { l.lv.Notes = append(l.lv.Notes, s) }

// uploadsPage sends one ListMultipartUploads.
func (c *S3) uploadsPage(ctx context.Context, bucket, prefix, delimiter, keyMarker, idMarker string, markers bool) (*s3.ListMultipartUploadsOutput, error) {
	in := &s3.ListMultipartUploadsInput{
		Bucket:              aws.String(bucket),
		EncodingType:        types.EncodingTypeUrl,
		MaxUploads:          c.pageSize(),
		RequestPayer:        c.payer(),
		ExpectedBucketOwner: c.owner(),
	}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if markers {
		in.KeyMarker = aws.String(keyMarker)
		if idMarker != "" {
			in.UploadIdMarker = aws.String(idMarker)
		}
	}
	return c.api.ListMultipartUploads(ctx, in)
}

// refusesMarker recognises versitygw's answer to its own upload-id marker:
// 400 InvalidArgument.
func refusesMarker(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidArgument"
}

func sortUploads(us []Upload) {
	sort.Slice(us, func(i, j int) bool {
		a, b := us[i], us[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.ID < b.ID
	})
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
	return c.wrap(err, opUploads, bucket, "", "")
}

// neverHadUploads recognises the NoSuchUpload some servers (gofakes3)
// answer ListMultipartUploads with for a bucket that never had an upload,
// where S3 returns an empty list.
func neverHadUploads(err error) bool {
	var apiErr interface{ ErrorCode() string }
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchUpload"
}
