package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// TestReportTop: --top's uploads are the first of what the AWS CLI lists,
// sorted apart as the docs say (bytes, then bucket, key, upload ID), in
// every format; --format html --output writes one page with the JSON
// report's totals; a bad --top or --top-by is a usage error.
func TestReportTop(t *testing.T) {
	s := startReportServer(t)
	buckets := []string{"top-a", "top-b"}
	c := s.g.client()
	for _, b := range buckets {
		if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	s.front.SetRules("top-a", faultproxy.AbortRule("week", "", 7))
	for i, n := range []int{900, 300, 900, 50, 1200, 300, 900, 7} {
		key := fmt.Sprintf("std/u%d/k%d", i%3, i%4)
		if _, err := s3server.CreateUpload(t.Context(), c, buckets[i%2], key, []int32{1}, func(int32) int { return n }); err != nil {
			t.Fatal(err)
		}
	}
	cli := cliRecords(t, s.at, buckets)
	slices.SortFunc(cli, func(x, y cliRecord) int {
		return cmp.Or(cmp.Compare(y.bytes, x.bytes), cmp.Compare(x.bucket, y.bucket), cmp.Compare(x.key, y.key), cmp.Compare(x.id, y.id))
	})
	const n = 4
	var want []string
	for _, r := range cli[:n] {
		want = append(want, fmt.Sprintf("%s %s %s %d", r.bucket, r.key, r.id, r.bytes))
	}

	r := s.report(t, "--format", "json", "--top", fmt.Sprint(n), "top-a", "top-b")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := parseJSONLines(t, r.stdout)
	var got []string
	for _, j := range lines {
		if j["upload"] != true {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s %s %d", j.str("bucket"), j.str("key"), j.str("upload_id"), j.num("bytes")))
		if abort := j.str("abort_date"); (j.str("bucket") == "top-a") == (abort == "never" || abort == "") {
			t.Errorf("%v: a rule covers top-a only", j)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("--top %d:\n%q\nthe AWS CLI's, sorted:\n%q", n, got, want)
	}
	total := lines[len(lines)-n-1]

	if r := s.report(t, "--format", "csv", "--top", fmt.Sprint(n), "top-a", "top-b"); strings.Count(r.stdout, ",UPLOAD,") != n {
		t.Errorf("csv: %d UPLOAD records, want %d:\n%s", strings.Count(r.stdout, ",UPLOAD,"), n, r.stdout)
	}
	if r := s.report(t, "--top", fmt.Sprint(n), "top-a", "top-b"); !strings.Contains(r.stdout, fmt.Sprintf("top %d uploads by bytes (%d listed):", n, n)) {
		t.Errorf("table:\n%s", r.stdout)
	}

	page := filepath.Join(t.TempDir(), "report.html")
	if r := s.report(t, "--format", "html", "--output", page, "--top", "2", "top-a", "top-b"); r.code != 0 || r.stdout != "" {
		t.Fatalf("--format html --output: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if n := strings.Count(html, `<g class="area"`); n != len(buckets) {
		t.Errorf("%d treemap areas, want one a bucket", n)
	}
	m := regexp.MustCompile(`<data id="total-bytes" value="(\d+)">`).FindStringSubmatch(html)
	if m == nil || m[1] != fmt.Sprint(total.num("bytes")) {
		t.Errorf("the page's total bytes %q, the JSON's %d", m, total.num("bytes"))
	}
	if !strings.Contains(html, "aws s3api abort-multipart-upload --bucket "+cli[0].bucket) {
		t.Error("the page has no command for the largest upload")
	}

	for _, bad := range [][]string{{"--top", "-1"}, {"--top", "3", "--top-by", "size"}, {"--format", "pdf"}} {
		if r := s.report(t, bad...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", bad, r.code)
		}
	}
}
