package listing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// walked is what a walk of a bucket found: every upload as "key id", and
// the most uploads one page handed out.
type walked struct {
	uploads []string
	pages   int
	most    int
}

// walkByLevel walks bucket with Level (Sub for a flat level), as the mount
// does.
func walkByLevel(t *testing.T, l *listing.S3, bucket, prefix string, lv *listing.Level, w *walked) {
	t.Helper()
	if lv == nil {
		var err error
		if lv, err = l.Level(context.Background(), bucket, prefix); err != nil {
			t.Fatalf("level %q: %v", prefix, err)
		}
	}
	for _, u := range lv.Uploads {
		w.uploads = append(w.uploads, u.Key+" "+u.ID)
	}
	for _, p := range lv.Prefixes {
		var sub *listing.Level
		if lv.Flat() {
			sub = lv.Sub(p)
		}
		walkByLevel(t, l, bucket, p, sub, w)
	}
}

// walkByScan walks bucket with ScanLevel, as the report does: deep uploads
// from the pages, no sub-level of a flat level.
func walkByScan(l *listing.S3, bucket, prefix string, w *walked) error {
	var subs []string
	err := l.ScanLevel(context.Background(), bucket, prefix, func(lv *listing.Level) error {
		w.pages++
		w.most = max(w.most, len(lv.Uploads)+len(lv.Deep))
		for _, u := range append(lv.Uploads, lv.Deep...) {
			w.uploads = append(w.uploads, u.Key+" "+u.ID)
		}
		if !lv.Flat() {
			subs = append(subs, lv.Prefixes...)
		}
		return nil
	})
	for _, p := range subs {
		if err != nil {
			break
		}
		err = walkByScan(l, bucket, p, w)
	}
	return err
}

// Over every server kind the fault proxy reproduces, a walk by ScanLevel
// finds every upload once, exactly as a walk by Level does, in pages of
// at most a page of uploads (two where a refused upload-id marker adds
// the boundary key's); a level of several pages is handed out in several.
func TestScanLevelAgreesWithLevel(t *testing.T) {
	const bucket = "scan"
	srv := s3server.StartT(t, bucket)
	c := srv.Client()
	keys := s3server.OddKeys()
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("k/%03d", i), fmt.Sprintf("k/%03d/in", i%10))
	}
	for i := range 12 {
		keys = append(keys, fmt.Sprintf("plus/a+%02d", i)) // a page ends at a key an encoder changes
	}
	if err := s3server.StartUploads(t.Context(), c, bucket, keys); err != nil {
		t.Fatal(err)
	}
	p := faultproxy.NewT(t, srv.URL)
	const pageSize = 5
	for _, mode := range []faultproxy.Fault{faultproxy.None, faultproxy.Swift, faultproxy.MinIOFlat, faultproxy.SeaweedUploads,
		faultproxy.VersityMarker, faultproxy.InclusiveUploads} {
		t.Run(mode.String(), func(t *testing.T) {
			p.SetRule(func(r faultproxy.Request) faultproxy.Fault {
				if r.Op == "ListMultipartUploads" {
					return mode
				}
				return faultproxy.None
			})
			lister := func() *listing.S3 {
				l := listing.NewS3(s3server.Via(c, p.URL))
				l.PageSize = pageSize
				return l
			}
			var byLevel walked
			walkByLevel(t, lister(), bucket, "", nil, &byLevel)
			var byScan walked
			l := lister()
			err := walkByScan(l, bucket, "", &byScan)
			if errors.Is(err, listing.ErrStartOver) {
				t.Logf("scan again: %v", err)
				byScan = walked{}
				err = walkByScan(l, bucket, "", &byScan)
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(byLevel.uploads)
			slices.Sort(byScan.uploads)
			if len(byScan.uploads) != len(keys) || !slices.Equal(byScan.uploads, byLevel.uploads) {
				t.Fatalf("%d uploads by ScanLevel, %d by Level, %d started:\n%q\n%q", len(byScan.uploads), len(byLevel.uploads), len(keys), byScan.uploads, byLevel.uploads)
			}
			if mode != faultproxy.MinIOFlat && (byScan.most > 2*pageSize || byScan.pages < len(keys)/pageSize) {
				t.Fatalf("%d pages handed out, %d uploads at most in one: not a page at a time", byScan.pages, byScan.most)
			}
		})
	}
}

