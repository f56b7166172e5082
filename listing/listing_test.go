package listing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// server starts an in-process gofakes3 with the given buckets.
func server(t *testing.T, buckets ...string) *s3.Client {
	t.Helper()
	return s3server.StartT(t, buckets...).Client()
}

// bucketNames lists the buckets l sees, by name.
func bucketNames(t *testing.T, l *listing.S3) []string {
	t.Helper()
	bs, err := l.Buckets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return names
}

func upload(t *testing.T, c *s3.Client, bucket, key string, parts ...int32) string {
	t.Helper()
	id, err := s3server.CreateUpload(context.Background(), c, bucket, key, parts, func(n int32) int { return int(n) * 10 })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func span(from, to int32) []int32 {
	var ps []int32
	for n := from; n <= to; n++ {
		ps = append(ps, n)
	}
	return ps
}

func TestPartsPagesWithServerMarkers(t *testing.T) {
	c := server(t, "bkt")
	id := upload(t, c, "bkt", "big", span(1, 2500)...)
	for _, pageSize := range []int32{0, 1000, 333} {
		t.Run(fmt.Sprint("page", pageSize), func(t *testing.T) {
			l := listing.NewS3(c)
			l.PageSize = pageSize
			ps, err := l.Parts(context.Background(), "bkt", "big", id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps.Parts) != 2500 {
				t.Fatalf("%d parts, want 2500", len(ps.Parts))
			}
			var total int64
			for i, p := range ps.Parts {
				if p.Number != int32(i+1) || p.Size != int64(p.Number)*10 || p.ETag() == "" || p.ModTime().IsZero() {
					t.Fatalf("part %d = %+v", i, p)
				}
				total += p.Size
			}
			if ps.TotalBytes != total {
				t.Fatalf("TotalBytes %d, want %d", ps.TotalBytes, total)
			}
		})
	}
}

func TestSparseParts(t *testing.T) {
	c := server(t, "bkt")
	want := []int32{1, 2, 5, 9, 100, 9999, 10000}
	id := upload(t, c, "bkt", "sparse", want...)
	l := listing.NewS3(c)
	l.PageSize = 2
	ps, err := l.Parts(context.Background(), "bkt", "sparse", id)
	if err != nil {
		t.Fatal(err)
	}
	var got []int32
	for _, p := range ps.Parts {
		got = append(got, p.Number)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("parts %v, want %v", got, want)
	}
	if p := ps.Find(9); p == nil || p.Size != 90 {
		t.Fatalf("Find(9) = %+v", p)
	}
	if ps.Find(3) != nil {
		t.Fatal("Find(3) found a part that does not exist")
	}
}

func TestUploadWithoutParts(t *testing.T) {
	c := server(t, "bkt")
	id := upload(t, c, "bkt", "empty")
	ps, err := listing.NewS3(c).Parts(context.Background(), "bkt", "empty", id)
	if err != nil || len(ps.Parts) != 0 || ps.TotalBytes != 0 {
		t.Fatalf("Parts = %+v, %v; want none", ps, err)
	}
}

func TestLevels(t *testing.T) {
	c := server(t, "bkt")
	// gofakes3 turns the common prefix of "/lead" into "lead" (which
	// Level rightly refuses) and stores "trail/" as "trail"; the end-to-end
	// test covers leading and trailing slashes against versitygw.
	keys := []string{
		"top", "a/one", "a/two", "a/b/deep", "a/b/deep/er", "x//y",
		"pct%20/tab\tx", "dots/./../end", "sp ace+plus",
	}
	for _, k := range keys {
		upload(t, c, "bkt", k, 1)
	}
	upload(t, c, "bkt", "a/one", 1, 2) // a second upload of the same key
	// gofakes3 ends a page that fills up before a common prefix with
	// IsTruncated false, losing the prefix; paging is tested on a flat level
	// below (TestLevelPaging).
	for _, pageSize := range []int32{0, 1000} {
		t.Run(fmt.Sprint("page", pageSize), func(t *testing.T) {
			l := listing.NewS3(c)
			l.PageSize = pageSize
			// Walk every level from the top and collect the keys seen.
			var seen []string
			var walk func(prefix string)
			walk = func(prefix string) {
				lv, err := l.Level(context.Background(), "bkt", prefix)
				if err != nil {
					t.Fatalf("Level(%q): %v", prefix, err)
				}
				for _, u := range lv.Uploads {
					seen = append(seen, u.Key)
					if u.ID == "" || u.Initiated.IsZero() {
						t.Errorf("upload %+v lacks ID or Initiated", u)
					}
				}
				for _, p := range lv.Prefixes {
					walk(p)
				}
			}
			walk("")
			want := append(slices.Clone(keys), "a/one")
			slices.Sort(want)
			slices.Sort(seen)
			if !slices.Equal(seen, want) {
				t.Fatalf("keys seen\n%q\nwant\n%q", seen, want)
			}
		})
	}
	lv, err := listing.NewS3(c).Level(context.Background(), "bkt", "a/")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lv.Prefixes, []string{"a/b/"}) || len(lv.Uploads) != 3 {
		t.Fatalf("level a/: prefixes %q, %d uploads; want [a/b/], 3", lv.Prefixes, len(lv.Uploads))
	}
}

