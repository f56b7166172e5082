package listing

import (
	"errors"
	"fmt"
	"strings"
)

// Where two pieces of a ranged level meet (levelranges.go). A piece from
// key marker h lists what its neighbour on the left lists past h, up to
// where either stops: on both sides of h the server must say the same.
// OpenStack Swift does not: it turns key marker h into h/~, which skips
// the keys h+c with c below '/' and every key below h/ — a piece would
// lose them. Such a server is seen at the seam, the level listed again
// one page after another, and the lister learns to list that server so.

// errUnordered: a page of the level was not in key order, so its key space
// cannot be cut into ranges.
var errUnordered = errors.New("the server does not list uploads in key order")

// last is the listing that ends where l's range ends: l, or the last of
// the pieces it split into.
func (l *levelListing) last() *levelListing {
	for l.rightmost != nil {
		l = l.rightmost
	}
	return l
}

// join checks the seam at key h between a (the listing that ends the range
// left of h) and b (the piece from key marker h).
func (r *ranger) join(a, b *levelListing, h string) error {
	switch {
	case b.wrapped && a.end == "":
		return nil // past the level's end: empty
	case b.wrapped:
		return errMarkerIgnored
	case a.wrapped:
		if len(b.uploads)+len(b.prefixes) > 0 {
			return errMarkerIgnored
		}
		return nil
	}
	// The keys both must list: (h, E], E where the first to stop stops
	// ("": the level's end).
	end := a.end
	if end == "" || b.firstDone && b.firstEnd != "" && b.firstEnd < end {
		end = b.firstEnd
	}
	within := func(k string) bool { return k > h && (end == "" || k <= end) }
	left, right := a.entries(within), b.entries(within)
	var missing []string
	for e := range left {
		if !right[e] {
			missing = append(missing, e)
		}
	}
	for e := range right {
		if !left[e] {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	for _, e := range missing {
		if strings.HasPrefix(e, h) {
			r.c.sequential.Store(true)
			r.mu.Lock()
			defer r.mu.Unlock()
			r.l.note(devSkipsSubKeys, fmt.Sprintf("the server's key marker %q skipped %q, which sorts after it (OpenStack Swift turns a key marker into key/~): levels listed one page after another", h, strings.SplitN(e, "\x00", 2)[0]))
			break
		}
	}
	return r.l.bad("the pieces of the level disagree after key %q (%d entries listed by one only)", h, len(missing))
}

// entries returns the uploads (key NUL upload ID) and prefixes (prefix NUL
// "/") gathered whose key, decoded as markers are, within accepts.
func (l *levelListing) entries(within func(key string) bool) map[string]bool {
	out := map[string]bool{}
	for _, u := range l.uploads {
		if k := l.markerKey(str(u.Key)); within(k) {
			out[k+"\x00"+str(u.UploadId)] = true
		}
	}
	for _, p := range l.prefixes {
		if k := l.markerKey(p); within(k) {
			out[k+"\x00/"] = true
		}
	}
	return out
}

// markerKey decodes a raw key as far as it is known to be encoded, as
// decodeMarker does for a page.
func (l *levelListing) markerKey(raw string) string {
	encoded := l.claimed && l.implausible == "" && !l.c.rawKeys.Load()
	return decodeKey(raw, encoded && plausiblyEncoded(raw))
}
