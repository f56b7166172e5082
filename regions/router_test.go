package regions_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploadfs/uploadfs/internal/regionproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/testlog"
	"github.com/uploadfs/uploadfs/listing"
	"github.com/uploadfs/uploadfs/regions"
)

// world is three regions, one bucket in each with one upload; the default
// region is us-east-1.
func world(t *testing.T) (*regionproxy.World, *regions.Router, *testlog.Buffer) {
	t.Helper()
	w, err := regionproxy.Start("us-east-1", "eu-west-1", "ap-south-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	for region, bucket := range map[string]string{"us-east-1": "east", "eu-west-1": "west", "ap-south-1": "south"} {
		c := w.Servers[region].Client()
		s3server.CreateBuckets(t, c, bucket)
		if _, err := s3server.CreateUpload(t.Context(), c, bucket, "k", []int32{1}, func(int32) int { return 10 }); err != nil {
			t.Fatal(err)
		}
	}
	l := &testlog.Buffer{}
	r := regions.New("us-east-1", func(region string) regions.Client { return w.Client(region) },
		slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return w, r, l
}

// count returns how many requests the proxy answered with status, and how
// many it forwarded.
func count(seen []regionproxy.Seen, status int) (answered, forwarded int) {
	for _, s := range seen {
		if s.Answer == status {
			answered++
		}
		if s.Answer == 0 {
			forwarded++
		}
	}
	return
}

func listUploads(t *testing.T, r *regions.Router, bucket string) {
	t.Helper()
	out, err := r.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads %s: %v", bucket, err)
	}
	if len(out.Uploads) != 1 {
		t.Fatalf("%s: %d uploads, want 1", bucket, len(out.Uploads))
	}
}

// ListBuckets with MaxBuckets names every bucket's region: the buckets are
// then asked in their regions with no redirect at all.
func TestListBucketsNamesRegions(t *testing.T) {
	w, r, _ := world(t)
	bs, err := listing.NewS3(r).Buckets(t.Context())
	if err != nil || len(bs) != 3 {
		t.Fatalf("buckets %v, %v", bs, err)
	}
	w.Seen()
	for _, b := range []string{"east", "west", "south"} {
		listUploads(t, r, b)
	}
	seen := w.Seen()
	if redirects, forwarded := count(seen, 301); redirects != 0 || forwarded != 3 {
		t.Fatalf("%d redirects, %d forwarded; want 0 and 3: %+v", redirects, forwarded, seen)
	}
	if region, _ := r.Region("south"); region != "ap-south-1" {
		t.Fatalf("south learned as %q", region)
	}
}

// Without BucketRegion, a bucket's first request is redirected once and
// sent again in the right region; later ones go there directly.
func TestLearnsFromRedirect(t *testing.T) {
	w, r, l := world(t)
	w.SetModes(regionproxy.Modes{NoBucketRegion: true})
	if _, err := listing.NewS3(r).Buckets(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.Seen()
	for range 3 {
		listUploads(t, r, "west")
	}
	seen := w.Seen()
	if redirects, forwarded := count(seen, 301); redirects != 1 || forwarded != 3 {
		t.Fatalf("%d redirects, %d forwarded; want 1 and 3", redirects, forwarded)
	}
	if seen[1].Region != "eu-west-1" {
		t.Fatalf("retry signed for %q", seen[1].Region)
	}
	if !strings.Contains(l.String(), "region=eu-west-1") {
		t.Fatalf("no debug line for the region learned: %q", l.String())
	}
}

// Concurrent first requests for one bucket learn its region once.
func TestConcurrentFirstRequestsLearnOnce(t *testing.T) {
	w, r, _ := world(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { listUploads(t, r, "south") })
	}
	wg.Wait()
	if redirects, forwarded := count(w.Seen(), 301); redirects != 1 || forwarded != 20 {
		t.Fatalf("%d redirects, %d forwarded; want 1 and 20", redirects, forwarded)
	}
}

// A 400 AuthorizationHeaderMalformed without the header: HeadBucket finds
// the region (its 301 carries the header), then the request is sent again.
func TestLearnsFromHeadBucket(t *testing.T) {
	w, r, _ := world(t)
	w.SetModes(regionproxy.Modes{Mode400: true})
	listUploads(t, r, "west")
	seen := w.Seen()
	var ops []string
	for _, s := range seen {
		ops = append(ops, s.Op+"@"+s.Region)
	}
	want := []string{"ListMultipartUploads@us-east-1", "HeadBucket@us-east-1", "ListMultipartUploads@eu-west-1"}
	if len(ops) != 3 || ops[0] != want[0] || ops[1] != want[1] || ops[2] != want[2] {
		t.Fatalf("requests %v, want %v", ops, want)
	}
}

// A bucket that exists nowhere is NoSuchBucket (ENOENT), not learned.
func TestMissingBucket(t *testing.T) {
	_, r, _ := world(t)
	_, err := listing.NewS3(r).Level(t.Context(), "nowhere", "")
	if !errors.Is(err, listing.ErrNotFound) {
		t.Fatalf("missing bucket: %v, want ErrNotFound", err)
	}
	if _, ok := r.Region("nowhere"); ok {
		t.Fatal("a missing bucket's region was learned")
	}
}

// A redirect that names no usable region stays an error of its own kind
// (never "unavailable"): the header is checked before it is used.
func TestUnusableRedirect(t *testing.T) {
	bad := &redirector{header: "../evil"}
	r := regions.New("us-east-1", func(string) regions.Client { return bad }, slog.New(slog.DiscardHandler))
	_, err := listing.NewS3(r).Level(context.Background(), "b", "")
	if !errors.Is(err, listing.ErrWrongRegion) {
		t.Fatalf("unusable redirect: %v, want ErrWrongRegion", err)
	}
}

// redirector answers everything with a 301 whose x-amz-bucket-region is
// header: a fault no test server makes.
type redirector struct {
	regions.Client
	header string
}

func (d *redirector) err() error {
	res := &http.Response{StatusCode: http.StatusMovedPermanently, Header: http.Header{"X-Amz-Bucket-Region": {d.header}}}
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: res},
		Err:      &smithy.GenericAPIError{Code: "PermanentRedirect", Message: "moved"},
	}}
}

func (d *redirector) ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	return nil, d.err()
}

func (d *redirector) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return nil, d.err()
}

// GetBucketLifecycleConfiguration goes to the bucket's region, learned from
// a redirect like every other bucket call.
func TestLifecycleRouted(t *testing.T) {
	w, r, _ := world(t)
	w.SetModes(regionproxy.Modes{NoBucketRegion: true})
	for range 2 {
		// gofakes3 behind the front answers with a listing of objects,
		// which is no lifecycle configuration (ErrBadResponse): where the
		// request went is what counts here.
		if _, err := listing.NewS3(r).Lifecycle(t.Context(), "south"); err != nil && !errors.Is(err, listing.ErrBadResponse) {
			t.Fatal(err)
		}
	}
	seen := w.Seen()
	if redirects, forwarded := count(seen, 301); redirects != 1 || forwarded != 2 {
		t.Fatalf("%d redirects, %d forwarded; want 1 and 2: %+v", redirects, forwarded, seen)
	}
	if last := seen[len(seen)-1]; last.Region != "ap-south-1" || last.Bucket != "south" {
		t.Fatalf("last request %+v", last)
	}
}
