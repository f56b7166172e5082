package listing

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
)

// maxSplit bounds the ranges one split makes.
const maxSplit = 32

// rangedLevel lists a level as ranges of keys at once instead of one page
// after another, as fast S3 listers do for ListObjects: after a range's
// first page, the rest of its key space (last key, end] is cut at markers
// made of the characters its keys use, and each piece is listed at once
// (Concurrency requests at a time), each piece splitting again after its own
// first page. A level of 20,000 uploads takes a handful of round trips
// instead of twenty in a row. Every piece ends when a page passes its upper
// bound or the server says the level ends; the pieces are contiguous, so
// together they cover the level whatever the distribution of keys, and
// entries listed twice at the seams are kept once.
//
// A server that answers a key marker past its last key from its first key
// (gofakes3) does so for the pieces past the level's end: such a piece is
// empty if the piece before it reached the end of the level (join).
//
// If a piece fails in a way a correct server would not (a marker it
// refuses, a bad page, pieces that do not join, pages out of key order),
// the level is listed again one page after another, with the server's own
// markers.
func (c *S3) rangedLevel(ctx context.Context, l *levelListing, first *LevelPage) error {
	r := &ranger{c: c, l: l, sem: make(chan struct{}, c.concurrency())}
	done, err := r.split(ctx, l, alphabet{}, first.Last, first.nextKey, first.nextID, "")
	if err == nil && !done {
		err = l.run(ctx, first.nextKey, first.nextID, "", nil)
	}
	if err == nil {
		err = r.err()
	}
	if err == nil && slices.ContainsFunc(append(r.pieces, l), func(p *levelListing) bool { return p.unordered }) {
		err = errUnordered // (noted by checkOrder)
	}
	switch {
	case err == nil:
		r.merge()
		return nil
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) || ctx.Err() != nil:
		return err
	}
	// What the attempt learned stays said.
	notes := l.notes
	for _, p := range r.pieces {
		notes = append(notes, p.notes...)
	}
	flat, noPrefix := l.flat, l.noPrefix
	*l = *c.newLevelListing(l.bucket, l.prefix)
	l.flat, l.noPrefix = flat, noPrefix
	for _, n := range notes {
		l.note(n.kind, n.text)
	}
	if errors.Is(err, errMarkerIgnored) {
		l.note(devMarkerIgnored, errMarkerIgnored.Error()+": listed one page after another")
	}
	return l.run(ctx, "", "", "", nil)
}

// ranger is one ranged listing: its pieces, listed concurrently.
type ranger struct {
	c      *S3
	l      *levelListing // the first piece, into which all merge
	sem    chan struct{}
	mu     sync.Mutex
	pieces []*levelListing
	errs   []error
}

