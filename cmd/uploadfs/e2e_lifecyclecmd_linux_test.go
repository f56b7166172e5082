package main

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	gatewaypkg "github.com/uploadfs/uploadfs/internal/gateway"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// lifecycleWorld is moto_server (which keeps lifecycle configurations as
// written, docs/servers.md) behind the fault proxy.
type lifecycleWorld struct {
	c     *s3.Client // straight to the server
	fault *faultproxy.Proxy
	g     *gateway // uploadfs's environment, at the fault proxy
}

func startLifecycleWorld(t *testing.T, buckets ...string) *lifecycleWorld {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not on PATH (pip install 'moto[server]'): the lifecycle command is tested against it")
	}
	srv, err := gatewaypkg.StartMoto(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	w := &lifecycleWorld{}
	_, w.c = compatGateway(t, srv.URL, "test", "test")
	s3server.CreateBuckets(t, w.c, buckets...)
	w.fault = faultproxy.NewT(t, srv.URL)
	w.g, _ = compatGateway(t, w.fault.URL, "test", "test")
	return w
}

func (w *lifecycleWorld) lifecycle(t *testing.T, args ...string) result {
	t.Helper()
	return uploadfs(t, w.g.env, append([]string{"lifecycle", "--endpoint-url", w.g.url, "--path-style"}, args...)...)
}

func (w *lifecycleWorld) put(t *testing.T, bucket string, rules ...types.LifecycleRule) {
	t.Helper()
	if _, err := w.c.PutBucketLifecycleConfiguration(t.Context(), &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String(bucket), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules},
	}); err != nil {
		t.Fatal(err)
	}
}

func (w *lifecycleWorld) get(t *testing.T, bucket string) *s3.GetBucketLifecycleConfigurationOutput {
	t.Helper()
	out, err := w.c.GetBucketLifecycleConfiguration(t.Context(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rich is a configuration of every kind: transitions and expiration under
// a prefix and a tag, noncurrent versions by size, and a rule-level
// <Prefix> rule (as Ceph RGW answers).
func rich() []types.LifecycleRule {
	return []types.LifecycleRule{{
		ID: aws.String("archive-logs"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("logs/"),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}}},
		Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}},
		Expiration:  &types.LifecycleExpiration{Days: aws.Int32(365)},
	}, {
		ID: aws.String("big-versions"), Status: types.ExpirationStatusDisabled,
		Filter:                      &types.LifecycleRuleFilter{ObjectSizeGreaterThan: aws.Int64(1 << 20)},
		NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(90)},
	}, {
		ID: aws.String("legacy"), Status: types.ExpirationStatusEnabled, Prefix: aws.String("old/"),
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(10)},
	}}
}

