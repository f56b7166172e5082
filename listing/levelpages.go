package listing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Paging one level: the loop that follows markers page after page,
// verifying each page (the listing's state is in levellisting.go).

// A run of pages takes three steps a page, each a method below, and each
// absorbing what a server may get wrong at that step (leveldeviations.go):
//
//   - fetchPage sends the request: a refused marker, a bucket that never
//     had an upload, the boundary key of a server that refuses upload-id
//     markers;
//   - acceptPage verifies what the page holds and gathers it: a key marker
//     ignored, keys out of order, entries outside the level or repeated;
//   - nextPage chooses where the next page starts (serverNext, advance), or
//     ends the run: at the level's end (lastPage, where a last page full of
//     new entries is asked after once more), at the bound of a range, or
//     where split takes over.
//
// A check of a whole level against another view of it belongs after run,
// on what the listing gathered (finish), not inside a step.

// run lists pages from key marker from and upload-id marker fromID ("":
// the start of the level) until the listing ends or a page passes hi ("":
// no bound). After a truncated first page, split (if set) is offered its
// last key and the next markers and may take over the rest: it returns
// whether it did.
func (l *levelListing) run(ctx context.Context, from, fromID, hi string, split func(last, nextKey, nextID string) (bool, error)) error {
	cur := &levelCursor{from: from, fromID: fromID, key: from, id: fromID}
	for ; ; cur.page++ {
		if cur.page >= l.c.maxPages() {
			return l.bad("more than %d pages", l.c.maxPages())
		}
		res, err := l.fetchPage(ctx, cur)
		if err != nil || res == nil {
			return err
		}
		added, err := l.acceptPage(res, cur)
		if err != nil {
			return err
		}
		if more, err := l.nextPage(res, cur, added, hi, split); !more || err != nil {
			return err
		}
	}
}

// levelCursor is where a run of pages stands.
type levelCursor struct {
	from, fromID string // where the run began ("": the level's start)
	key, id      string // the markers of the page to fetch
	page         int    // the page to fetch, 0 for the run's first
	empty        int    // truncated pages in a row without a new entry
}

// fromMarker reports whether the page to fetch is asked from a marker.
func (cur *levelCursor) fromMarker() bool { return cur.page > 0 || cur.from != "" }

// fetchPage sends the request for the page at the cursor. A nil page and
// no error: the level is empty (a bucket that never had an upload, on a
// server that answers NoSuchUpload). A server that refuses its own
// upload-id marker (versitygw v1.8.0) is learned, and the page asked again
// with the key marker alone (startBoundary). Whether a page that does not
// say its keys are URL-encoded has them so is learned here
// (learnEncoding).
func (l *levelListing) fetchPage(ctx context.Context, cur *levelCursor) (*s3.ListMultipartUploadsOutput, error) {
	for {
		boundaryDone := l.startBoundary(ctx, cur)
		prefix, key, fromMarker := l.prefix, cur.key, cur.fromMarker()
		if l.noPrefix {
			prefix, fromMarker = "", true
			key = max(key, l.prefix)
		}
		res, err := l.c.uploadsPage(ctx, l.bucket, prefix, l.delimiter(), key, cur.id, fromMarker, l.c.pageSize())
		if berr := boundaryDone(); berr != nil {
			return nil, berr
		}
		switch {
		case err != nil && cur.page == 0 && cur.from == "" && neverHadUploads(err):
			return nil, nil
		case err != nil && cur.id != "" && !l.refusedID && refusesMarker(err):
			l.refusedID = true
			l.c.refusesIDMarker.Store(true)
			l.note(devRefusedID, "the server refused its own upload-id marker; listing the boundary key by prefix instead")
			continue
		case err != nil:
			return nil, l.c.wrap(err, opUploads, l.bucket, l.prefix, "")
		}
		return res, l.learnEncoding(ctx, res)
	}
}

// startBoundary: for a server that refuses upload-id markers, the boundary
// key's other uploads are listed by prefix (boundary), at the same time as
// the page after the key, which is asked without its upload-id marker. The
// function returned waits for that listing and absorbs it.
func (l *levelListing) startBoundary(ctx context.Context, cur *levelCursor) (done func() error) {
	if !l.refusedID && !l.c.refusesIDMarker.Load() || cur.id == "" {
		return func() error { return nil }
	}
	b, berr := l.c.newLevelListing(l.bucket, l.prefix), make(chan error, 1)
	go func(key string) { berr <- b.boundary(ctx, key) }(cur.key)
	cur.id = ""
	return func() error {
		if err := <-berr; err != nil {
			return err
		}
		l.absorb(b)
		return nil
	}
}

