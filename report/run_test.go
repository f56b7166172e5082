package report

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/adapt"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// testServer is gofakes3 behind the lifecycle front (which serves the
// rules), behind the fault proxy; the lister's client counts requests as
// the command's does.
type testServer struct {
	srv   *s3server.Server
	front *faultproxy.Lifecycle
	proxy *faultproxy.Proxy
	c     *s3.Client // straight to gofakes3, for seeding
	reqs  *Requests
	l     *listing.S3
}

func newTestServer(t *testing.T, buckets ...string) *testServer {
	t.Helper()
	srv := s3server.StartT(t, buckets...)
	front := faultproxy.NewLifecycleT(t, srv.URL)
	proxy := faultproxy.NewT(t, front.URL)
	s := &testServer{srv: srv, front: front, proxy: proxy, c: srv.Client(), reqs: &Requests{}}
	s.l = listing.NewS3(s3.New(srv.Client().Options(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(proxy.URL)
		o.APIOptions = append(o.APIOptions, s.reqs.Middleware, adapt.Middleware)
		o.RetryMaxAttempts = 2
	}))
	return s
}

// upload starts an upload initiated ago, with parts of the given sizes.
func (s *testServer) upload(t *testing.T, bucket, key string, ago time.Duration, sizes ...int) {
	t.Helper()
	s.srv.Clock.Backdate(ago)
	defer s.srv.Clock.Backdate(0)
	parts := make([]int32, len(sizes))
	for i := range sizes {
		parts[i] = int32(i + 1)
	}
	if _, err := s3server.CreateUpload(context.Background(), s.c, bucket, key, parts, func(n int32) int { return sizes[n-1] }); err != nil {
		t.Fatal(err)
	}
}

func (s *testServer) options() Options {
	return Options{Lister: s.l, Lifecycles: s.l, Requests: s.reqs, Region: func(string) string { return "us-east-1" }}
}

func rowOf(t *testing.T, rep *Report, bucket, prefix string) Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Bucket == bucket && r.Prefix == prefix {
			return r
		}
	}
	t.Fatalf("no row %s %q in %+v", bucket, prefix, rep.Rows)
	return Row{}
}

const day = 24 * time.Hour

func TestRun(t *testing.T) {
	s := newTestServer(t, "alpha", "beta", "gamma", "delta")
	s.front.SetRules("alpha", faultproxy.AbortRule("week", "", 7))
	s.front.SetRules("beta", faultproxy.AbortRule("tmp", "tmp/", 3))
	s.front.Deny("delta")
	s.upload(t, "alpha", "old/a", 10*day, 1000, 1000, 1000)
	s.upload(t, "alpha", "old/deep/b", 2*day, 500, 500)
	s.upload(t, "alpha", "new/c", time.Minute, 100)
	s.upload(t, "alpha", "top", time.Minute)
	s.upload(t, "beta", "tmp/x", 8*day, 64)
	s.upload(t, "beta", "keep", 8*day, 32)
	s.upload(t, "delta", "d/e", time.Hour, 5)

	o := s.options()
	o.By = By{Prefix: true, Depth: 1}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 7 || rep.Failed != 0 {
		t.Fatalf("%d rows, %d failed: %+v", len(rep.Rows), rep.Failed, rep.Rows)
	}
	old := rowOf(t, rep, "alpha", "old/")
	if old.Uploads != 2 || old.Parts != 5 || old.Bytes != 4000 || old.Older[0] != (Count{2, 4000}) || old.Older[1] != (Count{1, 3000}) {
		t.Errorf("alpha old/: %+v", old)
	}
	if old.Lifecycle != (Coverage{CoverageCovered, 7}) || old.NoAbortRule != (Count{}) {
		t.Errorf("alpha old/ lifecycle %v, no rule %+v", old.Lifecycle, old.NoAbortRule)
	}
	// gofakes3 gives no AbortDate: computed from the rule, the oldest's.
	if want := listing.AbortDate(old.Oldest, 7); !old.NextAbort.Equal(want) {
		t.Errorf("alpha old/ next abort %v, want %v", old.NextAbort, want)
	}
	if math.Abs(old.MonthlyUSD-4000.0/(1<<30)*0.023) > 1e-15 {
		t.Errorf("alpha old/ cost %g", old.MonthlyUSD)
	}
	if top := rowOf(t, rep, "alpha", ""); top.Uploads != 1 || top.Parts != 0 || top.Bytes != 0 || !top.HasPrefix {
		t.Errorf("alpha top: %+v", top)
	}
	if n := rowOf(t, rep, "alpha", "new/"); n.Uploads != 1 || n.Bytes != 100 || n.Older[0] != (Count{}) {
		t.Errorf("alpha new/: %+v", n)
	}
	if b := rowOf(t, rep, "beta", "tmp/"); b.Lifecycle != (Coverage{CoverageCovered, 3}) || b.NoAbortRule != (Count{}) || b.NextAbort.IsZero() {
		t.Errorf("beta tmp/: %+v", b)
	}
	if b := rowOf(t, rep, "beta", ""); b.Lifecycle != (Coverage{CoveragePartly, 0}) || b.NoAbortRule != (Count{1, 32}) || !b.NextAbort.IsZero() {
		t.Errorf("beta top: %+v", b)
	}
	if g := rowOf(t, rep, "gamma", ""); g.Uploads != 0 || g.Lifecycle.Kind != CoverageNone || g.Err != nil {
		t.Errorf("gamma: %+v", g)
	}
	if d := rowOf(t, rep, "delta", "d/"); d.Lifecycle.Kind != CoverageUnknown || d.NoAbortRule != (Count{}) || d.Bytes != 5 || d.Err != nil {
		t.Errorf("delta d/ (lifecycle denied): %+v", d)
	}
	tot := rep.Total
	if tot.Uploads != 7 || tot.Parts != 9 || tot.Bytes != 4000+100+64+32+5 || tot.NoAbortRule != (Count{1, 32}) {
		t.Errorf("total %+v", tot)
	}
	// Every request the proxy saw was counted, and costed.
	if n, _ := s.proxy.Stats(); int64(n) != rep.Requests.Total() || rep.Requests.Other != 4 {
		t.Errorf("counted %+v, the proxy saw %d", rep.Requests, n)
	}
	if rep.ScanUSD != DefaultPrices().ScanCost(rep.Requests) || rep.ScanUSD == 0 {
		t.Errorf("scan cost %g", rep.ScanUSD)
	}
}