// A page that shows the server did not URL-encode, after pages whose keys
// were handed out decoded, ends the scan with ErrStartOver; the lister has
// learned, and the second scan hands out the keys as sent.
func TestScanLevelStartsOver(t *testing.T) {
	up := func(key string) types.MultipartUpload {
		return types.MultipartUpload{Key: aws.String(key), UploadId: aws.String("1")}
	}
	s := &stub{uploads: func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
		if aws.ToString(in.KeyMarker) == "" {
			return &s3.ListMultipartUploadsOutput{EncodingType: types.EncodingTypeUrl, Uploads: []types.MultipartUpload{up("p/a+b")},
				IsTruncated: aws.Bool(true), NextKeyMarker: aws.String("p/a+b"), NextUploadIdMarker: aws.String("1")}
		}
		return &s3.ListMultipartUploadsOutput{EncodingType: types.EncodingTypeUrl, Uploads: []types.MultipartUpload{up("p/with space")}}
	}}
	l := listing.NewS3(s)
	scan := func() ([]string, error) {
		var keys []string
		err := l.ScanLevel(context.Background(), "b", "p/", func(lv *listing.Level) error {
			for _, u := range lv.Uploads {
				keys = append(keys, u.Key)
			}
			return nil
		})
		return keys, err
	}
	keys, err := scan()
	if !errors.Is(err, listing.ErrStartOver) || fmt.Sprint(keys) != "[p/a b]" {
		t.Fatalf("first scan: %q, %v; want [p/a b] handed out, then ErrStartOver", keys, err)
	}
	keys, err = scan()
	if err != nil || fmt.Sprint(keys) != "[p/a+b p/with space]" {
		t.Fatalf("second scan: %q, %v; want the keys as sent", keys, err)
	}
}

// Deviations that lose nothing are absorbed page by page as Level absorbs
// them; faults are ErrBadResponse, as from Level; and a level with common
// prefixes and keys below them, which a walk would count twice, is one.
func TestScanLevelFaults(t *testing.T) {
	up := func(key, id string) types.MultipartUpload {
		return types.MultipartUpload{Key: aws.String(key), UploadId: aws.String(id)}
	}
	keysOf := func(s *stub) ([]string, error) {
		var keys []string
		err := listing.NewS3(s).ScanLevel(context.Background(), "b", "p/", func(lv *listing.Level) error {
			for _, u := range append(lv.Uploads, lv.Deep...) {
				keys = append(keys, u.Key)
			}
			return nil
		})
		return keys, err
	}
	// The marker's entry again at the head of the next page, an empty
	// truncated page, a page without next markers.
	pages := map[string]*s3.ListMultipartUploadsOutput{
		"":    {Uploads: []types.MultipartUpload{up("p/a", "1"), up("p/b", "1")}, IsTruncated: aws.Bool(true), NextKeyMarker: aws.String("p/b"), NextUploadIdMarker: aws.String("1")},
		"p/b": {Uploads: []types.MultipartUpload{up("p/b", "1"), up("p/c", "1")}, IsTruncated: aws.Bool(true)},
		"p/c": {IsTruncated: aws.Bool(true), NextKeyMarker: aws.String("p/d")},
		"p/d": {Uploads: []types.MultipartUpload{up("p/d", "1")}},
	}
	keys, err := keysOf(&stub{uploads: func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
		return pages[aws.ToString(in.KeyMarker)]
	}})
	if err != nil || fmt.Sprint(keys) != "[p/a p/b p/c p/d]" {
		t.Fatalf("absorbed: %q, %v", keys, err)
	}
	for name, page := range map[string]func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput{
		"marker repeats": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{up("p/a"+aws.ToString(in.KeyMarker), "1")}, IsTruncated: aws.Bool(true), NextKeyMarker: aws.String("p/x"), NextUploadIdMarker: aws.String("1")}
		},
		"upload without an ID": func(*s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{up("p/a", "")}}
		},
		"prefixes and keys below them": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			if aws.ToString(in.KeyMarker) == "" {
				return &s3.ListMultipartUploadsOutput{CommonPrefixes: []types.CommonPrefix{{Prefix: aws.String("p/q/")}}, IsTruncated: aws.Bool(true), NextKeyMarker: aws.String("p/q/")}
			}
			return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{up("p/r/s", "1")}}
		},
	} {
		if keys, err := keysOf(&stub{uploads: page}); !errors.Is(err, listing.ErrBadResponse) {
			t.Errorf("%s: %q, %v; want ErrBadResponse", name, keys, err)
		}
	}
}

// each's error ends the scan: no further page is asked for (three pages,
// and the bucket's proof: its first page without the delimiter).
func TestScanLevelStopsOnError(t *testing.T) {
	s := &stub{uploads: func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
		next := max(aws.ToString(in.KeyMarker), "p/") + "x"
		return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{{Key: aws.String(next), UploadId: aws.String("1")}},
			IsTruncated: aws.Bool(true), NextKeyMarker: aws.String(next), NextUploadIdMarker: aws.String("1")}
	}}
	stop := errors.New("enough")
	n := 0
	err := listing.NewS3(s).ScanLevel(context.Background(), "b", "p/", func(*listing.Level) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || s.calls.Load() != 4 || !strings.Contains(err.Error(), "enough") {
		t.Fatalf("%v after %d requests; want the callback's error after 4", err, s.calls.Load())
	}
}
