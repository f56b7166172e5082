package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	gatewaypkg "github.com/uploadfs/uploadfs/internal/gateway"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// motoOrg is moto_server on loopback serving one organization (its
// management account and the accounts created in it), STS and S3 per
// account, behind the fault proxy that fails chosen accounts.
type motoOrg struct {
	url      string // moto itself, for seeding and counting
	proxy    *faultproxy.Proxy
	accounts *faultproxy.Accounts
	ids      map[string]string // account name → ID
	env      []string
}

// startMoto starts moto_server, skipping the test when it is not on PATH
// (it is not among what make test installs), and the fault proxy.
func startMoto(t *testing.T) *motoOrg {
	t.Helper()
	srv := gatewaypkg.MotoForTest(t)
	m := &motoOrg{url: srv.URL, ids: map[string]string{}, accounts: faultproxy.NewAccounts()}
	var err error
	if m.proxy, err = faultproxy.New(m.url); err != nil {
		t.Fatal(err)
	}
	m.proxy.Accounts = m.accounts
	t.Cleanup(m.proxy.Close)
	m.env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_STS="+m.proxy.URL, "AWS_ENDPOINT_URL_ORGANIZATIONS="+m.proxy.URL)
	return m
}

// cfg is a configuration straight to moto, as the management account.
func (m *motoOrg) cfg() aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
}

// s3As is an S3 client straight to moto in account id (its role assumed).
func (m *motoOrg) s3As(id string) *s3.Client {
	cfg := m.cfg()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(m.cfg()), "arn:aws:iam::"+id+":role/seed"))
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// create makes the organization and its accounts, by name.
func (m *motoOrg) create(t *testing.T, names ...string) {
	t.Helper()
	ctx := context.Background()
	org := organizations.NewFromConfig(m.cfg())
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(n), Email: aws.String(n + "@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		m.ids[n] = aws.ToString(out.CreateAccountStatus.AccountId)
	}
}

// count is an account's uploads and bytes as moto lists them, through
// the SDK's own paginators (not uploadfs's listing).
func (m *motoOrg) count(t *testing.T, id string) (uploads, bytes int64) {
	t.Helper()
	ctx := context.Background()
	c := m.s3As(id)
	bs, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs.Buckets {
		ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b.Name})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range ups.Uploads {
			uploads++
			ps := s3.NewListPartsPaginator(c, &s3.ListPartsInput{Bucket: b.Name, Key: u.Key, UploadId: u.UploadId})
			for ps.HasMorePages() {
				page, err := ps.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page.Parts {
					bytes += aws.ToInt64(p.Size)
				}
			}
		}
	}
	return uploads, bytes
}

// seed makes an organization of six accounts besides the management
// one: alpha, beta and gamma with one, two and three buckets of one
// upload each; norole whose role is missing, denied whose ListBuckets is
// refused, gone suspended.
func (m *motoOrg) seed(t *testing.T) {
	t.Helper()
	m.create(t, "alpha", "beta", "gamma", "norole", "denied", "gone")
	ctx := context.Background()
	for i, n := range []string{"alpha", "beta", "gamma"} {
		c := m.s3As(m.ids[n])
		for j := range i + 1 {
			b := fmt.Sprintf("%s-bucket-%d", n, j)
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s3server.CreateUpload(ctx, c, b, "data/k", []int32{1, 2}, func(p int32) int { return 1000*(i+1) + int(p) + j }); err != nil {
				t.Fatal(err)
			}
		}
	}
	m.accounts.MissingRole(m.ids["norole"])
	m.accounts.DenyListBuckets(m.ids["denied"])
	m.accounts.Suspend(m.ids["gone"])
}