// A target that cannot be listed is a row with its error and no sums; the
// others are whole.
func TestRunErrorRows(t *testing.T) {
	s := newTestServer(t, "fine", "denied", "faulty", "partsfail")
	s.upload(t, "fine", "a", time.Hour, 10)
	s.upload(t, "denied", "b", time.Hour, 10)
	s.upload(t, "partsfail", "c/d", time.Hour, 10)
	s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		switch {
		case r.Op == "ListMultipartUploads" && r.Query.Get("prefix") == "" && r.Key[4:11] == "/denied":
			return faultproxy.Forbidden
		case r.Op == "ListMultipartUploads" && r.Key[4:11] == "/faulty":
			return faultproxy.SlowDown
		case r.Op == "ListParts" && r.Key[4:14] == "/partsfail":
			return faultproxy.SlowDown
		}
		return faultproxy.None
	})
	rep, err := Run(context.Background(), s.options())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 3 || len(rep.Rows) != 4 {
		t.Fatalf("%d failed of %d: %+v", rep.Failed, len(rep.Rows), rep.Rows)
	}
	if r := rowOf(t, rep, "denied", ""); !errors.Is(r.Err, listing.ErrAccessDenied) || r.Uploads != 0 {
		t.Errorf("denied: %+v", r)
	}
	for _, b := range []string{"faulty", "partsfail"} {
		if r := rowOf(t, rep, b, ""); !errors.Is(r.Err, listing.ErrUnavailable) {
			t.Errorf("%s: %+v", b, r)
		}
	}
	if r := rowOf(t, rep, "fine", ""); r.Err != nil || r.Bytes != 10 {
		t.Errorf("fine: %+v", r)
	}
	if rep.Total.Uploads != 1 || rep.Total.Bytes != 10 {
		t.Errorf("total counts what failed: %+v", rep.Total)
	}
}

// Cancelling ends the walk with no report, without waiting for the
// server.
func TestRunCancel(t *testing.T) {
	s := newTestServer(t, "slow")
	s.upload(t, "slow", "a", time.Hour, 1)
	s.proxy.SlowBy = time.Hour
	s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault { return faultproxy.Slow })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var rep *Report
	var err error
	go func() { rep, err = Run(ctx, s.options()); close(done) }()
	for n, _ := s.proxy.Stats(); n == 0; n, _ = s.proxy.Stats() {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done // an hour's slowness would time the test out
	if rep != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v, %v", rep, err)
	}
}

// Concurrency bounds the requests in flight, and the walk uses it.
func TestRunConcurrency(t *testing.T) {
	keys := make([]string, 60)
	for i := range keys {
		keys[i] = string(rune('a'+i%26)) + "/" + string(rune('a'+i/26))
	}
	for _, n := range []int{3, 16} {
		s := newTestServer(t, "many")
		if err := s3server.StartUploads(context.Background(), s.c, "many", keys); err != nil {
			t.Fatal(err)
		}
		s.proxy.SlowBy = 20 * time.Millisecond
		s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault { return faultproxy.Slow })
		o := s.options()
		o.Concurrency = n
		rep, err := Run(context.Background(), o)
		if err != nil || rep.Total.Uploads != 60 {
			t.Fatalf("concurrency %d: %v, %+v", n, err, rep)
		}
		if _, in := s.proxy.Waves(); in > n || n == 16 && in <= 3 {
			t.Errorf("concurrency %d: %d requests in flight at most", n, in)
		}
	}
}

// A target prefix that does not end in "/" cuts into a level: only keys
// that begin with it count, not a shorter key the prefix begins with.
func TestRunTargetCutsALevel(t *testing.T) {
	s := newTestServer(t, "logs")
	s.upload(t, "logs", "app/20", day, 10)
	s.upload(t, "logs", "app/2026-a", day, 20)
	s.upload(t, "logs", "app/2026/b", day, 40)
	s.upload(t, "logs", "app/2027", day, 80)
	o := s.options()
	o.Targets = []Target{{Bucket: "logs", Prefix: "app/2026"}}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if tot := rep.Total; tot.Uploads != 2 || tot.Bytes != 60 {
		t.Fatalf("logs/app/2026: %d uploads, %d bytes; want 2, 60 (app/2026-a and app/2026/b)", tot.Uploads, tot.Bytes)
	}
}
