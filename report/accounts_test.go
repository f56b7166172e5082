package report

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
)

// accountOf is a report.Account over s's lister.
func accountOf(s *testServer, id, name string) Account {
	return Account{Account: accounts.Account{ID: id, Name: name, Via: "arn:aws:iam::" + id + ":role/audit"},
		Lister: s.l, Lifecycles: s.l, Region: func(string) string { return "us-east-1" }}
}

// Accounts are scanned each with its own lister; every row carries its
// account; an account that cannot be reached and one whose ListBuckets is
// refused are one error row each, naming the role and the code; the
// total sums the others.
func TestRunAccounts(t *testing.T) {
	a, b := newTestServer(t, "aaa1", "aaa2"), newTestServer(t, "bbb1")
	a.upload(t, "aaa1", "k", time.Hour, 100, 50)
	a.upload(t, "aaa2", "k", time.Hour, 7)
	b.upload(t, "bbb1", "x/y", time.Hour, 1000)
	denied := newTestServer(t, "ddd1")
	denied.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == "ListBuckets" {
			return faultproxy.Forbidden
		}
		return faultproxy.None
	})
	missing := accountOf(a, "444444444444", "gone")
	missing.Reach = func(context.Context) error {
		return &accounts.Error{Account: missing.Account, Op: "AssumeRole",
			Err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole"}}
	}
	empty := accountOf(newTestServer(t), "555555555555", "empty")
	o := Options{Accounts: []Account{accountOf(b, "222222222222", "beta"), accountOf(a, "111111111111", "alpha"),
		accountOf(denied, "333333333333", "denied"), missing, empty}, Progress: &Progress{}}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rep.Rows {
		got = append(got, r.Account+" "+r.AccountName+" "+r.Bucket)
	}
	want := []string{"111111111111 alpha aaa1", "111111111111 alpha aaa2", "222222222222 beta bbb1", "333333333333 denied ", "444444444444 gone ",
		"555555555555 empty "} // an account with no bucket: a row of zeros
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if rep.Rows[0].Bytes != 150 || rep.Rows[2].Bytes != 1000 || rep.Total.Bytes != 1157 || rep.Total.Uploads != 3 || rep.Failed != 2 {
		t.Errorf("sums: %+v %+v total %+v failed %d", rep.Rows[0], rep.Rows[2], rep.Total, rep.Failed)
	}
	for i, want := range []string{"account 333333333333 via arn:aws:iam::333333333333:role/audit: ListBuckets: AccessDenied",
		"account 444444444444 via arn:aws:iam::444444444444:role/audit: AssumeRole: AccessDenied: not authorized to perform: sts:AssumeRole (missing permission: sts:AssumeRole)"} {
		e := rep.Rows[3+i].Err
		var ae *accounts.Error
		if !errors.As(e, &ae) || !strings.HasPrefix(errorText(e), want) {
			t.Errorf("error row %d: %v, want %q…", 3+i, e, want)
		}
	}
	if !strings.Contains(errorText(rep.Rows[3].Err), "(missing permission: s3:ListAllMyBuckets)") {
		t.Errorf("denied ListBuckets names no permission: %v", rep.Rows[3].Err)
	}
	if last := rep.Rows[5]; last.Err != nil || last.Uploads != 0 {
		t.Errorf("the empty account: %+v", last)
	}
	if n, done := o.Progress.accounts.Load(), o.Progress.accountsDone.Load(); n != 5 || done != 5 {
		t.Errorf("progress: %d of %d accounts", done, n)
	}
	if d := o.Progress.accountsLine(); d != "5/5 accounts, " {
		t.Errorf("progress line %q counts no accounts", d)
	}
}

// A refused upload or part listing names the permission the audit roles
// lack.
func TestDeniedNamesPermission(t *testing.T) {
	for op, perm := range map[string]string{"ListMultipartUploads": "s3:ListBucketMultipartUploads", "ListParts": "s3:ListMultipartUploadParts"} {
		s := newTestServer(t, "bkt")
		s.upload(t, "bkt", "k", time.Hour, 10)
		s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
			if r.Op == op {
				return faultproxy.Forbidden
			}
			return faultproxy.None
		})
		rep, err := Run(context.Background(), s.options())
		if err != nil {
			t.Fatal(err)
		}
		if got := errorText(rep.Rows[0].Err); !strings.HasSuffix(got, "(missing permission: "+perm+")") {
			t.Errorf("%s refused: %q names no %s", op, got, perm)
		}
	}
}