// An organization of five accounts besides the management one: three
// with uploads, one whose role is missing, one whose ListBuckets is
// denied, one suspended. Every format carries the accounts; the sums per
// account are moto's own count; each failed account is one error row
// naming it, the role ARN and the code; the exit status is 1. Without
// the failed accounts the report is whole.
func TestE2EOrganizationReport(t *testing.T) {
	m := startMoto(t)
	m.seed(t)
	args := []string{"report", "--organization", "--role-name", "audit", "--endpoint-url", m.proxy.URL, "--path-style", "-q"}

	r := uploadfs(t, m.env, append(args, "--format", "json")...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	type row struct {
		Account, AccountName, Bucket, Error string
		Uploads, Bytes                      int64
		Total                               bool
	}
	var rows []row
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var j map[string]any
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatal(err)
		}
		s := func(k string) string { v, _ := j[k].(string); return v }
		n := func(k string) int64 { v, _ := j[k].(float64); return int64(v) }
		rows = append(rows, row{s("account"), s("account_name"), s("bucket"), s("error"), n("uploads"), n("bytes"), j["total"] == true})
	}
	got := map[string][2]int64{}
	errs := map[string]string{}
	for _, rw := range rows {
		switch {
		case rw.Total:
		case rw.Error != "":
			errs[rw.AccountName] = rw.Error
		default:
			s := got[rw.AccountName]
			got[rw.AccountName] = [2]int64{s[0] + rw.Uploads, s[1] + rw.Bytes}
		}
	}
	var total [2]int64
	for _, n := range []string{"alpha", "beta", "gamma"} {
		u, b := m.count(t, m.ids[n])
		if got[n] != [2]int64{u, b} || u == 0 {
			t.Errorf("%s: report %v, moto %d uploads %d bytes", n, got[n], u, b)
		}
		total[0], total[1] = total[0]+u, total[1]+b
	}
	if last := rows[len(rows)-1]; !last.Total || last.Uploads != total[0] || last.Bytes != total[1] {
		t.Errorf("total %+v, want %v", last, total)
	}
	for n, want := range map[string]string{
		"norole": "via arn:aws:iam::" + m.ids["norole"] + ":role/audit: AssumeRole: AccessDenied",
		"denied": "via arn:aws:iam::" + m.ids["denied"] + ":role/audit: ListBuckets: AccessDenied",
		"gone":   "via arn:aws:iam::" + m.ids["gone"] + ":role/audit: ListAccounts: SUSPENDED",
	} {
		if !strings.Contains(errs[n], "account "+m.ids[n]+" "+want) {
			t.Errorf("%s: error %q, want …%s…", n, errs[n], want)
		}
	}
	if len(errs) != 3 {
		t.Errorf("error rows %v, want 3", errs)
	}
	for _, n := range []string{"norole", "denied"} {
		if m.accounts.Refused(m.ids[n]) == 0 {
			t.Errorf("%s: the proxy refused nothing", n)
		}
	}
	checkOrgFormats(t, m, args, got)

	// The failed accounts left out: whole, exit 0.
	ex := []string{"--exclude-account", m.ids["norole"], "--exclude-account", m.ids["denied"], "--exclude-account", m.ids["gone"]}
	if r := uploadfs(t, m.env, append(args, ex...)...); r.code != 0 || strings.Count(r.stdout, "SUBTOTAL") != 4 {
		t.Errorf("excluded: exit %d, want 0 and 4 subtotals (3 accounts and the management one)\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// checkOrgFormats parses the CSV, OpenMetrics and table formats back:
// each account's bytes as JSON gave them (want, by name).
func checkOrgFormats(t *testing.T, m *motoOrg, args []string, want map[string][2]int64) {
	t.Helper()
	r := uploadfs(t, m.env, append(args, "--format", "csv")...)
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || r.code != 1 {
		t.Fatalf("csv: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	bytes := map[string]int64{}
	for _, rec := range recs[1:] {
		if rec[col["error"]] == "" && rec[col["record_type"]] == "BUCKET" {
			n, _ := strconv.ParseInt(rec[col["incomplete_mpu_storage_bytes"]], 10, 64)
			bytes[rec[col["account_name"]]+"/"+rec[col["aws_account_number"]]] += n
		}
	}
	r = uploadfs(t, m.env, append(args, "--format", "openmetrics")...)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(strings.TrimSuffix(r.stdout, "# EOF\n")))
	if err != nil {
		t.Fatalf("openmetrics: %v\n%s", err, r.stdout)
	}
	metric := map[string]int64{}
	for _, s := range fams["uploadfs_incomplete_upload_bytes"].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == "account" {
				metric[l.GetValue()] += int64(s.GetGauge().GetValue())
			}
		}
	}
	table := uploadfs(t, m.env, args...).stdout
	for _, n := range []string{"alpha", "beta", "gamma"} {
		id := m.ids[n]
		if bytes[n+"/"+id] != want[n][1] || metric[id] != want[n][1] {
			t.Errorf("%s: csv %d, openmetrics %d bytes, json %d", n, bytes[n+"/"+id], metric[id], want[n][1])
		}
		if !regexp.MustCompile(`(?m)^` + id + ` ` + n + ` +SUBTOTAL `).MatchString(table) {
			t.Errorf("table: no subtotal of %s\n%s", id, table)
		}
	}
}

// Repeated --profile: each profile (role_arn and source_profile) is one
// account, its ID from GetCallerIdentity; no Organizations call.
func TestE2EProfilesReport(t *testing.T) {
	m := startMoto(t)
	m.create(t, "alpha", "beta")
	ctx := context.Background()
	var conf strings.Builder
	conf.WriteString("[profile base]\nregion = us-east-1\n")
	for _, n := range []string{"alpha", "beta"} {
		b := n + "-logs"
		if _, err := m.s3As(m.ids[n]).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s3server.CreateUpload(ctx, m.s3As(m.ids[n]), b, "k", []int32{1}, func(int32) int { return len(n) }); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&conf, "[profile %s]\nrole_arn = arn:aws:iam::%s:role/audit\nsource_profile = base\n", n, m.ids[n])
	}
	dir := t.TempDir()
	os.WriteFile(dir+"/config", []byte(conf.String()), 0o600)
	os.WriteFile(dir+"/credentials", []byte("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n"), 0o600)
	env := append(m.env, "AWS_CONFIG_FILE="+dir+"/config", "AWS_SHARED_CREDENTIALS_FILE="+dir+"/credentials")
	r := uploadfs(t, env, "report", "--profile", "alpha", "--profile", "beta", "--endpoint-url", m.proxy.URL, "--path-style", "-q", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, n := range []string{"alpha", "beta"} {
		want := fmt.Sprintf(`{"account":%q,"bucket":"%s-logs","region":"us-east-1","uploads":1,"parts":1,"bytes":%d,`, m.ids[n], n, len(n))
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no row %s in\n%s", want, r.stdout)
		}
	}
}