// acceptPage verifies a page and gathers what it holds; it returns how
// many entries were new. A key marker of uploadfs's choosing must be
// honoured; after the server's own markers (with an upload ID), its own
// order rules (Swift's is not key order).
func (l *levelListing) acceptPage(res *s3.ListMultipartUploadsOutput, cur *levelCursor) (int, error) {
	if cur.page == 0 && cur.from != "" && cur.fromID == "" && !IsDirectoryBucket(l.bucket) && l.wentBack(res, cur.from) {
		return 0, errMarkerIgnored
	}
	l.checkOrder(res)
	added := l.add(res, func(string) bool { return true }, cur.fromMarker())
	if l.scan != nil {
		if err := l.scan(res); err != nil {
			return 0, err
		}
	}
	return added, nil
}

// nextPage moves the cursor to the page after res, or ends the run (more
// false): at the level's end, past hi, or where split takes over.
func (l *levelListing) nextPage(res *s3.ListMultipartUploadsOutput, cur *levelCursor, added int, hi string, split func(last, nextKey, nextID string) (bool, error)) (more bool, err error) {
	if l.noPrefix && l.pastLevel(res) {
		l.end = ""
		l.endPage(cur.page)
		return false, nil // the level's end: the rest of the bucket follows
	}
	if !aws.ToBool(res.IsTruncated) {
		return l.lastPage(res, cur, added), nil
	}
	last := l.pageEnd(res)
	l.end = last
	l.endPage(cur.page)
	if hi != "" && last > hi {
		return false, nil // the rest is the next range's
	}
	key, id, err := l.serverNext(res, added)
	if err != nil {
		return false, err
	}
	if cur.page == 0 && split != nil && last > cur.from {
		if done, err := split(last, key, id); done || err != nil {
			return false, err
		}
	}
	return true, l.advance(cur, key, id, added)
}

// lastPage ends the run at a page the server says ends the level, unless
// the page was full of new entries (endsFull): then the cursor moves to its
// greatest entry, to ask once more.
func (l *levelListing) lastPage(res *s3.ListMultipartUploadsOutput, cur *levelCursor, added int) (more bool) {
	l.end = ""
	l.endPage(cur.page)
	key, id, full := l.endsFull(res, added)
	if full {
		cur.key, cur.id = key, id
	}
	return full
}

// serverNext gives the markers of the page after a truncated page: the
// server's own (nextMarkers), but the page's greatest entry when the
// server's key marker is past it (markerAhead), and its last entry when
// the server sent none (lastEntry).
func (l *levelListing) serverNext(res *s3.ListMultipartUploadsOutput, added int) (nextKey, nextID string, err error) {
	nextKey, nextID = l.nextMarkers(res)
	// (Not after a page of repeats only, nor to a marker followed
	// already: an inclusive server, asked from a page's last entry,
	// may send just that entry again.)
	if key, id, ahead := l.markerAhead(res, nextKey); ahead && added > 0 && !l.seenMarkers[[2]string{key, id}] {
		// The server's own marker must still advance.
		m := [2]string{"\x00" + nextKey, nextID}
		if l.seenMarkers[m] {
			return "", "", l.bad("marker %q/%q repeated", nextKey, nextID)
		}
		l.seenMarkers[m] = true
		nextKey, nextID = key, id
		l.note(devMarkerAhead, fmt.Sprintf("the server's next key marker %q is past the page's last entry %q, and what lies between was not listed: went on from the last entry", str(res.NextKeyMarker), key))
	}
	if nextKey == "" && nextID == "" && !IsDirectoryBucket(l.bucket) {
		if nextKey, nextID = l.lastEntry(res); nextKey != "" {
			l.note(devNoNextMarker, "the server sent a truncated page without next markers: went on from its last entry")
		}
	}
	return nextKey, nextID, nil
}

