package listing

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Proving a delimited listing complete. No single answer of a server that
// loses keys under the delimiter shows anything wrong: Ceph RGW 16 drops
// every key below a "/" and sends no common prefixes; versitygw before
// v1.9 and MinIO ignore the delimiter; storj's gateway answers a prefix
// with nothing. The first level listed of each bucket is therefore checked
// against the bucket's first page listed without the delimiter (the
// probe, sent at the same time as the level's first page): every key it
// shows, as far as the level's listing reached, must be an upload of the
// level or under one of its common prefixes. Where one is not, the bucket
// is listed without the delimiter from then on (the tree built from the
// keys, as for a server that ignores it) and the evidence noted. A level
// below the top that comes back empty is checked by one key listed from
// its prefix without the delimiter (checkEmpty).
//
// On a server that honours the delimiter this costs one request per
// bucket and lister (a mount, a report), and one per empty level.

// bucketProof is what the lister learned of one bucket's delimited
// listings: done is closed once the probe's verdict is in; flat says the
// delimiter lost keys.
type bucketProof struct {
	done   chan struct{}
	flat   bool
	proven bool // false after done: the probe failed, to be tried again
	// noPrefix: the server answers a prefix with nothing (storj): a
	// level is listed from its prefix on as a key marker, without prefix
	// or delimiter, up to the first key past the level.
	noPrefix bool
}

// levelListingOf starts a listing of a level of bucket, with the
// delimiter or without as the bucket's proof says.
func (c *S3) levelListingOf(bucket, prefix string) *levelListing {
	l := c.newLevelListing(bucket, prefix)
	if v, ok := c.proofs.Load(bucket); ok {
		p := v.(*bucketProof)
		select {
		case <-p.done:
			l.flat, l.noPrefix = p.flat, p.noPrefix && prefix != ""
		default:
		}
	}
	return l
}

// A probe is the first page of a level listed without the delimiter, sent
// alongside the level's first delimited page; nil where the bucket is
// proven already (or flat).
type probe struct {
	p         *bucketProof
	lv        *Level
	truncated bool // the page is not the whole level: its end is proven apart (lostAtEnd)
	err       error
	done      chan struct{}
}

// startProbe sends the probe for the first level of bucket the lister
// lists; a level of a bucket whose proof is under way waits for it (so
// that it is listed with or without the delimiter as the proof decides).
func (c *S3) startProbe(ctx context.Context, bucket, prefix string) (*probe, error) {
	if IsDirectoryBucket(bucket) {
		return nil, nil // S3 Express: the delimiter is S3's own
	}
	for {
		p := &bucketProof{done: make(chan struct{})}
		v, loaded := c.proofs.LoadOrStore(bucket, p)
		if !loaded {
			pr := &probe{p: p, done: make(chan struct{})}
			go func() {
				defer close(pr.done)
				pr.lv, pr.truncated, pr.err = c.flatPage(ctx, bucket, prefix, c.pageSize())
			}()
			return pr, nil
		}
		p = v.(*bucketProof)
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if p.proven {
			return nil, nil
		}
	}
}

// flatPage lists the first page of a level without the delimiter, at most
// max uploads (nil: the server's default), and whether more follow.
func (c *S3) flatPage(ctx context.Context, bucket, prefix string, max *int32) (*Level, bool, error) {
	l := c.newLevelListing(bucket, prefix)
	l.flat = true
	res, err := c.uploadsPage(ctx, bucket, prefix, "", "", "", false, max)
	if neverHadUploads(err) {
		return &Level{Prefix: prefix}, false, nil
	}
	if err != nil {
		return nil, false, c.wrap(err, opUploads, bucket, prefix, "")
	}
	if err := l.learnEncoding(ctx, res); err != nil {
		return nil, false, err
	}
	l.add(res, func(string) bool { return true }, false)
	lv, err := l.finish()
	return lv, aws.ToBool(res.IsTruncated), err
}

// endDue reports whether the level the probe checked is to have its end
// proven (lostAtEnd) once it is listed whole: the probe's page did not
// reach it.
func (pr *probe) endDue() bool { return pr != nil && pr.p.proven && !pr.p.flat && pr.truncated }

// lostAtEnd proves the end of a whole level at prefix listed with the
// delimiter, whose first page the probe proved: one key listed without the
// delimiter after its greatest entry (greatest) must not be there (a key
// of the prefix that sorts after every entry and is under none of its
// prefixes). Where
// one is, the bucket is listed without the delimiter from then on, and
// flat says the level is to be listed again.
func (c *S3) lostAtEnd(ctx context.Context, bucket, prefix, greatest string) (flat bool, notes []string, err error) {
	marker := greatest
	if strings.HasSuffix(greatest, Delimiter) {
		marker += string(utf8.MaxRune) // past the keys under it
	}
	// A page of the server's default size: a server that honours the
	// delimiter sends none (nothing of the prefix is past the level's
	// end); one whose key marker is inclusive sends the marker's own
	// uploads first.
	res, err := c.uploadsPage(ctx, bucket, prefix, "", marker, "", marker != "", nil)
	if neverHadUploads(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, c.wrap(err, opUploads, bucket, prefix, "")
	}
	l := c.newLevelListing(bucket, prefix)
	if err := l.learnEncoding(ctx, res); err != nil {
		return false, nil, err
	}
	for _, u := range res.Uploads {
		raw := str(u.Key)
		k := decodeKey(raw, c.encodes(res) && plausiblyEncoded(raw))
		// (A server that answers a marker past its last key from its
		// first, gofakes3, sends a key before it: no evidence.)
		if k > greatest && strings.HasPrefix(k, prefix) && !(strings.HasSuffix(greatest, Delimiter) && strings.HasPrefix(k, greatest)) {
			c.learnFlat(bucket, false)
			return true, c.firstNotes(bucket, append(l.notes, note{devLostKeys, fmt.Sprintf(
				"the server's listing with the delimiter %q ended before key %q, which the listing without it shows: the bucket is listed without the delimiter, its tree built from the keys", Delimiter, k)})), nil
		}
	}
	return false, c.firstNotes(bucket, l.notes), nil
}