// split cuts (last, hi] into pieces, lists them, and reports whether it
// did (false: nothing to cut, the caller goes on page by page). The first
// piece goes on from the server's own next markers (nextKey, nextID): a
// page that ended among the uploads of one key goes on with that key's
// next upload, which a key marker alone would skip.
//
// The characters cut at are those of the level's first page and of the
// piece's own pages (alpha, inherited by its pieces): which requests a
// listing sends depends on the server's answers only, never on which piece
// answered first.
func (r *ranger) split(ctx context.Context, from *levelListing, alpha alphabet, last, nextKey, nextID, hi string) (bool, error) {
	for _, u := range from.uploads {
		alpha.add(strings.TrimPrefix(str(u.Key), r.l.prefix))
	}
	for _, p := range from.prefixes {
		alpha.add(strings.TrimPrefix(p, r.l.prefix))
	}
	marks := splitKeys(r.l.prefix, alpha.chars(), from.firstKey(), last, hi)
	if len(marks) == 0 {
		return false, nil
	}
	bounds := append(append([]string{last}, marks...), hi)
	var pieces []*levelListing // this split's, in key order
	var wg sync.WaitGroup
	for i := 0; i+1 < len(bounds); i++ {
		lo, loID, hi := bounds[i], "", bounds[i+1]
		if i == 0 && nextKey != "" && nextKey <= bounds[1] {
			lo, loID = nextKey, nextID
		}
		piece := r.c.newLevelListing(r.l.bucket, r.l.prefix)
		piece.flat, piece.noPrefix = r.l.flat, r.l.noPrefix
		pieces = append(pieces, piece)
		r.mu.Lock()
		r.pieces = append(r.pieces, piece)
		r.mu.Unlock()
		wg.Go(func() {
			r.sem <- struct{}{}
			released := false
			release := func() {
				if !released {
					released = true
					<-r.sem
				}
			}
			defer release()
			// The piece holds a slot for its pages, not while its own
			// pieces wait for slots.
			err := piece.run(ctx, lo, loID, hi, func(last, nextKey, nextID string) (bool, error) {
				release()
				done, err := r.split(ctx, piece, alpha, last, nextKey, nextID, hi)
				if !done && err == nil {
					r.sem <- struct{}{} // page by page from here, in a slot
					released = false
				}
				return done, err
			})
			if errors.Is(err, errMarkerIgnored) && loID == "" {
				piece.wrapped, err = true, nil // empty, if the join says so
			}
			if err != nil {
				r.mu.Lock()
				r.errs = append(r.errs, err)
				r.mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := 1; i < len(pieces); i++ {
		if err := r.join(pieces[i-1].last(), pieces[i], bounds[i]); err != nil {
			r.mu.Lock()
			r.errs = append(r.errs, err)
			r.mu.Unlock()
		}
	}
	from.rightmost = pieces[len(pieces)-1].last()
	return true, nil
}

func (r *ranger) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return firstErr(r.errs)
}

// merge adds every piece's entries to the first piece's, once each.
func (r *ranger) merge() {
	n := len(r.l.uploads)
	for _, p := range r.pieces {
		n += len(p.uploads)
	}
	// The entries listed twice at the seams are dropped once sorted
	// (finish): a map of 20,000 keys costs more than the sort. Pieces
	// joined in the order of their keys leave it nothing to sort.
	slices.SortStableFunc(r.pieces, func(a, b *levelListing) int { return strings.Compare(a.firstUpload(), b.firstUpload()) })
	r.l.uploads = slices.Grow(r.l.uploads, n-len(r.l.uploads))
	for _, p := range r.pieces {
		r.l.uploads = append(r.l.uploads, p.uploads...)
		r.l.absorbAllButUploads(p)
	}
	r.l.seen = nil // no longer true of uploads
}

// firstUpload is the key of the first upload gathered, as sent: the least
// of a piece's keys (servers list in order).
func (l *levelListing) firstUpload() string {
	if len(l.uploads) == 0 {
		return ""
	}
	return str(l.uploads[0].Key)
}

// alphabet is the set of bytes seen in keys: where to cut a key space. It
// is a value: a piece's pieces start from a copy of its own.
type alphabet [256]bool

func (a *alphabet) add(s string) {
	for i := 0; i < len(s); i++ {
		a[s[i]] = true
	}
}

func (a *alphabet) chars() []byte {
	var cs []byte
	for c, ok := range a {
		if ok {
			cs = append(cs, byte(c))
		}
	}
	return cs
}

// splitKeys returns markers, sorted, strictly between last and hi ("": no
// upper bound), that cut the keys of prefix between them into pieces of
// about a page each, judging by the page that ran from first to last: keys
// are read as numbers in the alphabet of the keys seen (random IDs,
// counters, dates and names alike), the page's width in that space gives
// the density, and (last, hi] is cut where the density says a page ends.
// Nothing when the rest looks like a page or less (the caller goes on page
// by page), at most maxSplit markers otherwise; a piece that finds more
// than a page cuts again after its own first page. Only printable ASCII is
// cut at, so that every marker is a valid key.
func splitKeys(prefix string, alphabet []byte, first, last, hi string) []string {
	var digits []byte
	for _, c := range alphabet {
		if c > ' ' && c < 0x7f {
			digits = append(digits, c)
		}
	}
	if len(digits) < 2 || len(last) < len(prefix) || last[:len(prefix)] != prefix || first > last {
		return nil
	}
	num := newKeyNumbers(prefix, digits)
	vFirst, vLast, vHi := num.value(first), num.value(last), 1.0
	if hi != "" {
		vHi = num.value(hi)
	}
	width := vLast - vFirst
	if width <= 0 || vHi <= vLast {
		return nil
	}
	pages := (vHi - vLast) / width
	if pages <= 1.25 {
		return nil
	}
	var out []string
	add := func(v float64) {
		m := num.key(v)
		if m > last && (hi == "" || m < hi) && (len(out) == 0 || out[len(out)-1] < m) {
			out = append(out, m)
		}
	}
	if hi == "" && pages > maxSplit {
		// The open-ended rest of a level that the first page says is
		// longer than one split can cut into pages is most likely keys
		// that fill only the start of their key space (counters, dates):
		// pieces of growing size, the smallest first, find its end in a
		// few pieces instead of cutting the whole key space evenly.
		size, v := width*geometricFirst, vLast
		for len(out) < maxSplit && v+size < vHi {
			v += size
			add(v)
			size *= geometricRatio
		}
		return out
	}
	// Pieces of about a page: a piece that finds a little more than a
	// page sends one more request (a wave later), where pieces of two
	// thirds of a page sent half as many requests again as there are
	// pages, and more past the end of keys that fill only the start of
	// their space.
	k := min(int(math.Ceil(pages)), maxSplit+1)
	for j := 1; j < k; j++ {
		add(vLast + (vHi-vLast)*float64(j)/float64(k))
	}
	return out
}

// The open-ended rest is cut in pieces of geometricFirst pages, then each
// geometricRatio times the one before.
const (
	geometricFirst = 1.0
	geometricRatio = 2.0
)

// keyNumbers reads keys below prefix as fractions in [0, 1): each byte a
// digit of base len(digits)+1 (0 for a byte below every digit), and back.
type keyNumbers struct {
	prefix string
	digits []byte // sorted
}

// keyDepth is how many bytes of a key make its number: enough to tell
// apart the pages of 10,000 of them.
const keyDepth = 6

func newKeyNumbers(prefix string, digits []byte) keyNumbers { return keyNumbers{prefix, digits} }

func (n keyNumbers) value(key string) float64 {
	rest := strings.TrimPrefix(key, n.prefix)
	base := float64(len(n.digits) + 1)
	v, scale := 0.0, 1.0
	for i := 0; i < keyDepth && i < len(rest); i++ {
		scale /= base
		// A digit is 1 + its rank; a byte that is no digit sorts after
		// the digits below it.
		k := sort.Search(len(n.digits), func(j int) bool { return n.digits[j] >= rest[i] })
		if k < len(n.digits) && n.digits[k] == rest[i] {
			k++
		}
		v += float64(k) * scale
	}
	return v
}

func (n keyNumbers) key(v float64) string {
	base := len(n.digits) + 1
	b := []byte(n.prefix)
	for i := 0; i < keyDepth && v > 0; i++ {
		v *= float64(base)
		d := min(int(v), base-1)
		v -= float64(d)
		if d == 0 {
			d = 1 // below every digit: the least digit
		}
		b = append(b, n.digits[d-1])
	}
	return string(b)
}