// --ensure-abort over a rich configuration: the dry run (warning of the
// bucket Terraform's tags claim) and a run without a terminal send no PUT; --apply --yes leaves every rule as it was plus
// the new one (GET before and after, compared); a second run is covered
// and sends no PUT.
func TestLifecycleEnsureAbortRoundTrip(t *testing.T) {
	w := startLifecycleWorld(t, "lc-rich", "lc-empty")
	w.put(t, "lc-rich", rich()...)
	before := w.get(t, "lc-rich")
	if _, err := w.c.PutBucketTagging(t.Context(), &s3.PutBucketTaggingInput{Bucket: aws.String("lc-empty"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("ManagedBy"), Value: aws.String("Terraform")}}}}); err != nil {
		t.Fatal(err)
	}

	dry := w.lifecycle(t, "--ensure-abort", "7", "lc-rich", "lc-empty")
	if dry.code != 0 || strings.Count(dry.stdout, "+ uploadfs-abort-incomplete-uploads-7d Enabled") != 2 ||
		!strings.Contains(dry.stdout, `legacy Enabled prefix="old/"(rule-level) expire(10d)`) {
		t.Fatalf("dry run: exit %d\n%s%s", dry.code, dry.stdout, dry.stderr)
	}
	if strings.Count(dry.stdout, "warning: its tags say Terraform manages this bucket") != 1 {
		t.Fatalf("dry run: want the Terraform warning for lc-empty alone\n%s", dry.stdout)
	}
	if r := w.lifecycle(t, "--ensure-abort", "7", "--apply", "lc-rich"); r.code != 2 || !strings.Contains(r.stderr, "no terminal to ask on: nothing changed; add --yes") ||
		strings.Contains(r.stderr, "Usage:") {
		t.Fatalf("--apply without a terminal or --yes: exit %d, want 2 and one line saying what to add\n%s", r.code, r.stderr)
	}
	if n := w.fault.Changes(); n != 0 {
		t.Fatalf("%d changing requests before --apply --yes", n)
	}

	r := w.lifecycle(t, "--ensure-abort", "7", "--apply", "--yes", "lc-rich", "lc-empty")
	if r.code != 0 || strings.Count(r.stdout, "written and read back unchanged") != 2 {
		t.Fatalf("--apply --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	after := w.get(t, "lc-rich")
	var kept []types.LifecycleRule
	var added *types.LifecycleRule
	for _, rule := range after.Rules {
		if aws.ToString(rule.ID) == "uploadfs-abort-incomplete-uploads-7d" {
			added = &rule
			continue
		}
		kept = append(kept, rule)
	}
	if !reflect.DeepEqual(kept, before.Rules) || after.TransitionDefaultMinimumObjectSize != before.TransitionDefaultMinimumObjectSize {
		t.Fatalf("rules changed:\nbefore %+v\nafter  %+v", before.Rules, kept)
	}
	if added == nil || added.Status != types.ExpirationStatusEnabled || aws.ToInt32(added.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 7 ||
		added.Filter == nil || aws.ToString(added.Filter.Prefix) != "" || added.Filter.And != nil || added.Filter.Tag != nil {
		t.Fatalf("the new rule: %+v", added)
	}
	if got := w.get(t, "lc-empty").Rules; len(got) != 1 || aws.ToString(got[0].ID) != "uploadfs-abort-incomplete-uploads-7d" {
		t.Fatalf("a bucket without a configuration got %+v", got)
	}

	puts := w.fault.Count("PutBucketLifecycleConfiguration")
	again := w.lifecycle(t, "--ensure-abort", "14", "--apply", "--yes", "lc-rich")
	if again.code != 0 || !strings.Contains(again.stdout, `already covered by rule "uploadfs-abort-incomplete-uploads-7d" (7 days): nothing to do`) {
		t.Fatalf("covered: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}
	if n := w.fault.Count("PutBucketLifecycleConfiguration"); n != puts {
		t.Fatalf("a covered bucket was written (%d PUTs, then %d)", puts, n)
	}
	show := w.lifecycle(t, "lc-rich")
	if show.code != 0 || !strings.Contains(show.stdout, "lc-rich: covered: every upload is aborted within 7 days") {
		t.Fatalf("show: exit %d\n%s%s", show.code, show.stdout, show.stderr)
	}
}

// What no server here does, from the fault proxy: a server that takes the
// PUT and drops the rule (MinIO), a change between the read and the write,
// and AccessDenied on the read. Each is exit 1 with its line; only the
// first sends a PUT.
func TestLifecycleEnsureAbortRefusals(t *testing.T) {
	w := startLifecycleWorld(t, "lc-drop", "lc-change", "lc-denied")
	for _, b := range []string{"lc-drop", "lc-change", "lc-denied"} {
		w.put(t, b, rich()[0])
	}
	gets := map[string]int{}
	w.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		switch {
		case strings.Contains(r.Key, "/lc-drop?") && r.Op == "PutBucketLifecycleConfiguration":
			return faultproxy.DropLifecycle
		case strings.Contains(r.Key, "/lc-change?") && r.Op == "GetBucketLifecycleConfiguration":
			gets["lc-change"]++
			if gets["lc-change"] == 2 { // the read just before the write
				return faultproxy.ChangeLifecycle
			}
		case strings.Contains(r.Key, "/lc-denied?") && r.Op == "GetBucketLifecycleConfiguration":
			return faultproxy.Forbidden
		}
		return faultproxy.None
	})
	for _, c := range []struct{ bucket, want string }{
		{"lc-drop", "lc-drop: the configuration read back is not the one written: missing or changed: uploadfs-abort-incomplete-uploads-7d"},
		{"lc-change", "lc-change: the configuration changed since it was read: nothing written"},
		{"lc-denied", "lc-denied: refused:"},
	} {
		r := w.lifecycle(t, "--ensure-abort", "7", "--apply", "--yes", c.bucket)
		if r.code != 1 || !strings.Contains(r.stdout, c.want) {
			t.Fatalf("%s: exit %d, want 1 and %q\n%s%s", c.bucket, r.code, c.want, r.stdout, r.stderr)
		}
	}
	if n := w.fault.Count("PutBucketLifecycleConfiguration"); n != 1 {
		t.Fatalf("%d PUTs, want only lc-drop's", n)
	}
	if r := w.lifecycle(t, "lc-denied"); r.code != 1 || !strings.Contains(r.stdout, "lc-denied: unknown:") {
		t.Fatalf("showing a configuration that cannot be read: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// versitygw implements no lifecycle configuration (501 NotImplemented):
// --ensure-abort refuses and writes nothing.
func TestLifecycleEnsureAbortNotImplemented(t *testing.T) {
	g := startGateway(t)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "lc-versity")
	r := uploadfs(t, g.env, "lifecycle", "--endpoint-url", g.url, "--path-style", "--ensure-abort", "7", "--apply", "--yes", "lc-versity")
	if r.code != 1 || !strings.Contains(r.stdout, "lc-versity: refused:") || !strings.Contains(r.stdout, "does not implement lifecycle configurations") {
		t.Fatalf("exit %d, want 1 and the refusal\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// lifecycle without an action lists every rule that has the abort action
// (ID, status, filter, days), what it covers and what it leaves out: a
// disabled rule, and a rule whose filter has tags (S3 refuses the action
// on it; moto keeps it), cover nothing; the JSON says the same. (moto
// drops a size filter: TestCoveragesSized has that rule.)
func TestLifecycleShowRules(t *testing.T) {
	w := startLifecycleWorld(t, "lc-show")
	abort := func(days int32) *types.AbortIncompleteMultipartUpload {
		return &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(days)}
	}
	w.put(t, "lc-show", types.LifecycleRule{
		ID: aws.String("logs"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")}, AbortIncompleteMultipartUpload: abort(3),
	}, types.LifecycleRule{
		ID: aws.String("off"), Status: types.ExpirationStatusDisabled,
		Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}, AbortIncompleteMultipartUpload: abort(1),
	}, types.LifecycleRule{
		ID: aws.String("tagged"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("t/"),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}}},
		AbortIncompleteMultipartUpload: abort(1),
	}, rich()[2])

	r := w.lifecycle(t, "--format", "json", "lc-show")
	var got struct {
		Coverage string
		Rules    []struct {
			ID, Status, Filter, Covers string
			LeavesOut                  string `json:"leaves_out"`
			Days                       int32
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil {
		t.Fatalf("--format json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if got.Coverage != "partly" || len(got.Rules) != 3 {
		t.Fatalf("coverage %q, %d rules with the abort action, want partly and 3\n%s", got.Coverage, len(got.Rules), r.stdout)
	}
	for i, want := range []struct{ id, status, filter, covers, leaves string }{
		{"logs", "Enabled", `prefix="logs/"`, `keys that start with "logs/"`, "every other key"},
		{"off", "Disabled", `prefix=""`, "no upload", "not enabled"},
		{"tagged", "Enabled", `prefix="t/",tag:team=ops`, "no upload", "has tags"},
	} {
		g := got.Rules[i]
		if g.ID != want.id || g.Status != want.status || g.Filter != want.filter || !strings.Contains(g.Covers, want.covers) || !strings.Contains(g.LeavesOut, want.leaves) {
			t.Errorf("rule %d: %+v, want %+v", i, g, want)
		}
	}
	table := w.lifecycle(t, "lc-show")
	if table.code != 0 || !strings.Contains(table.stdout, "lc-show: partly") ||
		!strings.Contains(table.stdout, `rule "off" Disabled prefix="" 1d`) || !strings.Contains(table.stdout, "leaves out: every upload: it is not enabled") {
		t.Fatalf("table: exit %d\n%s%s", table.code, table.stdout, table.stderr)
	}
}

// --ensure-abort --format json: one object a bucket, the plan (with its
// diff) in a dry run, what became of it with --apply.
func TestLifecycleEnsureAbortJSON(t *testing.T) {
	w := startLifecycleWorld(t, "lc-j-empty", "lc-j-covered")
	w.put(t, "lc-j-covered", types.LifecycleRule{ID: aws.String("three"), Status: types.ExpirationStatusEnabled,
		Filter:                         &types.LifecycleRuleFilter{Prefix: aws.String("")},
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(3)}})
	type config struct {
		None  bool
		Rules []string
	}
	type bucket struct {
		Bucket, Status, Rule, Reason string
		CoveredBy                    *struct{ ID string } `json:"covered_by"`
		Before, After                *config
	}
	run := func(args ...string) map[string]bucket {
		t.Helper()
		r := w.lifecycle(t, append([]string{"--ensure-abort", "7", "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		got := map[string]bucket{}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var b bucket
			if err := json.Unmarshal([]byte(line), &b); err != nil {
				t.Fatalf("%v: %v in %q", args, err, line)
			}
			got[b.Bucket] = b
		}
		return got
	}
	dry := run("lc-j-empty", "lc-j-covered")
	e, c := dry["lc-j-empty"], dry["lc-j-covered"]
	if len(dry) != 2 || e.Status != "planned" || e.Rule != "uploadfs-abort-incomplete-uploads-7d" || e.Before == nil || !e.Before.None ||
		e.After == nil || len(e.After.Rules) != 1 || !strings.HasPrefix(e.After.Rules[0], "uploadfs-abort-incomplete-uploads-7d Enabled") {
		t.Fatalf("dry run of lc-j-empty: %+v", e)
	}
	if c.Status != "covered" || c.CoveredBy == nil || c.CoveredBy.ID != "three" {
		t.Fatalf("dry run of lc-j-covered: %+v", c)
	}
	if n := w.fault.Changes(); n != 0 {
		t.Fatalf("%d changing requests in a dry run", n)
	}
	applied := run("--apply", "--yes", "lc-j-empty", "lc-j-covered")
	if e := applied["lc-j-empty"]; len(applied) != 2 || e.Status != "written" || e.After == nil || len(e.After.Rules) != 1 {
		t.Fatalf("--apply of lc-j-empty: %+v", e)
	}
	if c := applied["lc-j-covered"]; c.Status != "covered" {
		t.Fatalf("--apply of lc-j-covered: %+v", c)
	}
	if n := w.fault.Count("PutBucketLifecycleConfiguration"); n != 1 {
		t.Fatalf("%d PUTs, want 1", n)
	}
}