// greatestEntry is the greatest upload key or prefix of lv ("" for none).
func greatestEntry(lv *Level) string {
	greatest := ""
	for _, u := range lv.Uploads {
		greatest = max(greatest, u.Key)
	}
	for _, p := range lv.Prefixes {
		greatest = max(greatest, p)
	}
	return greatest
}

// settle gives the probe's verdict on lv, the delimited listing of the
// probe's level, complete up to end ("": the whole level): flat when the
// probe showed a key lv does not, which is then noted in lv. A failed
// probe, or a failed listing (lv nil), lets the next level listing probe
// again; a failed probe is the listing's error.
func (pr *probe) settle(c *S3, bucket string, lv *Level, end string) (flat bool, err error) {
	if pr == nil {
		return false, nil
	}
	<-pr.done
	defer close(pr.p.done)
	if pr.err != nil || lv == nil {
		c.proofs.CompareAndDelete(bucket, pr.p)
		return false, pr.err
	}
	pr.p.proven = true
	lv.Notes = append(lv.Notes, pr.lv.Notes...)
	key := missing(pr.lv, lv, end)
	if key == "" {
		return false, nil
	}
	pr.p.flat = true
	lv.Notes = append(lv.Notes, c.firstNotes(bucket, []note{{devLostKeys, fmt.Sprintf(
		"the server's listing with the delimiter %q left out uploads that the listing without it shows (key %q): the bucket is listed without the delimiter, its tree built from the keys", Delimiter, key)}})...)
	return true, nil
}

// missing returns a key of flat (a level's first page without the
// delimiter) that lv (the level with it, complete up to end) does not
// show: neither one of its uploads nor under one of its prefixes.
func missing(flat, lv *Level, end string) string {
	keys := map[string]bool{}
	for _, us := range [][]Upload{lv.Uploads, lv.Deep} {
		for _, u := range us {
			keys[u.Key] = true
		}
	}
	prefixes := map[string]bool{}
	for _, p := range lv.Prefixes {
		prefixes[p] = true
	}
	for _, us := range [][]Upload{flat.Uploads, flat.Deep} {
		for _, u := range us {
			entry := u.Key
			if i := strings.Index(u.Key[len(lv.Prefix):], Delimiter); i >= 0 {
				entry = u.Key[:len(lv.Prefix)+i+len(Delimiter)]
			}
			if end != "" && entry > end {
				continue // past what the delimited listing reached
			}
			if !keys[u.Key] && !prefixes[entry] {
				return u.Key
			}
		}
	}
	return ""
}

// checkEmpty looks for a key under prefix, whose level came back empty: a
// server may answer a prefix with nothing (storj's gateway). One key
// listed from the prefix on, without prefix or delimiter, tells; "" where
// there is none (the level is empty: its uploads ended meanwhile).
//
// Once found, the bucket's levels are listed with neither delimiter nor
// prefix (noPrefix), which a server that loses only what the delimiter
// hides answers as well.
func (c *S3) checkEmpty(ctx context.Context, bucket, prefix string) (string, error) {
	one := int32(1)
	res, err := c.uploadsPage(ctx, bucket, "", "", prefix, "", true, &one)
	if neverHadUploads(err) {
		return "", nil
	}
	if err != nil {
		return "", c.wrap(err, opUploads, bucket, prefix, "")
	}
	if len(res.Uploads) == 0 {
		return "", nil
	}
	if k := decodeKey(str(res.Uploads[0].Key), c.encodes(res)); strings.HasPrefix(k, prefix) {
		return k, nil
	}
	return "", nil
}

// emptyLevel handles a level below the top that came back empty
// (checkEmpty): where a key is under it, the bucket is listed without
// prefix and delimiter from then on, and the level is to be listed again
// (again true); where the level was listed so already, no listing of it
// can be trusted: ErrBadResponse.
func (c *S3) emptyLevel(ctx context.Context, l *levelListing) (again bool, notes []string, err error) {
	if l.prefix == "" || IsDirectoryBucket(l.bucket) {
		return false, nil, nil
	}
	key, err := c.checkEmpty(ctx, l.bucket, l.prefix)
	switch {
	case err != nil || key == "":
		return false, nil, err
	case l.noPrefix:
		return false, nil, l.bad("the server lists nothing at prefix %q, yet key %q is under it", l.prefix, key)
	}
	c.learnFlat(l.bucket, true)
	return true, c.firstNotes(l.bucket, []note{{devLostKeys, fmt.Sprintf(
		"the server listed nothing at prefix %q, where key %q is: the bucket's levels are listed from their prefix on as a key marker, without prefix or delimiter, their tree built from the keys", l.prefix, key)}}), nil
}

// learnFlat records that bucket is listed without the delimiter (and
// without prefixes: noPrefix). A probe under way closes its own
// bucketProof, which its waiters then find replaced by this one.
func (c *S3) learnFlat(bucket string, noPrefix bool) {
	p := &bucketProof{done: make(chan struct{}), flat: true, proven: true, noPrefix: noPrefix}
	close(p.done)
	c.proofs.Store(bucket, p)
}
