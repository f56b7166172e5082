package listing

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/uploadfs/uploadfs/listing/internal/sdkdecode"
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
	lv, err := c.RestOfLevel(ctx, first)
	if err != nil {
		return nil, err
	}
	lv.Notes = append(first.Notes, lv.Notes...) // each said once: by the page that saw it first
	return lv, nil
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

	endDue          bool // the level's end is to be proven (lostAtEnd)
	l               *levelListing
	nextKey, nextID string
}

// Complete reports whether what the page says of key (an upload key, or a
// prefix ending in "/") is all there is: the page is the whole level, or
// key sorts before the page's last entry and is not that entry's prefix.
func (pg *LevelPage) Complete(key string) bool {
	return !pg.Truncated || key < pg.Last && !strings.HasPrefix(pg.Last, key)
}

// FirstLevelPage lists the first page of one level (see Level). The first
// level listed of a bucket is proven against the bucket's listing without
// the delimiter, and an empty level below the top checked (proof.go):
// where the delimiter lost keys, the level is listed again without it.
func (c *S3) FirstLevelPage(ctx context.Context, bucket, prefix string) (*LevelPage, error) {
	pr, err := c.startProbe(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	pg, err := c.firstLevelPage(ctx, bucket, prefix)
	var lv *Level
	end := ""
	if err == nil {
		lv = pg.Level
		if pg.Truncated {
			end = pg.Last
		}
	}
	flat, perr := pr.settle(c, bucket, lv, end)
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	var notes []string
	switch {
	case flat:
	case pr.endDue() && pg.Truncated:
		pg.endDue = true // RestOfLevel proves it
	case pr.endDue():
		flat, notes, err = c.lostAtEnd(ctx, bucket, prefix, greatestEntry(pg.Level))
	case pg.empty():
		flat, notes, err = c.emptyLevel(ctx, pg.l)
	}
	if err != nil {
		return nil, err
	}
	pg.Notes = append(pg.Notes, notes...)
	if !flat {
		return pg, nil
	}
	again, err := c.FirstLevelPage(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	again.Notes = append(pg.Notes, again.Notes...)
	return again, nil
}

// firstLevelPage lists the first page of one level, with the delimiter
// or without as the bucket's proof says.
func (c *S3) firstLevelPage(ctx context.Context, bucket, prefix string) (*LevelPage, error) {
	l := c.levelListingOf(bucket, prefix)
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

// empty reports whether the page is a whole level without an entry.
func (pg *LevelPage) empty() bool {
	return !pg.Truncated && len(pg.Uploads)+len(pg.Prefixes)+len(pg.Deep) == 0
}

// RestOfLevel lists the rest of the level whose first page is first, and
// returns the whole level. Directory buckets (unsorted), a Concurrency of
// 1 and servers learned not to allow ranges (leveldeviations.go, levelseams.go)
// go on one page after another; others as ranges of keys at once
// (levelranges.go). first may be used again.
func (c *S3) RestOfLevel(ctx context.Context, first *LevelPage) (*Level, error) {
	l := first.l.clone()
	if !first.Truncated {
		return l.finish()
	}
	var err error
	if IsDirectoryBucket(l.bucket) || c.concurrency() < 2 || c.sequential.Load() || l.noPrefix {
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
	lv, err := l.finish()
	if err != nil || !first.endDue || lv.Flat() {
		return lv, err
	}
	flat, notes, err := c.lostAtEnd(ctx, l.bucket, l.prefix, greatestEntry(lv))
	if err != nil || !flat {
		lv.Notes = append(lv.Notes, notes...)
		return lv, err
	}
	again, err := c.Level(ctx, l.bucket, l.prefix)
	if err != nil {
		return nil, err
	}
	again.Notes = append(notes, again.Notes...)
	return again, nil
}

// uploadsPage sends one ListMultipartUploads of at most max uploads (nil:
// the server's default).
func (c *S3) uploadsPage(ctx context.Context, bucket, prefix, delimiter, keyMarker, idMarker string, markers bool, max *int32) (*s3.ListMultipartUploadsOutput, error) {
	in := &s3.ListMultipartUploadsInput{
		Bucket:              aws.String(bucket),
		EncodingType:        types.EncodingTypeUrl,
		MaxUploads:          max,
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
	return c.api.ListMultipartUploads(ctx, in, sdkdecode.ListMultipartUploads)
}

// refusesMarker recognises versitygw's answer to its own upload-id marker:
// 400 InvalidArgument.
func refusesMarker(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidArgument"
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
