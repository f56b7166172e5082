package listing_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// r2Proxy is five buckets behind the fault proxy answering ListBuckets as
// Cloudflare R2 does (fault), in pages of two, and a client of the proxy.
func r2Proxy(t *testing.T, fault faultproxy.Fault) (*faultproxy.Proxy, *s3.Client) {
	t.Helper()
	c := server(t, "echo", "bravo", "delta", "alpha", "charlie")
	p := faultproxy.NewT(t, *c.Options().BaseEndpoint)
	p.R2Page = 2
	p.SetRule(func(faultproxy.Request) faultproxy.Fault { return fault })
	return p, s3server.Via(c, p.URL)
}

// R2 sends ListBuckets's next token only in NextContinuationToken and the
// cf-next-continuation-token header, and echoes the request's token in
// ContinuationToken: every bucket is listed, one page after another (the
// SDK's token alone ends the listing after the first page).
func TestR2BucketPages(t *testing.T) {
	p, c := r2Proxy(t, faultproxy.R2Buckets)
	names := bucketNames(t, listing.NewS3(c))
	if want := []string{"alpha", "bravo", "charlie", "delta", "echo"}; !slices.Equal(names, want) {
		t.Fatalf("buckets %v, want %v", names, want)
	}
	if _, faults := p.Stats(); faults[faultproxy.R2Buckets] != 3 {
		t.Fatalf("%d ListBuckets pages, want 3", faults[faultproxy.R2Buckets])
	}
}

// cf-is-truncated: true with no token to go on is the server's fault,
// never a short bucket list.
func TestR2BucketPageWithoutToken(t *testing.T) {
	_, c := r2Proxy(t, faultproxy.R2LostToken)
	bs, err := listing.NewS3(c).Buckets(context.Background())
	if !errors.Is(err, listing.ErrBadResponse) || !strings.Contains(err.Error(), "cf-is-truncated") {
		t.Fatalf("Buckets = %d buckets, %v; want ErrBadResponse naming cf-is-truncated", len(bs), err)
	}
}
