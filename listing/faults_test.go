package listing_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/listing"
)

// stub answers the listing calls from functions, for faults that no server
// at hand produces (markers that never advance, impossible part numbers).
type stub struct {
	listing.S3API // the calls a test does not answer (nil: they panic)
	calls         atomic.Int32
	parts         func(in *s3.ListPartsInput) *s3.ListPartsOutput
	uploads       func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput
}

func (s *stub) ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	return &s3.ListBucketsOutput{}, nil
}

func (s *stub) ListDirectoryBuckets(context.Context, *s3.ListDirectoryBucketsInput, ...func(*s3.Options)) (*s3.ListDirectoryBucketsOutput, error) {
	return &s3.ListDirectoryBucketsOutput{}, nil
}

func (s *stub) ListMultipartUploads(_ context.Context, in *s3.ListMultipartUploadsInput, _ ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	if s.calls.Add(1) > 100_000 {
		panic("listing loops")
	}
	return s.uploads(in), nil
}

func (s *stub) ListParts(_ context.Context, in *s3.ListPartsInput, _ ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	if s.calls.Add(1) > 100_000 {
		panic("listing loops")
	}
	if s.parts == nil {
		// A test of level pages only: no upload is known (the listing asks
		// ListParts to learn how a server encodes keys).
		return nil, &types.NoSuchUpload{}
	}
	return s.parts(in), nil
}

func part(n int32) types.Part {
	return types.Part{PartNumber: aws.Int32(n), Size: aws.Int64(1), ETag: aws.String(`"e"`)}
}

func TestBadPartPages(t *testing.T) {
	cases := map[string]func(in *s3.ListPartsInput) *s3.ListPartsOutput{
		"marker never advances": func(in *s3.ListPartsInput) *s3.ListPartsOutput {
			return &s3.ListPartsOutput{Parts: []types.Part{part(1)}, IsTruncated: aws.Bool(true), NextPartNumberMarker: aws.String("1")}
		},
		"truncated without marker": func(in *s3.ListPartsInput) *s3.ListPartsOutput {
			return &s3.ListPartsOutput{Parts: []types.Part{part(1)}, IsTruncated: aws.Bool(true)}
		},
		"page repeats entries": func(in *s3.ListPartsInput) *s3.ListPartsOutput {
			if in.PartNumberMarker == nil {
				return &s3.ListPartsOutput{Parts: []types.Part{part(1), part(2)}, IsTruncated: aws.Bool(true), NextPartNumberMarker: aws.String("2")}
			}
			// (Part 2 again would be the marker part of an inclusive
			// server, absorbed; part 1 is a repeat no server may send.)
			return &s3.ListPartsOutput{Parts: []types.Part{part(1), part(3)}}
		},
		"part number 0": func(*s3.ListPartsInput) *s3.ListPartsOutput { return &s3.ListPartsOutput{Parts: []types.Part{part(0)}} },
		"part number 10001": func(*s3.ListPartsInput) *s3.ListPartsOutput {
			return &s3.ListPartsOutput{Parts: []types.Part{part(10001)}}
		},
		"negative size": func(*s3.ListPartsInput) *s3.ListPartsOutput {
			p := part(1)
			p.Size = aws.Int64(-1)
			return &s3.ListPartsOutput{Parts: []types.Part{p}}
		},
		"marker beyond 10000": func(in *s3.ListPartsInput) *s3.ListPartsOutput {
			return &s3.ListPartsOutput{Parts: []types.Part{part(1)}, IsTruncated: aws.Bool(true), NextPartNumberMarker: aws.String("10001")}
		},
	}
	for name, page := range cases {
		t.Run(name, func(t *testing.T) {
			s := &stub{parts: page}
			_, err := listing.NewS3(s).Parts(context.Background(), "b", "k", "u")
			if !errors.Is(err, listing.ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
			// The first page, the ranges (ten at most), a page of
			// fallback.
			if s.calls.Load() > 12 {
				t.Fatalf("%d calls before giving up", s.calls.Load())
			}
		})
	}
}

func TestBadUploadPages(t *testing.T) {
	up := func(key, id string) types.MultipartUpload {
		return types.MultipartUpload{Key: aws.String(key), UploadId: aws.String(id)}
	}
	cases := map[string]func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput{
		"marker repeats": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			n := aws.ToString(in.KeyMarker) + "x"
			if len(n) > 3 {
				n = "x"
			}
			return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{up(n, "1")}, IsTruncated: aws.Bool(true), NextKeyMarker: aws.String(n), NextUploadIdMarker: aws.String("1")}
		},
		"truncated without marker": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{up("a", "1")}, IsTruncated: aws.Bool(true)}
		},
		"upload without an ID": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{up("p/a", "")}}
		},
		"empty truncated pages forever": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{IsTruncated: aws.Bool(true), NextKeyMarker: aws.String(aws.ToString(in.KeyMarker) + "x")}
		},
		"truncated empty page without markers": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{IsTruncated: aws.Bool(true)}
		},
		"prefix two levels down": func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			return &s3.ListMultipartUploadsOutput{CommonPrefixes: []types.CommonPrefix{{Prefix: aws.String("p/a/b/")}}}
		},
	}
	for name, page := range cases {
		t.Run(name, func(t *testing.T) {
			s := &stub{uploads: page}
			_, err := listing.NewS3(s).Level(context.Background(), "b", "p/")
			if !errors.Is(err, listing.ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
			// A few pages of ranges, then the sequential fallback's.
			if s.calls.Load() > 16 {
				t.Fatalf("%d calls before giving up", s.calls.Load())
			}
		})
	}
}

