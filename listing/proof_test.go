package listing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/listing"
)

// The proof that a delimited listing lost nothing costs, on a server that
// honours the delimiter, what docs/servers.md says: one request per bucket
// (the first page without the delimiter), a second where that page is not
// the bucket's whole first level (a look past the level's end), and one
// per level below the top that comes back empty. Levels listed after the
// first cost nothing more.
func TestProofCost(t *testing.T) {
	c := server(t, "small", "big")
	for _, k := range []string{"a/x", "a/y", "b", "c/d/e"} {
		upload(t, c, "small", k, 1)
	}
	for i := range 10 {
		upload(t, c, "big", fmt.Sprintf("k%02d", i), 1)
		upload(t, c, "big", fmt.Sprintf("d/k%02d", i), 1)
	}
	p, err := faultproxy.New(aws.ToString(c.Options().BaseEndpoint))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	l := listing.NewS3(s3.New(c.Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(p.URL) }))
	l.PageSize = 5
	l.Concurrency = 1 // one page after another: the pages are counted exactly
	requests := func(bucket, prefix string) int {
		t.Helper()
		before, _ := p.Stats()
		lv, err := l.Level(context.Background(), bucket, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if lv.Flat() {
			t.Fatalf("%s %q listed without the delimiter on a server that honours it: %q", bucket, prefix, lv.Notes)
		}
		after, _ := p.Stats()
		return after - before
	}
	for _, tc := range []struct {
		bucket, prefix string
		want           int
	}{
		{"small", "", 1 + 1},       // a page of b, a/, c/; the proof's page
		{"small", "a/", 1},         // proven already
		{"small", "c/", 1},         //
		{"big", "", 3 + 1 + 1},     // 11 entries in pages of 5; the proof's page and its look past the end
		{"big", "d/", 2 + 1},       // 10 uploads in pages of 5, and once more after a full last page
		{"big", "gone/", 1 + 1},    // empty: one key from gone/ on, without prefix
		{"small", "c/d/e/", 1 + 1}, // empty
	} {
		if got := requests(tc.bucket, tc.prefix); got != tc.want {
			t.Errorf("%s %q: %d requests, want %d", tc.bucket, tc.prefix, got, tc.want)
		}
	}
}
