package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// seedAct makes an organization of alpha and beta, each with a bucket
// holding one upload of data/k, and norole, whose role is missing.
func (m *motoOrg) seedAct(t *testing.T) {
	t.Helper()
	m.create(t, "alpha", "beta", "norole")
	for _, n := range []string{"alpha", "beta"} {
		c, b := m.s3As(m.ids[n]), n+"-bucket"
		if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		m.upload(t, n)
	}
	m.accounts.MissingRole(m.ids["norole"])
}

// upload starts an upload of data/k in account n's bucket, straight at
// moto, and returns its ID.
func (m *motoOrg) upload(t *testing.T, n string) string {
	t.Helper()
	id, err := s3server.CreateUpload(context.Background(), m.s3As(m.ids[n]), n+"-bucket", "data/k", []int32{1}, func(int32) int { return 100 })
	if err != nil {
		t.Error(err)
	}
	return id
}

// uploads are the IDs of the uploads in progress in account n's bucket,
// as moto lists them.
func (m *motoOrg) uploads(t *testing.T, n string) []string {
	t.Helper()
	return uploadIDs(t, m.s3As(m.ids[n]), n+"-bucket")
}

// jsonLines parses one JSON object a line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var js []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var j map[string]any
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		js = append(js, j)
	}
	return js
}

// abort over an organization: a dry run plans the upload of each
// account, each line naming its account, and sends no abort; an account
// whose role is missing is a failed line naming it, the role and the code
// (exit 1), never skipped; --yes aborts the planned upload in each
// account, by its ID: a fresh upload of the same key, started as the
// abort is sent, stays in each.
func TestE2EOrganizationAbort(t *testing.T) {
	m := startMoto(t)
	m.seedAct(t)
	args := []string{"abort", "--organization", "--role-name", "audit", "--endpoint-url", m.proxy.URL, "--path-style", "-q"}
	noRole := "account " + m.ids["norole"] + " via arn:aws:iam::" + m.ids["norole"] + ":role/audit: AssumeRole: AccessDenied"

	dry := uploadfs(t, m.env, append(args, "--dry-run", "--format", "json")...)
	if dry.code != 1 || !strings.Contains(dry.stderr, noRole) {
		t.Fatalf("dry run: exit %d, want 1 and %q\n%s%s", dry.code, noRole, dry.stdout, dry.stderr)
	}
	var planned []string
	for _, j := range jsonLines(t, dry.stdout) {
		planned = append(planned, j["account"].(string)+" "+j["bucket"].(string)+" "+j["key"].(string)+" "+j["status"].(string))
	}
	slices.Sort(planned)
	want := []string{m.ids["alpha"] + " alpha-bucket data/k planned", m.ids["beta"] + " beta-bucket data/k planned"}
	slices.Sort(want)
	if !slices.Equal(planned, want) {
		t.Errorf("dry run planned %v, want %v", planned, want)
	}
	table := uploadfs(t, m.env, append(args, "--dry-run", "--list", "--exclude-account", m.ids["norole"])...)
	if table.code != 0 || !strings.Contains(table.stdout, "ACCOUNT") || !strings.Contains(table.stdout, m.ids["beta"]) {
		t.Errorf("dry run without norole: exit %d, want 0 and an ACCOUNT column\n%s%s", table.code, table.stdout, table.stderr)
	}
	if n := m.proxy.Count("AbortMultipartUpload"); n != 0 {
		t.Fatalf("%d aborts sent by dry runs", n)
	}

	before := map[string][]string{"alpha": m.uploads(t, "alpha"), "beta": m.uploads(t, "beta")}
	fresh := map[string]string{}
	m.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == "AbortMultipartUpload" {
			n, _, _ := strings.Cut(strings.TrimPrefix(strings.Fields(r.Key)[1], "/"), "-bucket/")
			fresh[n] = m.upload(t, n)
		}
		return faultproxy.None
	})
	yes := uploadfs(t, m.env, append(args, "--yes", "--format", "json", "--concurrency", "1")...)
	if yes.code != 1 || !strings.Contains(yes.stderr, noRole) {
		t.Fatalf("--yes: exit %d, want 1 and %q\n%s%s", yes.code, noRole, yes.stdout, yes.stderr)
	}
	if n := m.proxy.Count("AbortMultipartUpload"); n != 2 {
		t.Errorf("%d aborts sent, want 2 (one an account)\n%s", n, yes.stdout)
	}
	for _, n := range []string{"alpha", "beta"} {
		if got := m.uploads(t, n); len(before[n]) != 1 || fresh[n] == "" || !slices.Equal(got, []string{fresh[n]}) {
			t.Errorf("%s: in progress %v, want only the fresh %q (before %v)", n, got, fresh[n], before[n])
		}
	}
}

// lifecycle over an organization: each account's buckets with their
// coverage, each naming its account; norole one failed object (exit 1).
func TestE2EOrganizationLifecycle(t *testing.T) {
	m := startMoto(t)
	m.seedAct(t)
	_, err := m.s3As(m.ids["alpha"]).PutBucketLifecycleConfiguration(context.Background(), &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("alpha-bucket"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("abort"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := uploadfs(t, m.env, "lifecycle", "--organization", "--role-name", "audit", "--endpoint-url", m.proxy.URL, "--path-style", "--format", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := map[string]string{}
	for _, j := range jsonLines(t, r.stdout) {
		acct, _ := j["account"].(string)
		bucket, _ := j["bucket"].(string)
		e, _ := j["error"].(string)
		got[acct+" "+bucket] = j["coverage"].(string) + e
	}
	noRole := "unknown" + "account " + m.ids["norole"] + " via arn:aws:iam::" + m.ids["norole"] + ":role/audit: AssumeRole: AccessDenied"
	for k, want := range map[string]string{m.ids["alpha"] + " alpha-bucket": "covered", m.ids["beta"] + " beta-bucket": "none", m.ids["norole"] + " ": noRole} {
		if !strings.HasPrefix(got[k], want) {
			t.Errorf("%s: %q, want %q…", k, got[k], want)
		}
	}
	if n := m.proxy.Count("PutBucketLifecycleConfiguration") + m.proxy.Count("DeleteBucketLifecycle"); n != 0 {
		t.Errorf("a lifecycle written by lifecycle without --ensure-abort")
	}
}