// The table has an ACCOUNT column and a subtotal per account; JSON
// carries account and account_name; the metrics an account label.
func TestAccountsFormats(t *testing.T) {
	rep := goldenReports()["accounts"]
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	subtotals := strings.Count(b.String(), "SUBTOTAL")
	if !strings.HasPrefix(b.String(), "ACCOUNT") || subtotals != 2 {
		t.Errorf("table without ACCOUNT column or 3 subtotals (none for the account that failed whole):\n%s", b.String())
	}
	b.Reset()
	rep.WriteJSON(&b)
	for i, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["account"]; ok == (i == len(rep.Rows)) {
			t.Errorf("line %d: account key present %v: %s", i, ok, line)
		}
	}
}

// accountsReport is a golden report of three accounts: two buckets in
// one, one in another, a third whose role could not be assumed.
func accountsReport(now time.Time, ages []Age) *Report {
	rep := &Report{Time: now, Ages: ages, Prices: DefaultPrices(), Requests: RequestCounts{List: 9, Other: 3}, ScanUSD: 0.000045, Failed: 1}
	rep.Rows = []Row{
		{Key: Key{Bucket: "logs"}, Account: "111122223333", AccountName: "prod", Region: "us-east-1", Uploads: 2, Parts: 3, Bytes: 3 << 20,
			Older: []Count{{2, 3 << 20}, {0, 0}}, Oldest: now.Add(-30 * time.Hour), Lifecycle: Coverage{CoverageNone, 0}, NoAbortRule: Count{2, 3 << 20}, MonthlyUSD: 0.0000690,
			byClass: map[string]int64{"STANDARD": 3 << 20}},
		{Key: Key{Bucket: "media"}, Account: "111122223333", AccountName: "prod", Region: "eu-west-1", Older: []Count{{0, 0}, {0, 0}}, Lifecycle: Coverage{CoverageCovered, 7}},
		{Key: Key{Bucket: "builds"}, Account: "444455556666", AccountName: "dev", Region: "us-east-1", Uploads: 1, Parts: 1, Bytes: 5 << 20,
			Older: []Count{{1, 5 << 20}, {1, 5 << 20}}, Oldest: now.Add(-8 * 24 * time.Hour), Lifecycle: Coverage{CoverageNone, 0}, NoAbortRule: Count{1, 5 << 20}, MonthlyUSD: 0.000115,
			byClass: map[string]int64{"STANDARD": 5 << 20}},
		{Account: "777788889999", AccountName: "sandbox", Err: &accounts.Error{
			Account: accounts.Account{ID: "777788889999", Name: "sandbox", Via: "arn:aws:iam::777788889999:role/uploadfs-audit"},
			Op:      "AssumeRole", Err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole"}}},
	}
	rep.Total = total(rep.Rows, ages, rep.Prices)
	// --top 2: each upload names its account, as its row does.
	rep.TopN, rep.TopBy = 2, TopBytes
	rep.Top = []Upload{
		{Rank: 1, Account: "444455556666", AccountName: "dev", Bucket: "builds", Region: "us-east-1", Key: "ci/app.tar", ID: "u-1",
			Initiated: now.Add(-8 * 24 * time.Hour), Parts: 1, Bytes: 5 << 20, StorageClass: "STANDARD", MonthlyUSD: 0.000115, Never: true},
		{Rank: 2, Account: "111122223333", AccountName: "prod", Bucket: "logs", Region: "us-east-1", Key: "app/1.log", ID: "u-2",
			Initiated: now.Add(-30 * time.Hour), Parts: 2, Bytes: 2 << 20, StorageClass: "STANDARD", MonthlyUSD: 0.000046, Never: true},
	}
	return rep
}
