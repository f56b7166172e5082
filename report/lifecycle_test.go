package report

import (
	"context"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
)

// Two targets in one bucket (report bkt/tmp/ bkt/data/) read the bucket's
// lifecycle once, and each row is covered as its prefix is.
func TestRunReadsALifecycleOncePerBucket(t *testing.T) {
	s := newTestServer(t, "bkt", "other")
	s.front.SetRules("bkt", faultproxy.AbortRule("tmp", "tmp/", 3))
	s.upload(t, "bkt", "tmp/x", time.Hour, 10)
	s.upload(t, "bkt", "data/y", time.Hour, 20)
	s.upload(t, "other", "z", time.Hour, 30)
	o := s.options()
	o.Targets = []Target{{Bucket: "bkt", Prefix: "tmp/"}, {Bucket: "bkt", Prefix: "data/"}, {Bucket: "other"}}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if n, m := s.front.Requests("bkt"), s.front.Requests("other"); n != 1 || m != 1 {
		t.Errorf("GetBucketLifecycleConfiguration: %d of bkt, %d of other; want one each", n, m)
	}
	if r := rowOf(t, rep, "bkt", "tmp/"); r.Lifecycle != (Coverage{CoverageCovered, 3}) || r.Bytes != 10 {
		t.Errorf("bkt tmp/: %+v", r)
	}
	if r := rowOf(t, rep, "bkt", "data/"); r.Lifecycle.Kind != CoverageNone || r.NoAbortRule != (Count{1, 20}) {
		t.Errorf("bkt data/: %+v", r)
	}
}
