// Package regions sends every S3 request to the region of its bucket.
//
// S3 answers a request sent to the wrong region with 301 PermanentRedirect
// (or 400 AuthorizationHeaderMalformed when it reached the right region
// signed for another) and names the bucket's region in the
// x-amz-bucket-region header; the SDK does not follow either. A Router
// learns each bucket's region at the cheapest point:
//
//   - ListBuckets sent with MaxBuckets names every bucket's region
//     (BucketRegion): no request per bucket. ListDirectoryBuckets is asked
//     per region, so its buckets are in the region that listed them.
//   - A bucket still unknown is asked in the default region; if S3 answers
//     with the bucket's region (the header on the 301 or 400), the request
//     is sent again, once, there. If the answer names no region, HeadBucket
//     (which answers the header from any region) is asked.
//   - A directory bucket's name says its region: its zone ID begins with
//     the region's code (use1-az4: us-east-1). S3 could not say it: the
//     SDK builds the zonal endpoint from the client's region.
//   - Each learned region is kept for the life of the Router. Concurrent
//     first requests for one bucket wait for the first to learn it.
//
// One client per region, built when first needed, at most MaxRegions. With
// a custom endpoint the host stays and only the signing region changes
// (the builder decides). Access point ARNs are routed by the SDK itself.
//
// A Router is safe for concurrent use; its zero value is not usable (New).
//
// Files: router.go, the Router and how it learns and routes; calls.go, the
// S3 calls it routes (each to its bucket's region); zones.go, a directory
// bucket's region from its zone ID.
package regions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Client is what a Router calls in each region (an *s3.Client).
type Client interface {
	ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	ListDirectoryBuckets(context.Context, *s3.ListDirectoryBucketsInput, ...func(*s3.Options)) (*s3.ListDirectoryBucketsOutput, error)
	ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
	ListParts(context.Context, *s3.ListPartsInput, ...func(*s3.Options)) (*s3.ListPartsOutput, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	GetBucketLifecycleConfiguration(context.Context, *s3.GetBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
	PutBucketLifecycleConfiguration(context.Context, *s3.PutBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error)
	GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
}

// MaxRegions bounds the clients a Router builds: a server that names ever
// new regions cannot make it grow without end. AWS has fewer than 40.
const MaxRegions = 64

// ErrTooManyRegions is returned for a region beyond MaxRegions.
var ErrTooManyRegions = errors.New("too many regions")

// Router is a Client that sends each bucket's requests to its region.
type Router struct {
	def    string
	build  func(region string) Client
	log    *slog.Logger
	mu     sync.Mutex
	known  map[string]string        // bucket → region
	learns map[string]chan struct{} // bucket → closed when its first request ends
	cls    map[string]Client        // region → client
}

var _ Client = (*Router)(nil)

// New returns a Router whose unknown buckets are asked in region def, with
// clients made by build (called at most once per region). log receives,
// at debug level, each region learned and why.
func New(def string, build func(region string) Client, log *slog.Logger) *Router {
	return &Router{def: def, build: build, log: log, known: map[string]string{},
		learns: map[string]chan struct{}{}, cls: map[string]Client{}}
}

// Single returns a Router over a server that has one region (the demo's).
func Single(c Client) *Router {
	return New("us-east-1", func(string) Client { return c }, slog.New(slog.DiscardHandler))
}

// Region returns the region learned for bucket, if any.
func (r *Router) Region(bucket string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	region, ok := r.known[bucket]
	return region, ok
}

// Adopt takes over the regions other has learned (the probe made before
// mounting learns through a client of its own).
func (r *Router) Adopt(other *Router) {
	other.mu.Lock()
	known := make(map[string]string, len(other.known))
	for b, region := range other.known {
		known[b] = region
	}
	other.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	for b, region := range known {
		r.known[b] = region
	}
}

// client returns the client of region, building it the first time.
func (r *Router) client(region string) (Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cls[region]; ok {
		return c, nil
	}
	if len(r.cls) >= MaxRegions {
		return nil, fmt.Errorf("%w: more than %d", ErrTooManyRegions, MaxRegions)
	}
	c := r.build(region)
	r.cls[region] = c
	return c, nil
}

// learn records bucket's region, logging why.
func (r *Router) learn(bucket, region, why string) {
	if !validRegion(region) {
		return
	}
	r.mu.Lock()
	old, had := r.known[bucket]
	r.known[bucket] = region
	r.mu.Unlock()
	if !had || old != region {
		r.log.Debug("bucket region learned", "bucket", bucket, "region", region, "from", why)
	}
}

// regionFor returns the region to ask bucket in and whether it is known.
// For an unknown bucket, the first caller goes on to learn it (done must
// then be called once its request has ended); later callers wait for it.
func (r *Router) regionFor(ctx context.Context, bucket string) (region string, done func(), err error) {
	if _, ok := r.Region(bucket); !ok {
		if region, ok := zoneRegion(bucket); ok {
			r.learn(bucket, region, "the zone ID in the directory bucket's name")
		}
	}
	for {
		r.mu.Lock()
		if region, ok := r.known[bucket]; ok {
			r.mu.Unlock()
			return region, func() {}, nil
		}
		wait, learning := r.learns[bucket]
		if !learning {
			ch := make(chan struct{})
			r.learns[bucket] = ch
			r.mu.Unlock()
			return r.def, func() {
				r.mu.Lock()
				delete(r.learns, bucket)
				r.mu.Unlock()
				close(ch)
			}, nil
		}
		r.mu.Unlock()
		select {
		case <-wait:
			// Learned, or the first request failed otherwise: look again,
			// and if still unknown, this caller learns.
		case <-ctx.Done():
			return "", nil, ctx.Err()
		}
	}
}

// route sends one request for bucket to its region and, if S3 says the
// bucket lives elsewhere, once more there.
func route[Out any](ctx context.Context, r *Router, bucket string, do func(Client) (Out, error)) (Out, error) {
	var zero Out
	if isARN(bucket) {
		c, err := r.client(r.def) // the SDK sends an ARN to its own region
		if err != nil {
			return zero, err
		}
		return do(c)
	}
	region, done, err := r.regionFor(ctx, bucket)
	if err != nil {
		return zero, err
	}
	defer done()
	c, err := r.client(region)
	if err != nil {
		return zero, err
	}
	out, err := do(c)
	if err == nil {
		if _, ok := r.Region(bucket); !ok {
			r.learn(bucket, region, "an answer in the default region")
		}
		return out, nil
	}
	right, why := r.redirected(ctx, bucket, err)
	if right == "" || right == region {
		return out, err
	}
	r.learn(bucket, right, why)
	if c, err = r.client(right); err != nil {
		return zero, err
	}
	return do(c)
}

// redirected returns the region S3 says bucket is in, if err says the
// request went to the wrong one, and how it was found.
func (r *Router) redirected(ctx context.Context, bucket string, err error) (region, why string) {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || !wrongRegion(re.HTTPStatusCode(), err) {
		return "", ""
	}
	status := re.HTTPStatusCode()
	if h := bucketRegion(re); h != "" {
		return h, fmt.Sprintf("x-amz-bucket-region on a %d answer", status)
	}
	// No header: HeadBucket answers it from any region, even when it
	// fails (301, 403).
	c, cerr := r.client(r.def)
	if cerr != nil {
		return "", ""
	}
	out, herr := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	if herr == nil && out.BucketRegion != nil {
		return *out.BucketRegion, "HeadBucket"
	}
	if errors.As(herr, &re) {
		if h := bucketRegion(re); h != "" {
			return h, "x-amz-bucket-region on HeadBucket's " + fmt.Sprint(re.HTTPStatusCode())
		}
	}
	return "", ""
}

// wrongRegion reports whether an answer says the request reached the wrong
// region: 301 PermanentRedirect, or 400 AuthorizationHeaderMalformed
// (signed for another region), or IllegalLocationConstraintException.
func wrongRegion(status int, err error) bool {
	switch status {
	case http.StatusMovedPermanently:
		return true
	case http.StatusBadRequest:
		var api smithy.APIError
		if errors.As(err, &api) {
			switch api.ErrorCode() {
			case "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
				return true
			}
		}
	}
	return false
}

func bucketRegion(re *awshttp.ResponseError) string {
	if re.Response == nil || re.Response.Response == nil {
		return ""
	}
	h := re.Response.Header.Get("x-amz-bucket-region")
	if !validRegion(h) {
		return ""
	}
	return h
}

// validRegion accepts what a region name can be (us-east-1,
// cn-northwest-1, us-gov-west-1, a server's own names): 1 to 64 lower-case
// letters, digits and hyphens. Anything else from a header is ignored.
func validRegion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isARN reports whether bucket is an ARN (an access point, an Outposts or
// Object Lambda access point): the SDK routes it to the ARN's region.
func isARN(bucket string) bool { return strings.HasPrefix(bucket, "arn:") }
