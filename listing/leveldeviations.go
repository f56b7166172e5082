package listing

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// What a level listing absorbs of a server's deviations from S3, and how
// it says so. A deviation that loses nothing is absorbed and noted once per
// bucket (Level.Notes, which the file system logs); one that would lose or
// invent entries is an ErrBadResponse. The classification is in the
// package doc.

// A note is one deviation seen: its kind (what is noted once per bucket)
// and the sentence for the log, with the first example seen.
type note struct{ kind, text string }

// The kinds of deviation a level listing absorbs.
const (
	devOutside       = "outside prefix"
	devRepeatedHead  = "repeated marker entry"
	devEmptyPage     = "empty truncated page"
	devUnsorted      = "unsorted"
	devNoNextMarker  = "no next marker"
	devSkipsSubKeys  = "key marker skips sub-keys"
	devMarkerIgnored = "marker ignored"
	devRefusedID     = "upload-id marker refused"
	devRawKeys       = "raw keys"
	devRawPrefixes   = "raw prefixes"
	devMarkerAhead   = "next marker ahead"
	devFullLastPage  = "full last page"
	devLostKeys      = "delimiter lost keys"
	devSilentEncoded = "keys encoded unannounced"
)

// maxEmptyPages bounds the truncated pages in a row without a new entry
// that a listing follows (each with a new marker): a server that filters
// entries after paging may send a few; one that sends them forever is
// inventing markers.
const maxEmptyPages = 10

// note records a deviation of kind, once per listing.
func (l *levelListing) note(kind, text string) {
	for _, n := range l.notes {
		if n.kind == kind {
			return
		}
	}
	l.notes = append(l.notes, note{kind, text})
}

// firstNotes returns the sentences of the notes not yet said for bucket:
// each kind once per bucket and lister (a mount).
func (c *S3) firstNotes(bucket string, notes []note) []string {
	var out []string
	for _, n := range notes {
		if _, said := c.noted.LoadOrStore(bucket+"\x00"+n.kind, true); !said {
			out = append(out, n.text)
		}
	}
	return out
}

// outside reports whether a raw key (or prefix) of a page cannot belong to
// the level: neither as sent nor decoded does it begin with the prefix.
// OpenStack Swift lists the uploads of the key "videos" with the level
// "videos/" (it lists names KEY/UPLOADID by prefix); they belong to the
// level above, which lists them.
func (l *levelListing) outside(raw string) bool {
	return !strings.HasPrefix(raw, l.prefix) && !strings.HasPrefix(decodeKey(raw, true), l.prefix)
}

// pageEnd is how far a truncated page surely reaches: its greatest key or
// prefix, but no further than its next key marker. A server may send the
// common prefixes of more keys than the page's uploads (Swift gathers them
// from all it read): the keys between its last upload and such a prefix
// are in the next page, not absent.
func (l *levelListing) pageEnd(res *s3.ListMultipartUploadsOutput) string {
	end := l.lastKey(res)
	if next, _ := l.nextMarkers(res); next != "" && !IsDirectoryBucket(l.bucket) {
		end = min(end, next)
	}
	return end
}

// markerAhead reports whether a truncated page's next key marker is past
// the page's greatest entry, and if so gives the markers of that entry
// (what S3 names): the entries between were not listed. gofakes3 (rclone
// serve s3) names the next page's first upload, and drops the common
// prefixes of the keys before it. Going on from the greatest entry lists
// them; the entry the server sends again is kept once.
func (l *levelListing) markerAhead(res *s3.ListMultipartUploadsOutput, next string) (key, id string, ahead bool) {
	if next == "" || IsDirectoryBucket(l.bucket) {
		return "", "", false
	}
	key, id = l.greatestEntry(res)
	return key, id, key != "" && next > key
}

// greatestEntry gives the markers of a page's greatest key or prefix, as
// S3 names them: an upload's key and the last of its IDs in the page, or a
// prefix with no upload ID.
func (l *levelListing) greatestEntry(res *s3.ListMultipartUploadsOutput) (key, id string) {
	key = l.lastKey(res)
	for _, u := range res.Uploads {
		if raw := str(u.Key); !l.outside(raw) && l.decodeMarker(res, raw) == key {
			id = str(u.UploadId)
		}
	}
	return key, id
}

// endsFull reports whether a page that ends the listing was full of new
// entries, and if so gives the markers to ask once more from its greatest
// entry. gofakes3 (rclone serve s3) ends a page at MaxUploads uploads and
// says the listing is complete when only keys under common prefixes
// follow: those prefixes are lost. The page after a full last page costs
// one request where a server is right (S3 sends only the marker's
// successors: none); a page that brings new entries is noted.
func (l *levelListing) endsFull(res *s3.ListMultipartUploadsOutput, added int) (key, id string, full bool) {
	if l.confirming && added > 0 {
		l.note(devFullLastPage, "the server said a listing was complete after a full page, and the page after it held more: asked again after every full last page")
	}
	if added == 0 || !l.c.full(res) || IsDirectoryBucket(l.bucket) {
		return "", "", false
	}
	key, id = l.greatestEntry(res)
	if key == "" || l.seenMarkers[[2]string{key, id}] {
		return "", "", false
	}
	l.seenMarkers[[2]string{key, id}] = true
	l.confirming = true
	return key, id, true
}

// full reports whether a page holds as many entries as a page may.
func (c *S3) full(res *s3.ListMultipartUploadsOutput) bool {
	size := 1000 // S3's default and most
	if c.PageSize > 0 {
		size = int(c.PageSize)
	}
	return len(res.Uploads)+len(res.CommonPrefixes) >= size
}

// lastEntry gives the next markers a truncated page without them implies:
// its last upload (S3's next markers are the page's last upload), or its
// last prefix when it has no upload. Swift omits them on a page of one
// upload.
func (l *levelListing) lastEntry(res *s3.ListMultipartUploadsOutput) (key, id string) {
	if n := len(res.Uploads); n > 0 {
		u := res.Uploads[n-1]
		return l.decodeMarker(res, str(u.Key)), str(u.UploadId)
	}
	if n := len(res.CommonPrefixes); n > 0 {
		return l.decodeMarker(res, str(res.CommonPrefixes[n-1].Prefix)), ""
	}
	return "", ""
}

// checkOrder notes a page whose uploads are not in key order (Swift lists
// by KEY/UPLOADID: "a!" and "a.b" before "a"). The level is sorted here in
// any case; what the server's order breaks is cutting its key space into
// ranges, so the lister learns to list it one page after another.
func (l *levelListing) checkOrder(res *s3.ListMultipartUploadsOutput) {
	if IsDirectoryBucket(l.bucket) || l.unordered {
		return
	}
	prev := ""
	for _, u := range res.Uploads {
		raw := str(u.Key)
		if l.outside(raw) {
			continue
		}
		k := l.decodeMarker(res, raw)
		if k < prev {
			l.unordered = true
			l.c.sequential.Store(true)
			l.note(devUnsorted, fmt.Sprintf("the server lists uploads out of key order (%q after %q): levels sorted here and listed one page after another", k, prev))
			return
		}
		prev = k
	}
}
