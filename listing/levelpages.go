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

// run lists pages from key marker from and upload-id marker fromID ("":
// the start of the level) until the listing ends or a page passes hi ("":
// no bound). After a truncated first page, split (if set) is offered its
// last key and the next markers and may take over the rest: it returns
// whether it did.
func (l *levelListing) run(ctx context.Context, from, fromID, hi string, split func(last, nextKey, nextID string) (bool, error)) error {
	keyMarker, idMarker := from, fromID
	empty := 0
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
			l.note(devRefusedID, "the server refused its own upload-id marker; listing the boundary key by prefix instead")
			page--
			continue
		case err != nil:
			return l.c.wrap(err, opUploads, l.bucket, l.prefix, "")
		}
		// A key marker of uploadfs's choosing must be honoured; after the
		// server's own markers (with an upload ID), its own order rules
		// (Swift's is not key order).
		if page == 0 && from != "" && fromID == "" && !IsDirectoryBucket(l.bucket) && l.wentBack(res, from) {
			return errMarkerIgnored
		}
		l.checkOrder(res)
		added := l.add(res, func(string) bool { return true }, page > 0 || from != "")
		if l.scan != nil {
			if err := l.scan(); err != nil {
				return err
			}
		}
		if !aws.ToBool(res.IsTruncated) {
			l.end = ""
			l.endPage(page)
			if key, id, full := l.endsFull(res, added); full {
				keyMarker, idMarker = key, id
				continue
			}
			return nil
		}
		last := l.pageEnd(res)
		l.end = last
		l.endPage(page)
		if hi != "" && last > hi {
			return nil // the rest is the next range's
		}
		nextKey, nextID := l.nextMarkers(res)
		// (Not after a page of repeats only, nor to a marker followed
		// already: an inclusive server, asked from a page's last entry,
		// may send just that entry again.)
		if key, id, ahead := l.markerAhead(res, nextKey); ahead && added > 0 && !l.seenMarkers[[2]string{key, id}] {
			// The server's own marker must still advance.
			if m := [2]string{"\x00" + nextKey, nextID}; l.seenMarkers[m] {
				return l.bad("marker %q/%q repeated", nextKey, nextID)
			} else {
				l.seenMarkers[m] = true
			}
			nextKey, nextID = key, id
			l.note(devMarkerAhead, fmt.Sprintf("the server's next key marker %q is past the page's last entry %q, and what lies between was not listed: went on from the last entry", str(res.NextKeyMarker), key))
		}
		if nextKey == "" && nextID == "" && !IsDirectoryBucket(l.bucket) {
			if nextKey, nextID = l.lastEntry(res); nextKey != "" {
				l.note(devNoNextMarker, "the server sent a truncated page without next markers: went on from its last entry")
			}
		}
		if page == 0 && split != nil && last > from {
			if done, err := split(last, nextKey, nextID); done || err != nil {
				return err
			}
		}
		m := [2]string{nextKey, nextID}
		switch {
		case nextKey == "" && nextID == "":
			return l.bad("truncated page without a next marker or an entry to go on from")
		case l.seenMarkers[m]:
			return l.bad("marker %q/%q repeated", nextKey, nextID)
		case added > 0:
			empty = 0
		case empty >= maxEmptyPages:
			return l.bad("%d truncated pages in a row with no new entries", empty+1)
		default:
			empty++
			l.note(devEmptyPage, "the server sent a truncated page with no new entries: followed its next marker")
		}
		l.seenMarkers[m] = true
		keyMarker, idMarker = nextKey, nextID
	}
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
	res, err := l.c.uploadsPage(ctx, l.bucket, key, "", "", "", false)
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
