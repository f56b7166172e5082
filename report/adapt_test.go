package report

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/adapt"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// level starts n uploads (no parts) in one level of bucket "wide", behind
// a proxy that holds every answer delay: the requests of a round trip
// overlap however busy the machine is. The lister retries throttled
// requests as often as the command's does, without the SDK's retry quota.
func level(t *testing.T, n int, delay time.Duration) *testServer {
	t.Helper()
	s := newTestServer(t, "wide")
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("u/%04d", i)
	}
	if err := s3server.StartUploads(context.Background(), s.c, "wide", keys); err != nil {
		t.Fatal(err)
	}
	s.proxy.Delay = delay
	s.l = listing.NewS3(s3.New(s.srv.Client().Options(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.proxy.URL)
		o.APIOptions = append(o.APIOptions, s.reqs.Middleware, adapt.Middleware)
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 10
			so.MaxBackoff = delay
			so.RateLimiter = ratelimit.None
		})
	}))
	return s
}

// On a server that keeps up (every answer after the same delay, long
// enough that the machine's own work, under -race, does not double it),
// the walk goes past the 64 listings in flight it starts with, within its
// cap.
func TestRunGrowsOnFastServer(t *testing.T) {
	s := level(t, 400, 500*time.Millisecond)
	rep, err := Run(context.Background(), s.options())
	if err != nil || rep.Total.Uploads != 400 || rep.Failed != 0 {
		t.Fatalf("%v, %+v", err, rep)
	}
	if _, in := s.proxy.Waves(); in <= adapt.Start || in > DefaultConcurrency {
		t.Errorf("%d requests in flight at most; want more than %d, at most %d", in, adapt.Start, DefaultConcurrency)
	}
}

// A server that answers 503 SlowDown beyond 24 requests in flight gets
// fewer: after the first throttled wave the walk stays near what the
// server takes, where a fixed pool would keep 64 in flight and have most
// of them throttled; every upload is still counted. The first wave is
// throttled by design (the walk starts at 64 and learns the server's
// bound from it), so what is judged is the second half of the requests:
// how many were in flight, and how many were throttled.
func TestRunBacksOffUnderSlowDown(t *testing.T) {
	const limit = 24
	s := level(t, 600, 20*time.Millisecond)
	var mu sync.Mutex
	var seen []int         // requests in flight as each request arrived
	var throttledAt []bool // and whether it was throttled
	rule := faultproxy.Throttle(limit)
	s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		f := rule(r)
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.InFlight)
		throttledAt = append(throttledAt, f == faultproxy.SlowDown)
		return f
	})
	rep, err := Run(context.Background(), s.options())
	if err != nil || rep.Total.Uploads != 600 || rep.Failed != 0 {
		t.Fatalf("%v, %+v", err, rep)
	}
	mu.Lock()
	defer mu.Unlock()
	half := len(seen) / 2
	most, throttled := 0, 0
	for i, in := range seen[half:] {
		most = max(most, in)
		if throttledAt[half+i] {
			throttled++
		}
	}
	if most > limit+limit/2 || throttled > (len(seen)-half)/4 {
		t.Errorf("%d requests; the second half had up to %d in flight (the server takes %d) and %d of %d throttled",
			len(seen), most, limit, throttled, len(seen)-half)
	}
}
