package listing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A level handed out page by page (ScanLevel), for the walks that need
// every upload once and no level whole: the report over a level of a
// million uploads holds a page or two of it, not the level.

// ErrStartOver is what ScanLevel returns when a later page shows that the
// keys of pages already handed out were decoded wrongly: the server said
// EncodingType=url and sent a key no encoder writes (SeaweedFS) after
// pages whose keys read differently decoded; or (an error wrapping it)
// the bucket's proof found, past the level's end, keys the delimiter lost
// (proof.go). The lister has learned the server meanwhile; whoever counted those pages throws the count away and
// scans again, and the second scan decides every page right from the
// first.
var ErrStartOver = errors.New("the server's key encoding showed itself only after pages had been handed out: scan again")

// ScanLevel lists one level of bucket under prefix (as Level does: the
// same requests, absorbing the same deviations, verifying every page) one
// page after another with the server's own markers, and calls each with
// every page's entries as soon as the page is verified: its uploads sorted
// (Uploads and, from a server that ignores the delimiter, Deep), and its
// common prefixes (on a page with Deep, those its deep keys fall in, as
// in Level). Nothing of a page is kept after each returns but what
// verifying the next needs: the uploads of the page before, which an
// inclusive marker repeats, the markers followed, and the level's common
// prefixes, each handed out once.
//
// The bucket's proof (proof.go) is settled before the first page is
// handed out: a level whose delimiter lost keys is scanned without it.
// Where Level decides over the whole level whether keys were URL-encoded,
// ScanLevel decides each page by what the pages so far show; when a later
// page reverses the decision for keys already handed out decoded, it
// returns ErrStartOver. A level with both common prefixes and keys below
// them is ErrBadResponse: a walk would count those keys twice.
//
// each's error ends the scan and is returned.
func (c *S3) ScanLevel(ctx context.Context, bucket, prefix string, each func(*Level) error) error {
	pr, err := c.startProbe(ctx, bucket, prefix)
	if err != nil {
		return err
	}
	var notes []string // said by a scan that is done again flat
	for {
		s, err := c.scanLevel(ctx, bucket, prefix, pr, notes, each)
		if !s.proven {
			if _, perr := pr.settle(c, bucket, nil, ""); err == nil {
				err = perr
			}
		}
		if err == nil && pr.endDue() && !s.deep {
			err = s.proveEnd(ctx)
		}
		if err == nil && !s.handed {
			var again bool
			var more []string
			if again, more, err = c.emptyLevel(ctx, s.l); again {
				err = errFlat
			}
			s.notes = append(s.notes, more...)
		}
		if !errors.Is(err, errFlat) {
			return err
		}
		pr, notes = nil, s.notes
	}
}

// errFlat ends a scan whose first page the proof found lacking: the level
// is scanned again without the delimiter.
var errFlat = errors.New("the delimiter lost keys")

// scanLevel is one scan of the level (ScanLevel).
func (c *S3) scanLevel(ctx context.Context, bucket, prefix string, pr *probe, notes []string, each func(*Level) error) (*scan, error) {
	l := c.levelListingOf(bucket, prefix)
	s := &scan{l: l, each: each, probe: pr, proven: pr == nil, notes: notes}
	l.scan = s.page
	err := l.run(ctx, "", "", "", nil)
	if errors.Is(err, errMarkerIgnored) {
		err = l.bad("the page after a marker went back before it")
	}
	return s, err
}

// scan is the state of one ScanLevel besides its levelListing's.
type scan struct {
	l    *levelListing
	each func(*Level) error
	// The proof of the bucket, settled on the first page (nil: none
	// due), and the notes to hand out with the first page.
	probe    *probe
	proven   bool
	notes    []string
	handed   bool   // a page with an entry was handed out
	greatest string // the greatest key or prefix handed out
	// What the pages handed out so far held: keys and prefixes that
	// decoding changed, deep uploads, common prefixes sent.
	decodedKeys, decodedPrefixes bool
	deep, prefixes               bool
	// before are the uploads of the page handed out last, which are all
	// of the uploads the listing's seen set keeps; it keeps every common
	// prefix (OpenStack Swift sends one again pages later).
	before [][2]string
}

// proveEnd proves the end of the level scanned (lostAtEnd): errFlat where
// the delimiter lost keys and nothing was handed out yet, an error
// wrapping ErrStartOver where pages were.
func (s *scan) proveEnd(ctx context.Context) error {
	flat, notes, err := s.l.c.lostAtEnd(ctx, s.l.bucket, s.l.prefix, s.greatest)
	s.notes = append(s.notes, notes...)
	switch {
	case err != nil || !flat:
		return err
	case s.handed:
		return fmt.Errorf("%s: %w", strings.Join(notes, "; "), ErrStartOver)
	}
	return errFlat
}

// prove settles the bucket's proof on the scan's first page lv (res as
// sent), before it is handed out: errFlat where the delimiter lost keys.
// A page that is not the level's last, or is full (a server may say a
// full page is the last wrongly), proves as far as it reaches.
func (s *scan) prove(res *s3.ListMultipartUploadsOutput, lv *Level) error {
	s.proven = true
	end := ""
	if aws.ToBool(res.IsTruncated) || s.l.c.full(res) {
		if end = s.l.pageEnd(res); end == "" {
			end = s.l.prefix // no entry: it proves nothing
		}
	}
	flat, err := s.probe.settle(s.l.c, s.l.bucket, lv, end)
	if flat {
		s.notes = append(s.notes, lv.Notes...)
		return errFlat
	}
	return err
}

// page hands out what the listing gathered since the last page, and
// keeps only that page's entries to tell a repeat at the next page's head.
func (s *scan) page(res *s3.ListMultipartUploadsOutput) error {
	l := s.l
	keysChange := l.keysChange()
	prefixesChange := l.prefixesChange()
	sent := len(l.prefixes) > 0
	lv, err := l.finish()
	if err != nil {
		return err
	}
	keysEncoded := l.claimed && l.implausible == "" && !l.c.rawKeys.Load()
	prefixesEncoded := keysEncoded && !l.c.rawPrefixes.Load()
	s.decodedKeys = s.decodedKeys || keysEncoded && keysChange
	s.decodedPrefixes = s.decodedPrefixes || prefixesEncoded && prefixesChange
	if s.decodedKeys && !keysEncoded || s.decodedPrefixes && !prefixesEncoded {
		return ErrStartOver
	}
	s.deep = s.deep || lv.Deep != nil
	s.prefixes = s.prefixes || sent
	if s.deep && s.prefixes {
		return l.bad("the server sent common prefixes and, in the same level, keys below them")
	}
	if !s.proven {
		if err := s.prove(res, lv); err != nil {
			return err
		}
	}
	lv.Notes = append(s.notes, lv.Notes...)
	s.notes = nil
	s.handed = s.handed || len(lv.Uploads)+len(lv.Deep)+len(lv.Prefixes) > 0
	s.greatest = max(s.greatest, greatestEntry(lv))
	for _, k := range s.before {
		delete(l.seen, k)
	}
	s.before = s.before[:0]
	for _, u := range l.uploads {
		s.before = append(s.before, [2]string{str(u.Key), str(u.UploadId)})
	}
	l.uploads, l.prefixes = nil, nil
	return s.each(lv)
}

// prefixesChange reports whether decoding changes a common prefix gathered.
func (l *levelListing) prefixesChange() bool {
	for _, p := range l.prefixes {
		if decodeKey(p, true) != p {
			return true
		}
	}
	return false
}
