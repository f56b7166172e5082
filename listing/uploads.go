package listing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unique"

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
	first, err := c.FirstLevelPage(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	return c.RestOfLevel(ctx, first)
}

// LevelPage is the first page of a level — what a directory shows first —
// and what it takes to list the rest.
type LevelPage struct {
	// Level holds the page's entries, sorted. When Truncated, the uploads
	// of the key Last (and a prefix that Last falls in) may go on in the
	// next page: only entries before it are complete.
	*Level
	Truncated bool
	Last      string
	// Undecided: the page's keys read differently whether or not the
	// server really URL-encoded them, and only the whole level can tell
	// (a server that claims it falsely, SeaweedFS, shows itself by a key
	// that cannot be encoding, anywhere in the level). Its names are not
	// to be shown before the whole level is listed.
	Undecided bool

	l               *levelListing
	nextKey, nextID string
}

// Complete reports whether what the page says of key (an upload key, or a
// prefix ending in "/") is all there is: the page is the whole level, or
// key sorts before the page's last entry and is not that entry's prefix.
func (pg *LevelPage) Complete(key string) bool {
	return !pg.Truncated || key < pg.Last && !strings.HasPrefix(pg.Last, key)
}

// FirstLevelPage lists the first page of one level (see Level).
func (c *S3) FirstLevelPage(ctx context.Context, bucket, prefix string) (*LevelPage, error) {
	l := c.newLevelListing(bucket, prefix)
	pg := &LevelPage{l: l}
	err := l.run(ctx, "", "", "", func(last, nextKey, nextID string) (bool, error) {
		pg.Truncated, pg.Last, pg.nextKey, pg.nextID = true, last, nextKey, nextID
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if pg.Level, err = l.finish(); err != nil {
		return nil, err
	}
	pg.Undecided = pg.Truncated && l.claimed && l.implausible == "" && !c.rawKeys.Load() && l.decodingChanges()
	return pg, nil
}

// RestOfLevel lists the rest of the level whose first page is first, and
// returns the whole level. Directory buckets (unsorted) and a Concurrency
// of 1 go on one page after another; others as ranges of keys at once
// (levelranges.go). first may be used again.
func (c *S3) RestOfLevel(ctx context.Context, first *LevelPage) (*Level, error) {
	l := first.l.clone()
	if !first.Truncated {
		return l.finish()
	}
	var err error
	if IsDirectoryBucket(l.bucket) || c.concurrency() < 2 {
		err = l.run(ctx, first.nextKey, first.nextID, "", nil)
		if errors.Is(err, errMarkerIgnored) {
			// The server went back from its own marker: no listing
			// with other markers to fall back on.
			err = l.bad("the page after marker %q went back before it", first.nextKey)
		}
	} else {
		err = c.rangedLevel(ctx, l, first)
	}
	if err != nil {
		return nil, err
	}
	return l.finish()
}

// decodingChanges reports whether decoding changes any key or prefix
// gathered.
func (l *levelListing) decodingChanges() bool {
	for _, u := range l.uploads {
		if k := str(u.Key); decodeKey(k, true) != k {
			return true
		}
	}
	for _, p := range l.prefixes {
		if decodeKey(p, true) != p {
			return true
		}
	}
	return false
}

// firstKey is the least key or prefix gathered, as sent.
func (l *levelListing) firstKey() string {
	first := ""
	for _, u := range l.uploads {
		if k := str(u.Key); first == "" || k < first {
			first = k
		}
	}
	for _, p := range l.prefixes {
		if first == "" || p < first {
			first = p
		}
	}
	return first
}

// absorb adds what p gathered (a piece of the level, a boundary key's
// uploads) to l, once each.
func (l *levelListing) absorb(p *levelListing) {
	for _, u := range p.uploads {
		if k := [2]string{str(u.Key), str(u.UploadId)}; !l.seen[k] {
			l.seen[k] = true
			l.uploads = append(l.uploads, u)
		}
	}
	l.absorbAllButUploads(p)
}

// absorbAllButUploads adds what p gathered but its uploads.
func (l *levelListing) absorbAllButUploads(p *levelListing) {
	l.claimed = l.claimed && p.claimed
	if l.implausible == "" {
		l.implausible = p.implausible
	}
	for _, raw := range p.prefixes {
		if k := [2]string{raw, "/"}; !l.seen[k] {
			l.seen[k] = true
			l.prefixes = append(l.prefixes, raw)
		}
	}
	for _, n := range p.notes {
		if !slices.Contains(l.notes, n) {
			l.notes = append(l.notes, n)
		}
	}
}

// clone copies the state, so that a first page can be continued more than
// once.
func (l *levelListing) clone() *levelListing {
	n := *l
	n.uploads = append([]types.MultipartUpload(nil), l.uploads...)
	n.prefixes = append([]string(nil), l.prefixes...)
	n.notes = append([]string(nil), l.notes...)
	n.seen = make(map[[2]string]bool, len(l.seen))
	for k := range l.seen {
		n.seen[k] = true
	}
	n.seenMarkers = make(map[[2]string]bool, len(l.seenMarkers))
	for k := range l.seenMarkers {
		n.seenMarkers[k] = true
	}
	return &n
}

func (c *S3) newLevelListing(bucket, prefix string) *levelListing {
	return &levelListing{c: c, bucket: bucket, prefix: prefix, claimed: true,
		seen: map[[2]string]bool{}, seenMarkers: map[[2]string]bool{}}
}

// levelListing is the state of one Level call (or of one range of it).
// Pages are gathered as sent and decoded once the whole listing is in hand:
// whether the server really encoded its keys is decided over all of them.
type levelListing struct {
	c           *S3
	bucket      string
	prefix      string
	uploads     []types.MultipartUpload // as sent, without repeats
	prefixes    []string                // as sent, without repeats
	seen        map[[2]string]bool      // raw key and upload ID; raw prefixes with ID "/"
	seenMarkers map[[2]string]bool
	claimed     bool   // every page said EncodingType=url
	implausible string // the first string that cannot be URL-encoding
	refusedID   bool   // the server refuses upload-id markers
	notes       []string
}

const opUploads = "ListMultipartUploads"

func (l *levelListing) bad(format string, a ...any) error {
	return badResponse(opUploads, l.bucket, l.prefix, "", fmt.Sprintf(format, a...))
}

// run lists pages from key marker from and upload-id marker fromID ("":
// the start of the level) until the listing ends or a page passes hi ("":
// no bound). After a truncated first page, split (if set) is offered its
// last key and the next markers and may take over the rest: it returns
// whether it did.
func (l *levelListing) run(ctx context.Context, from, fromID, hi string, split func(last, nextKey, nextID string) (bool, error)) error {
	keyMarker, idMarker := from, fromID
	for page := 0; ; page++ {
		if page >= l.c.maxPages() {
			return l.bad("more than %d pages", l.c.maxPages())
		}
		// A server that refuses upload-id markers: the boundary key's
		// other uploads are listed by prefix, at the same time as the
		// page after the key.
		var boundary chan error
		var b *levelListing
		if (l.refusedID || l.c.refusesIDMarker.Load()) && idMarker != "" {
			b, boundary = l.c.newLevelListing(l.bucket, l.prefix), make(chan error, 1)
			go func(key string) { boundary <- b.boundary(ctx, key) }(keyMarker)
			idMarker = ""
		}
		res, err := l.c.uploadsPage(ctx, l.bucket, l.prefix, Delimiter, keyMarker, idMarker, page > 0 || from != "")
		if boundary != nil {
			if berr := <-boundary; berr != nil {
				return berr
			}
			l.absorb(b)
		}
		switch {
		case err != nil && page == 0 && from == "" && neverHadUploads(err):
			return nil
		case err != nil && idMarker != "" && !l.refusedID && refusesMarker(err):
			l.refusedID = true
			l.c.refusesIDMarker.Store(true)
			l.notes = append(l.notes, "the server refused its own upload-id marker; listing the boundary key by prefix instead")
			page--
			continue
		case err != nil:
			return l.c.wrap(err, opUploads, l.bucket, l.prefix, "")
		}
		if page == 0 && from != "" && !IsDirectoryBucket(l.bucket) && l.wentBack(res, from) {
			return errMarkerIgnored
		}
		added := l.add(res, func(string) bool { return true })
		if !aws.ToBool(res.IsTruncated) {
			return nil
		}
		last := l.lastKey(res)
		if hi != "" && last > hi {
			return nil // the rest is the next range's
		}
		nextKey, nextID := l.nextMarkers(res)
		if page == 0 && split != nil && last > from {
			if done, err := split(last, nextKey, nextID); done || err != nil {
				return err
			}
		}
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

// errMarkerIgnored: asked to start at a key marker, the server answered from
// before it (gofakes3 starts over from the first key when the marker is past
// its last). The level is then listed with the server's own markers.
var errMarkerIgnored = errors.New("the server does not start at an arbitrary key marker")

// wentBack reports whether a page asked from key marker from holds a key,
// prefix or next marker before it.
func (l *levelListing) wentBack(res *s3.ListMultipartUploadsOutput, from string) bool {
	for _, u := range res.Uploads {
		if l.decodeMarker(res, str(u.Key)) < from {
			return true
		}
	}
	for _, cp := range res.CommonPrefixes {
		if p := l.decodeMarker(res, str(cp.Prefix)); p < from && !strings.HasPrefix(from, p) {
			return true
		}
	}
	next, _ := l.nextMarkers(res)
	return next != "" && next < from
}

// lastKey is the greatest key or prefix of a page, decoded as the markers
// are.
func (l *levelListing) lastKey(res *s3.ListMultipartUploadsOutput) string {
	var last string
	for _, u := range res.Uploads {
		last = max(last, l.decodeMarker(res, str(u.Key)))
	}
	for _, cp := range res.CommonPrefixes {
		last = max(last, l.decodeMarker(res, str(cp.Prefix)))
	}
	return last
}

// add gathers one page's uploads whose raw key keep accepts, and its
// prefixes, as sent; it returns how many were new.
func (l *levelListing) add(res *s3.ListMultipartUploadsOutput, keep func(rawKey string) bool) int {
	l.claimed = l.claimed && res.EncodingType == types.EncodingTypeUrl
	added := 0
	for _, u := range res.Uploads {
		k := [2]string{str(u.Key), str(u.UploadId)}
		if !keep(k[0]) || l.seen[k] {
			continue // inclusive markers repeat the marker entry
		}
		l.seen[k] = true
		l.check(k[0])
		l.uploads = append(l.uploads, u)
		added++
	}
	for _, cp := range res.CommonPrefixes {
		k := [2]string{str(cp.Prefix), "/"}
		if !l.seen[k] {
			l.seen[k] = true
			l.check(k[0])
			l.prefixes = append(l.prefixes, k[0])
			added++
		}
	}
	return added
}

// check notes the first string a URL encoder could not have written.
func (l *levelListing) check(s string) {
	if l.implausible == "" && !plausiblyEncoded(s) {
		l.implausible = s
	}
}

// finish decodes what was gathered and arranges it into the level. The keys
// are URL-encoded only if every page said so and every key and prefix can
// be encoding: a server that claims EncodingType=url and sends a space or a
// stray '%' (SeaweedFS) did not encode, and is not believed again.
func (l *levelListing) finish() (*Level, error) {
	lv := &Level{Prefix: l.prefix, Notes: l.notes}
	encoded := l.claimed && l.implausible == "" && !l.c.rawKeys.Load()
	if l.claimed && l.implausible != "" {
		l.c.rawKeys.Store(true)
		lv.Notes = append(lv.Notes, fmt.Sprintf("the server said EncodingType=url but sent %q, which is not URL-encoded: keys taken as sent", l.implausible))
	}
	seenPrefixes := map[string]bool{}
	addPrefix := func(p string) {
		if !seenPrefixes[p] {
			seenPrefixes[p] = true
			lv.Prefixes = append(lv.Prefixes, p)
		}
	}
	var deep []Upload
	lv.Uploads = make([]Upload, 0, len(l.uploads))
	for _, u := range l.uploads {
		key, id := decodeKey(str(u.Key), encoded), str(u.UploadId)
		if id == "" || !strings.HasPrefix(key, l.prefix) {
			return nil, l.bad("upload %q of key %q is outside prefix", id, key)
		}
		if i := strings.Index(key[len(l.prefix):], Delimiter); i >= 0 {
			deep = append(deep, uploadOf(key, u))
			addPrefix(key[:len(l.prefix)+i+1])
			continue
		}
		lv.Uploads = append(lv.Uploads, uploadOf(key, u))
	}
	for _, raw := range l.prefixes {
		p := decodeKey(raw, encoded)
		rest, ok := strings.CutPrefix(p, l.prefix)
		if !ok || strings.Index(rest, Delimiter) != len(rest)-len(Delimiter) {
			return nil, l.bad("common prefix %q is not one level below %q", p, l.prefix)
		}
		addPrefix(p)
	}
	lv.Uploads = sortUploads(lv.Uploads)
	sort.Strings(lv.Prefixes)
	if deep != nil {
		lv.Deep = sortUploads(deep)
	}
	return lv, nil
}

// nextMarkers returns the markers of the next page. A directory bucket's key
// marker is an opaque token, sent back as it came; elsewhere it is a key,
// encoded like the keys (unless the server is known not to encode).
func (l *levelListing) nextMarkers(res *s3.ListMultipartUploadsOutput) (key, id string) {
	key, id = str(res.NextKeyMarker), str(res.NextUploadIdMarker)
	if !IsDirectoryBucket(l.bucket) {
		key = l.decodeMarker(res, key)
	}
	return key, id
}

// decodeMarker decodes a key of res as far as it is known to be encoded
// (before the whole listing decides).
func (l *levelListing) decodeMarker(res *s3.ListMultipartUploadsOutput, key string) string {
	encoded := res.EncodingType == types.EncodingTypeUrl && l.implausible == "" && !l.c.rawKeys.Load()
	return decodeKey(key, encoded && plausiblyEncoded(key))
}

// boundary gathers the uploads of exactly key, listed with key as the
// prefix: what the page after key marker key and its upload-id marker would
// have begun with, for a server that refuses the upload-id marker. The
// key's uploads come first (every other key with that prefix sorts after
// it), so one page holds them, however many keys begin with it.
func (l *levelListing) boundary(ctx context.Context, key string) error {
	exact := func(raw string) bool { return raw == key || decodeKey(raw, plausiblyEncoded(raw)) == key }
	res, err := l.c.uploadsPage(ctx, l.bucket, key, "", "", "", false)
	if err != nil {
		return l.c.wrap(err, opUploads, l.bucket, key, "")
	}
	l.add(&s3.ListMultipartUploadsOutput{EncodingType: res.EncodingType, Uploads: res.Uploads}, exact)
	if next, _ := l.nextMarkers(res); aws.ToBool(res.IsTruncated) && next == key {
		// More uploads of the key itself than a page: only an
		// upload-id marker could reach them, and it is refused.
		return l.bad("more than a page of uploads of key %q, and the server refuses upload-id markers", key)
	}
	return nil
}

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
	return c.api.ListMultipartUploads(ctx, in, fastUploads)
}

// refusesMarker recognises versitygw's answer to its own upload-id marker:
// 400 InvalidArgument.
func refusesMarker(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidArgument"
}

// sortUploads sorts by key, then upload ID, and drops repeats (a ranged
// listing's seams list some entries twice).
func sortUploads(us []Upload) []Upload {
	byKeyID := func(a, b Upload) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}
	if !slices.IsSortedFunc(us, byKeyID) {
		slices.SortFunc(us, byKeyID)
	}
	return slices.CompactFunc(us, func(a, b Upload) bool { return a.Key == b.Key && a.ID == b.ID })
}

// uploadOf converts the SDK's upload, whose key (decoded) is key. The
// fields most uploads share (owner, initiator, storage class) are
// interned: a level of 100,000 uploads of one account holds its owner's ID
// once, not 100,000 times.
func uploadOf(key string, u types.MultipartUpload) Upload {
	up := Upload{
		Key:               key,
		ID:                str(u.UploadId),
		StorageClass:      intern(enum(u.StorageClass)),
		ChecksumAlgorithm: intern(enum(u.ChecksumAlgorithm)),
		ChecksumType:      intern(enum(u.ChecksumType)),
	}
	if u.Initiated != nil {
		up.Initiated = *u.Initiated
	}
	if u.Initiator != nil {
		up.InitiatorID = intern(str(u.Initiator.ID))
	}
	if u.Owner != nil {
		up.OwnerID = intern(str(u.Owner.ID))
	}
	return up
}

func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
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