// Paging with the server's own key and upload-id markers, through keys with
// several uploads each (gofakes3 repeats the marker entry: inclusive markers).
func TestLevelPaging(t *testing.T) {
	c := server(t, "bkt")
	var want []string
	for i := range 7 {
		key := fmt.Sprintf("dir/k%02d", i)
		for range i%3 + 1 {
			want = append(want, key+"@"+upload(t, c, "bkt", key))
		}
	}
	slices.Sort(want)
	for _, pageSize := range []int32{1, 2, 3, 5, 1000} {
		l := listing.NewS3(c)
		l.PageSize = pageSize
		lv, err := l.Level(context.Background(), "bkt", "dir/")
		if err != nil {
			t.Fatalf("page %d: %v", pageSize, err)
		}
		var got []string
		for _, u := range lv.Uploads {
			got = append(got, u.Key+"@"+u.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("page %d: uploads\n%q\nwant\n%q", pageSize, got, want)
		}
	}
}

func TestBucketWithoutUploadsIsEmpty(t *testing.T) {
	c := server(t, "quiet")
	l := listing.NewS3(c)
	lv, err := l.Level(context.Background(), "quiet", "")
	if err != nil || len(lv.Uploads)+len(lv.Prefixes) != 0 {
		t.Fatalf("Level = %+v, %v; want empty", lv, err)
	}
	if err := l.CheckBucket(context.Background(), "quiet"); err != nil {
		t.Fatalf("CheckBucket: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	c := server(t, "bkt")
	upload(t, c, "bkt", "k", 1)
	l := listing.NewS3(c)
	ctx := context.Background()
	for name, err := range map[string]error{
		"missing bucket level": func() error { _, err := l.Level(ctx, "nope", ""); return err }(),
		"missing bucket check": l.CheckBucket(ctx, "nope"),
		"unknown upload":       func() error { _, err := l.Parts(ctx, "bkt", "k", "999"); return err }(),
	} {
		if !errors.Is(err, listing.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
		var le *listing.Error
		if !errors.As(err, &le) || le.Op == "" || le.Bucket == "" {
			t.Errorf("%s: %v is not a described *listing.Error", name, err)
		}
	}
}

func TestBuckets(t *testing.T) {
	names := bucketNames(t, listing.NewS3(server(t, "zeta", "alpha", "mid")))
	if !slices.Equal(names, []string{"alpha", "mid", "zeta"}) {
		t.Fatalf("buckets %v", names)
	}
}

func TestUnreachableServer(t *testing.T) {
	srv, err := s3server.Start()
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	srv.Close()
	_, err = listing.NewS3(c).Buckets(context.Background())
	if !errors.Is(err, listing.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "ListBuckets") {
		t.Fatalf("error %q does not name the operation", err)
	}
}