// Keys arrive URL-encoded when the server says so; "null" means absent; a
// server that ignores the delimiter still gives one level.
func TestLevelDecoding(t *testing.T) {
	s := &stub{uploads: func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
		if in.EncodingType != types.EncodingTypeUrl {
			panic("request without EncodingType=url")
		}
		return &s3.ListMultipartUploadsOutput{
			EncodingType: types.EncodingTypeUrl,
			Uploads: []types.MultipartUpload{
				{Key: aws.String("p/a%01b+c%2B"), UploadId: aws.String("1"), StorageClass: "null", ChecksumAlgorithm: "null", Initiator: &types.Initiator{ID: aws.String("null")}},
				{Key: aws.String("p/deep/er"), UploadId: aws.String("2")},
			},
		}
	}}
	lv, err := listing.NewS3(s).Level(context.Background(), "b", "p/")
	if err != nil {
		t.Fatal(err)
	}
	if len(lv.Uploads) != 1 || lv.Uploads[0].Key != "p/a\x01b c+" {
		t.Fatalf("uploads %+v, want the decoded key p/a\\x01b c+", lv.Uploads)
	}
	if u := lv.Uploads[0]; u.StorageClass != "" || u.ChecksumAlgorithm != "" || u.InitiatorID != "" {
		t.Fatalf(`"null" fields not treated as absent: %+v`, u)
	}
	if fmt.Sprint(lv.Prefixes) != "[p/deep/]" {
		t.Fatalf("prefixes %q, want the deep key folded into p/deep/", lv.Prefixes)
	}
}

