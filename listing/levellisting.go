package listing

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The state of one level listing (levelListing): what its pages gathered,
// as sent, and what they showed of the server; adding a page to it and
// joining listings of pieces of a level.

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
	implausible string // the first key that cannot be URL-encoding
	rawPrefix   string // the first prefix that cannot be URL-encoding
	escaped     bool   // a key holds an escape only an encoder writes
	refusedID   bool   // the server refuses upload-id markers
	unordered   bool   // a page was not in key order
	flat        bool   // listed without the delimiter (proof.go)
	noPrefix    bool   // and without the prefix, from it as key marker
	notes       []note

	// For the ranged listing (levelranges.go): where the first page and
	// the last page of this listing end ("": the level's end), and, for a
	// piece that split, the piece that ends where it ends.
	firstEnd, end string
	firstDone     bool
	rightmost     *levelListing
	wrapped       bool // asked from a key marker, the server started over
	confirming    bool // asked again after a full last page (endsFull)

	// scan, if set (ScanLevel), hands out each page once it is gathered.
	scan func(*s3.ListMultipartUploadsOutput) error
}

const opUploads = "ListMultipartUploads"

// delimiter is the delimiter the listing's requests send: none for a
// bucket whose delimited listings lost keys (proof.go).
func (l *levelListing) delimiter() string {
	if l.flat {
		return ""
	}
	return Delimiter
}

func (l *levelListing) bad(format string, a ...any) error {
	return badResponse(opUploads, l.bucket, l.prefix, "", fmt.Sprintf(format, a...))
}

// add gathers one page's uploads whose raw key keep accepts, and its
// prefixes, as sent; it returns how many were new. Entries outside the
// level are dropped (noted); an entry already gathered is one an inclusive
// marker repeats (noted on a page asked from a marker).
func (l *levelListing) add(res *s3.ListMultipartUploadsOutput, keep func(rawKey string) bool, fromMarker bool) int {
	l.claimed = l.claimed && res.EncodingType == types.EncodingTypeUrl
	added := 0
	for i, u := range res.Uploads {
		k := [2]string{str(u.Key), str(u.UploadId)}
		switch {
		case !keep(k[0]):
			continue
		case l.outside(k[0]) && l.noPrefix:
			continue // past the level: where the listing ends
		case l.outside(k[0]):
			l.note(devOutside, fmt.Sprintf("the server listed uploads outside the requested prefix (key %q in %q): dropped, the level they belong to lists them", k[0], l.prefix))
			continue
		case l.seen[k]:
			if i == 0 && fromMarker {
				l.note(devRepeatedHead, "the server repeats the marker's entry at the head of the next page (inclusive markers): kept once")
			}
			continue
		}
		l.seen[k] = true
		l.checkKey(k[0])
		l.uploads = append(l.uploads, u)
		added++
	}
	for _, cp := range res.CommonPrefixes {
		k := [2]string{str(cp.Prefix), "/"}
		switch {
		case l.outside(k[0]):
			l.note(devOutside, fmt.Sprintf("the server listed a common prefix outside the requested prefix (%q in %q): dropped", k[0], l.prefix))
		case !l.seen[k]:
			l.seen[k] = true
			l.checkPrefix(k[0])
			l.prefixes = append(l.prefixes, k[0])
			added++
		}
	}
	return added
}

// checkKey notes the first key a URL encoder could not have written, and
// whether a key holds an escape only an encoder writes (a byte that is not
// a letter or digit).
func (l *levelListing) checkKey(s string) {
	if l.implausible == "" && !plausiblyEncoded(s) {
		l.implausible = s
	}
	if !l.escaped && strings.Contains(s, "%") && plausiblyEncoded(s) {
		l.escaped = true
	}
}

// checkPrefix notes the first common prefix a URL encoder could not have
// written.
func (l *levelListing) checkPrefix(s string) {
	if l.rawPrefix == "" && !plausiblyEncoded(s) {
		l.rawPrefix = s
	}
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
	if l.rawPrefix == "" {
		l.rawPrefix = p.rawPrefix
	}
	l.escaped = l.escaped || p.escaped
	l.unordered = l.unordered || p.unordered
	for _, raw := range p.prefixes {
		if k := [2]string{raw, "/"}; !l.seen[k] {
			l.seen[k] = true
			l.prefixes = append(l.prefixes, raw)
		}
	}
	for _, n := range p.notes {
		l.note(n.kind, n.text)
	}
}

// clone copies the state, so that a first page can be continued more than
// once.
func (l *levelListing) clone() *levelListing {
	n := *l
	n.uploads = append([]types.MultipartUpload(nil), l.uploads...)
	n.prefixes = append([]string(nil), l.prefixes...)
	n.notes = append([]note(nil), l.notes...)
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
