package act_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// An interrupt stops starting aborts: a plan run after it sends no abort
// and says each upload was not started; the uploads stay.
func TestRunInterruptedStartsNothing(t *testing.T) {
	srv := s3server.StartT(t, "act")
	c := srv.Client()
	srv.Clock.Backdate(48 * time.Hour)
	if err := s3server.StartUploads(t.Context(), c, "act", []string{"a", "b/c", "d"}); err != nil {
		t.Fatal(err)
	}
	srv.Clock.Backdate(0)
	l := listing.NewS3(c)
	plan, err := act.MakePlan(t.Context(), l, []act.Target{{Bucket: "act"}}, act.Selection{OlderThan: 24 * time.Hour}, act.PlanOptions{Concurrency: 4, Now: time.Now()})
	if err != nil || len(plan.Items) != 3 {
		t.Fatalf("plan %+v, %v: want the 3 uploads", plan, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sent := srv.Requests()
	r := &act.Runner{Aborter: l, Lister: l, Concurrency: 2}
	for _, res := range r.Run(ctx, plan.Items, func(act.Result) {}) {
		if res.Outcome != act.NotStarted {
			t.Fatalf("%s after the interrupt: %s", res.Upload.Key, res.Outcome)
		}
	}
	if n := srv.Requests() - sent; n != 0 {
		t.Fatalf("%d requests after the interrupt", n)
	}
}

// SameConfig: rules in any order; a rule written without ID may come back
// with one; the minimum object size counts only where one was written.
func TestSameConfig(t *testing.T) {
	rule := func(id *string, days int32) types.LifecycleRule {
		return types.LifecycleRule{ID: id, Status: types.ExpirationStatusEnabled,
			Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(days)}}
	}
	cfg := func(size types.TransitionDefaultMinimumObjectSize, rules ...types.LifecycleRule) *listing.LifecycleConfig {
		return &listing.LifecycleConfig{Rules: rules, TransitionDefaultMinimumObjectSize: size}
	}
	for _, c := range []struct {
		name      string
		want, got *listing.LifecycleConfig
		same      bool
	}{
		{"order", cfg("", rule(aws.String("a"), 1), rule(aws.String("b"), 2)), cfg("", rule(aws.String("b"), 2), rule(aws.String("a"), 1)), true},
		{"id given", cfg("", rule(nil, 1)), cfg("", rule(aws.String("S3-given"), 1)), true},
		{"id changed", cfg("", rule(aws.String("a"), 1)), cfg("", rule(aws.String("b"), 1)), false},
		{"days changed", cfg("", rule(aws.String("a"), 1)), cfg("", rule(aws.String("a"), 2)), false},
		{"rule dropped", cfg("", rule(aws.String("a"), 1), rule(aws.String("b"), 1)), cfg("", rule(aws.String("a"), 1)), false},
		{"rule added", cfg("", rule(aws.String("a"), 1)), cfg("", rule(aws.String("a"), 1), rule(aws.String("b"), 1)), false},
		{"default size answered", cfg("", rule(nil, 1)), cfg("all_storage_classes_128K", rule(nil, 1)), true},
		{"size changed", cfg("varies_by_storage_class", rule(nil, 1)), cfg("all_storage_classes_128K", rule(nil, 1)), false},
		{"none", &listing.LifecycleConfig{None: true}, &listing.LifecycleConfig{None: true}, true},
		{"none then some", &listing.LifecycleConfig{None: true}, cfg("", rule(nil, 1)), false},
	} {
		if got := act.SameConfig(c.want, c.got); got != c.same {
			t.Errorf("%s: SameConfig = %v", c.name, got)
		}
	}
}

// recorded is a Progress that remembers what it heard.
type recorded struct {
	mu                 sync.Mutex
	targets, done, ups int
	bytes              int64
}

func (r *recorded) Targets(n int) { r.mu.Lock(); r.targets = n; r.mu.Unlock() }
func (r *recorded) TargetDone()   { r.mu.Lock(); r.done++; r.mu.Unlock() }
func (r *recorded) Counted(n int, b int64) {
	r.mu.Lock()
	r.ups, r.bytes = r.ups+n, r.bytes+b
	r.mu.Unlock()
}

// A plan being made tells its progress: the targets, each walked, and
// each upload selected with its bytes.
func TestPlanProgress(t *testing.T) {
	srv := s3server.StartT(t, "pp1", "pp2")
	c := srv.Client()
	srv.Clock.Backdate(48 * time.Hour)
	if err := s3server.StartUploads(t.Context(), c, "pp1", []string{"a", "b/c"}); err != nil {
		t.Fatal(err)
	}
	srv.Clock.Backdate(0)
	if err := s3server.StartUploads(t.Context(), c, "pp2", []string{"fresh"}); err != nil {
		t.Fatal(err)
	}
	p := &recorded{}
	plan, err := act.MakePlan(t.Context(), listing.NewS3(c), []act.Target{{Bucket: "pp1"}, {Bucket: "pp2"}},
		act.Selection{OlderThan: 24 * time.Hour}, act.PlanOptions{Concurrency: 2, Now: time.Now(), Progress: p})
	if err != nil || len(plan.Items) != 2 {
		t.Fatalf("plan %+v, %v: want the 2 old uploads", plan, err)
	}
	total, _ := act.Bytes(plan.Items)
	if p.targets != 2 || p.done != 2 || p.ups != 2 || p.bytes != total {
		t.Fatalf("progress heard %+v, want 2 targets walked, 2 uploads of %d bytes", p, total)
	}
}