// Real HTTP answers with S3 error bodies, through the real SDK client.
func TestErrorKinds(t *testing.T) {
	cases := []struct {
		status int
		code   string
		want   error
	}{
		{403, "AccessDenied", listing.ErrAccessDenied},
		{403, "InvalidAccessKeyId", listing.ErrAccessDenied},
		{404, "NoSuchBucket", listing.ErrNotFound},
		{404, "NoSuchUpload", listing.ErrNotFound},
		{404, "NoSuchKey", listing.ErrNotFound}, // Ceph RGW's for an unknown upload ID
		{503, "SlowDown", listing.ErrUnavailable},
		{500, "InternalError", listing.ErrUnavailable},
		{400, "InvalidArgument", listing.ErrBadResponse},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>test</Message></Error>`, tc.code)
			}))
			defer srv.Close()
			c := s3.New(s3.Options{
				Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
			})
			_, err := listing.NewS3(c).Parts(context.Background(), "b", "k", "u")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == listing.ErrUnavailable && hits.Load() < 2 {
				t.Fatalf("%s not retried (%d requests)", tc.code, hits.Load())
			}
		})
	}
}

func TestCancelledListing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &stub{parts: func(in *s3.ListPartsInput) *s3.ListPartsOutput {
		cancel()
		return &s3.ListPartsOutput{Parts: []types.Part{part(1)}, IsTruncated: aws.Bool(true), NextPartNumberMarker: aws.String("1")}
	}}
	_, err := listing.NewS3(&cancelling{s}).Parts(ctx, "b", "k", "u")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled in the chain", err)
	}
}

// cancelling returns the context's error once it is cancelled, as the SDK
// does.
type cancelling struct{ *stub }

func (c *cancelling) ListParts(ctx context.Context, in *s3.ListPartsInput, o ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.stub.ListParts(ctx, in, o...)
}

// A server that claims EncodingType=url for keys it did not encode
// (SeaweedFS): a page with a key that cannot be encoding is taken as sent,
// noted, and no key takes the level down.
func TestEncodingClaimNotHonoured(t *testing.T) {
	up := func(key string) types.MultipartUpload {
		return types.MultipartUpload{Key: aws.String(key), UploadId: aws.String("1")}
	}
	for _, tc := range []struct {
		keys  []string
		want  []string
		noted bool
	}{
		{[]string{"p/odd+key%41.bin", "p/100%.bin"}, []string{"p/100%.bin", "p/odd+key%41.bin"}, true},
		{[]string{"p/with space", "p/a%2Bb"}, []string{"p/a%2Bb", "p/with space"}, true},
		{[]string{"p/a%2Bb", "p/x+y"}, []string{"p/a+b", "p/x y"}, false}, // really encoded
	} {
		s := &stub{uploads: func(*s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			out := &s3.ListMultipartUploadsOutput{EncodingType: types.EncodingTypeUrl}
			for _, k := range tc.keys {
				out.Uploads = append(out.Uploads, up(k))
			}
			return out
		}}
		lv, err := listing.NewS3(s).Level(context.Background(), "b", "p/")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range lv.Uploads {
			got = append(got, u.Key)
		}
		if !slices.Equal(got, tc.want) || (len(lv.Notes) > 0) != tc.noted {
			t.Fatalf("keys %q: got %q, notes %q; want %q, noted %v", tc.keys, got, lv.Notes, tc.want, tc.noted)
		}
	}
}

// What a server gets wrong without losing anything is absorbed: the level
// comes out exact, and each kind of deviation is noted once per bucket.
func TestAbsorbedUploadPages(t *testing.T) {
	up := func(key, id string) types.MultipartUpload {
		return types.MultipartUpload{Key: aws.String(key), UploadId: aws.String(id)}
	}
	page := func(truncated bool, next string, ups ...types.MultipartUpload) *s3.ListMultipartUploadsOutput {
		out := &s3.ListMultipartUploadsOutput{Uploads: ups, IsTruncated: aws.Bool(truncated)}
		if next != "" {
			out.NextKeyMarker, out.NextUploadIdMarker = aws.String(next), aws.String("1")
		}
		return out
	}
	cases := map[string]struct {
		pages map[string]*s3.ListMultipartUploadsOutput // by key marker
		note  string
	}{
		"entries outside the prefix (Swift's key videos in videos/)": {map[string]*s3.ListMultipartUploadsOutput{
			"": page(false, "", up("p", "1"), up("p/a", "1"), up("p/b", "1"), up("p/c", "1")),
		}, "outside the requested prefix"},
		"the marker entry at the head of the next page": {map[string]*s3.ListMultipartUploadsOutput{
			"":    page(true, "p/b", up("p/a", "1"), up("p/b", "1")),
			"p/b": page(false, "", up("p/b", "1"), up("p/c", "1")),
		}, "inclusive markers"},
		"an empty truncated page": {map[string]*s3.ListMultipartUploadsOutput{
			"":    page(true, "p/a", up("p/a", "1")),
			"p/a": page(true, "p/b"),
			"p/b": page(false, "", up("p/b", "1"), up("p/c", "1")),
		}, "no new entries"},
		"no next markers on a truncated page": {map[string]*s3.ListMultipartUploadsOutput{
			"":    page(true, "", up("p/a", "1")),
			"p/a": page(false, "", up("p/b", "1"), up("p/c", "1")),
		}, "without next markers"},
		"pages out of key order (Swift's KEY/UPLOADID order)": {map[string]*s3.ListMultipartUploadsOutput{
			"": page(false, "", up("p/b", "1"), up("p/a", "1"), up("p/c", "1")),
		}, "out of key order"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &stub{uploads: func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
				pg, ok := tc.pages[aws.ToString(in.KeyMarker)]
				if !ok && in.Delimiter == nil {
					return page(false, "") // the proof's look past the level's end: nothing
				}
				if !ok {
					panic("unexpected key marker " + aws.ToString(in.KeyMarker))
				}
				return pg
			}}
			l := listing.NewS3(s)
			l.Concurrency = 1
			for i := range 2 {
				lv, err := l.Level(context.Background(), "b", "p/")
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for _, u := range lv.Uploads {
					keys = append(keys, u.Key)
				}
				if fmt.Sprint(keys) != "[p/a p/b p/c]" {
					t.Fatalf("uploads %q, want [p/a p/b p/c]", keys)
				}
				noted := slices.ContainsFunc(lv.Notes, func(n string) bool { return strings.Contains(n, tc.note) })
				if noted != (i == 0) || len(lv.Notes) > 1-i {
					t.Fatalf("listing %d: notes %q, want one with %q the first time, none after", i+1, lv.Notes, tc.note)
				}
			}
		})
	}
}
