package manyuploads

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/listing"
)

func start(t *testing.T, n int) (*Server, *s3.Client) {
	t.Helper()
	s := &Server{Bucket: "bkt", Prefix: "uploads/", Uploads: n, Initiated: time.Unix(1.7e9, 0)}
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
	})
}

// Paging with the SDK, following both markers, lists every upload once in
// key order; the markers are exclusive, the page sizes S3's.
func TestPagesAsS3(t *testing.T) {
	const n = 2500
	s, c := start(t, n)
	ctx := context.Background()
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), Prefix: aws.String("uploads/"), Delimiter: aws.String("/"), MaxUploads: aws.Int32(700)}
	var keys []string
	pages := 0
	for {
		out, err := c.ListMultipartUploads(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Uploads) > 700 || len(out.CommonPrefixes) > 0 {
			t.Fatalf("page of %d uploads, %d prefixes", len(out.Uploads), len(out.CommonPrefixes))
		}
		for _, u := range out.Uploads {
			if id := uploadID(len(keys)); aws.ToString(u.UploadId) != id || u.Initiated == nil {
				t.Fatalf("upload %d: id %s, want %s", len(keys), aws.ToString(u.UploadId), id)
			}
			keys = append(keys, aws.ToString(u.Key))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if last := keys[len(keys)-1]; aws.ToString(out.NextKeyMarker) != last {
			t.Fatalf("next key marker %s, want the last key listed %s", aws.ToString(out.NextKeyMarker), last)
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	if len(keys) != n || pages != 4 {
		t.Fatalf("%d uploads in %d pages, want %d in 4", len(keys), pages, n)
	}
	for i, k := range keys {
		if k != s.key(i) || i > 0 && k <= keys[i-1] || !strings.HasPrefix(k, "uploads/") {
			t.Fatalf("key %d %q out of order or not upload %d's", i, k, i)
		}
	}
	// A key marker alone skips its key; with an upload-id marker before its
	// upload, the key is listed again.
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), KeyMarker: aws.String(keys[10]), MaxUploads: aws.Int32(1)})
	if err != nil || len(out.Uploads) != 1 || aws.ToString(out.Uploads[0].Key) != keys[11] {
		t.Fatalf("after key marker 10: %v, %+v", err, out)
	}
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), KeyMarker: aws.String(keys[10]), UploadIdMarker: aws.String("0"), MaxUploads: aws.Int32(1)})
	if err != nil || len(out.Uploads) != 1 || aws.ToString(out.Uploads[0].Key) != keys[10] {
		t.Fatalf("key marker 10, id marker before its upload: %v, %+v", err, out)
	}
	// The bucket's top level is one common prefix.
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), Delimiter: aws.String("/")})
	if err != nil || len(out.Uploads) != 0 || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "uploads/" || aws.ToBool(out.IsTruncated) {
		t.Fatalf("top level: %v, %+v", err, out)
	}
}

// uploadfs's own lister, ranges and all, lists the level whole, each
// upload once; an upload has three parts.
func TestListedByListing(t *testing.T) {
	const n = 5000
	s, c := start(t, n)
	l := listing.NewS3(c)
	ctx := context.Background()
	first, err := l.FirstLevelPage(ctx, "bkt", "uploads/")
	if err != nil {
		t.Fatal(err)
	}
	lv, err := l.RestOfLevel(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if len(lv.Uploads) != n {
		t.Fatalf("%d uploads listed, want %d", len(lv.Uploads), n)
	}
	for i, u := range lv.Uploads {
		if u.Key != s.key(i) || u.ID != uploadID(i) {
			t.Fatalf("upload %d: %s %s, want %s %s", i, u.Key, u.ID, s.key(i), uploadID(i))
		}
	}
	ps, err := l.Parts(ctx, "bkt", s.key(7), uploadID(7))
	if err != nil || len(ps.Parts) != 3 || ps.TotalBytes != 3*partSize {
		t.Fatalf("parts: %v, %+v", err, ps)
	}
	if _, err := l.Parts(ctx, "bkt", s.key(7), uploadID(8)); err == nil {
		t.Fatal("parts of an upload that is not there: no error")
	}
}