// The mount's level of accounts: du -sb per account is moto's count, the
// name in user.s3.account-name; an account that cannot be reached is a
// directory failing with EACCES, logged once (one whose ListBuckets is
// refused fails as a refused listing does).
func TestE2EOrganizationMount(t *testing.T) {
	shelltest.Need(t, "getfattr")
	m := startMoto(t)
	m.seed(t)
	logFile := filepath.Join(t.TempDir(), "log")
	g := &gateway{url: m.proxy.URL, env: m.env}
	mnt := g.mount(t, "--organization", "--role-name", "audit", "--log-file", logFile)
	for _, n := range []string{"alpha", "beta", "gamma"} {
		dir := filepath.Join(mnt, m.ids[n])
		_, bytes := m.count(t, m.ids[n])
		if got := shelltest.Sh(t, "du -sb "+shelltest.Quote(dir)); !strings.HasPrefix(got, fmt.Sprint(bytes)+"\t") {
			t.Errorf("du -sb %s: %q, want %d", n, got, bytes)
		}
		if got := shelltest.Sh(t, "getfattr --absolute-names --only-values -n user.s3.account-name "+shelltest.Quote(dir)); got != n {
			t.Errorf("account-name of %s: %q", n, got)
		}
	}
	for _, n := range []string{"norole", "gone", "denied"} {
		for range 2 {
			if _, err := os.ReadDir(filepath.Join(mnt, m.ids[n])); !errors.Is(err, syscall.EACCES) {
				t.Errorf("%s: %v, want EACCES", n, err)
			}
		}
	}
	logs, _ := os.ReadFile(logFile)
	for _, n := range []string{"norole", "gone"} {
		if c := strings.Count(string(logs), "account="+m.ids[n]+" err="); c != 1 {
			t.Errorf("%s logged %d times, want once:\n%s", n, c, logs)
		}
	}
}