// advance moves the cursor to the next markers. They must be new: a
// repeated marker would loop, and truncated pages without a new entry are
// followed at most maxEmptyPages in a row.
func (l *levelListing) advance(cur *levelCursor, key, id string, added int) error {
	m := [2]string{key, id}
	switch {
	case key == "" && id == "":
		return l.bad("truncated page without a next marker or an entry to go on from")
	case l.seenMarkers[m]:
		return l.bad("marker %q/%q repeated", key, id)
	case added > 0:
		cur.empty = 0
	case cur.empty >= maxEmptyPages:
		return l.bad("%d truncated pages in a row with no new entries", cur.empty+1)
	default:
		cur.empty++
		l.note(devEmptyPage, "the server sent a truncated page with no new entries: followed its next marker")
	}
	l.seenMarkers[m] = true
	cur.key, cur.id = key, id
	return nil
}

// endPage records the end of the first page (for the ranged listing).
func (l *levelListing) endPage(page int) {
	if page == 0 {
		l.firstEnd, l.firstDone = l.end, true
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
		if raw := str(u.Key); !l.outside(raw) && l.decodeMarker(res, raw) < from {
			return true
		}
	}
	for _, cp := range res.CommonPrefixes {
		raw := str(cp.Prefix)
		if p := l.decodeMarker(res, raw); !l.outside(raw) && p < from && !strings.HasPrefix(from, p) {
			return true
		}
	}
	next, _ := l.nextMarkers(res)
	return next != "" && next < from
}

// lastKey is the greatest key or prefix of a page in the level, decoded as
// the markers are.
func (l *levelListing) lastKey(res *s3.ListMultipartUploadsOutput) string {
	var last string
	for _, u := range res.Uploads {
		if raw := str(u.Key); !l.outside(raw) {
			last = max(last, l.decodeMarker(res, raw))
		}
	}
	for _, cp := range res.CommonPrefixes {
		if raw := str(cp.Prefix); !l.outside(raw) {
			last = max(last, l.decodeMarker(res, raw))
		}
	}
	return last
}

// nextMarkers returns the markers of the next page. A directory bucket's key
// marker is an opaque token, sent back as it came; elsewhere it is a key,
// encoded like the keys (unless the server is known not to encode) — but
// OpenStack Swift encodes keys and sends its markers as they are: a marker
// that is none of the page's entries as sent but one of them decoded is
// taken as sent.
func (l *levelListing) nextMarkers(res *s3.ListMultipartUploadsOutput) (key, id string) {
	key, id = str(res.NextKeyMarker), str(res.NextUploadIdMarker)
	if IsDirectoryBucket(l.bucket) {
		return key, id
	}
	decoded := l.decodeMarker(res, key)
	if decoded == key {
		return key, id
	}
	entries := make([]string, 0, len(res.Uploads)+len(res.CommonPrefixes))
	for _, u := range res.Uploads {
		entries = append(entries, str(u.Key))
	}
	for _, cp := range res.CommonPrefixes {
		entries = append(entries, str(cp.Prefix))
	}
	if slices.Contains(entries, key) {
		return decoded, id
	}
	if slices.ContainsFunc(entries, func(raw string) bool { return l.decodeMarker(res, raw) == key }) {
		return key, id
	}
	return decoded, id
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
	res, err := l.c.uploadsPage(ctx, l.bucket, key, "", "", "", false, l.c.pageSize())
	if err != nil {
		return l.c.wrap(err, opUploads, l.bucket, key, "")
	}
	l.add(&s3.ListMultipartUploadsOutput{EncodingType: res.EncodingType, Uploads: res.Uploads}, exact, false)
	if next, _ := l.nextMarkers(res); aws.ToBool(res.IsTruncated) && next == key {
		// More uploads of the key itself than a page: only an
		// upload-id marker could reach them, and it is refused.
		return l.bad("more than a page of uploads of key %q, and the server refuses upload-id markers", key)
	}
	return nil
}

// pastLevel reports whether a page listed without prefix (noPrefix)
// reached a key past the level: the level's end.
func (l *levelListing) pastLevel(res *s3.ListMultipartUploadsOutput) bool {
	for _, u := range res.Uploads {
		if k := l.decodeMarker(res, str(u.Key)); k > l.prefix && !strings.HasPrefix(k, l.prefix) {
			return true
		}
	}
	return false
}
