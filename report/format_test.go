package report

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the formats' golden files in testdata/")

// goldenReports are reports made by hand with every kind of row: lifecycle
// covered, partly, none, unknown and not applicable (a vault), an error
// row, a prefix row at the top level, keys to escape, and the total.
func goldenReports() map[string]*Report {
	now := time.Date(2026, 12, 2, 4, 34, 30, 0, time.UTC)
	ages := []Age{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}
	prices := DefaultPrices()
	if err := prices.Set("STANDARD", 0.02); err != nil {
		panic(err) // the embedded table prices STANDARD
	}
	grouped := &Report{Time: now, By: By{Prefix: true, Depth: 1, StorageClass: true, Initiator: true}, Ages: ages, Prices: prices,
		Requests: RequestCounts{List: 41, Other: 4}, ScanUSD: 0.0002066, Failed: 1, Vanished: 3}
	grouped.Rows = []Row{
		{Key: Key{"alpha", "", "STANDARD", ""}, Region: "us-east-1", HasPrefix: true, Uploads: 1, Parts: 0, Bytes: 0,
			Older: []Count{{1, 0}, {0, 0}}, Oldest: now.Add(-30 * time.Hour), Lifecycle: Coverage{CoveragePartly, 0},
			NoAbortRule: Count{1, 0}, MonthlyUSD: 0},
		{Key: Key{"alpha", "odd names/\"q\"\\", "GLACIER", "arn:aws:iam::111122223333:user/ci"}, Region: "us-east-1", HasPrefix: true,
			Uploads: 3, Parts: 2620, Bytes: 21845333, Older: []Count{{3, 21845333}, {2, 21463040}}, Oldest: now.Add(-40 * 24 * time.Hour),
			Lifecycle: Coverage{CoverageCovered, 7}, NextAbort: now.Add(-30 * 24 * time.Hour), MonthlyUSD: 0.00046793619077652690},
		{Key: Key{"beta", "logs/", "STANDARD_IA", "id-1"}, Region: "eu-west-1", HasPrefix: true, Uploads: 2, Parts: 47, Bytes: 962560,
			Older: []Count{{2, 962560}, {1, 819200}}, Oldest: now.Add(-9 * 24 * time.Hour), Lifecycle: Coverage{CoverageNone, 0},
			NoAbortRule: Count{2, 962560}, MonthlyUSD: 0.0000206184},
		{Key: Key{"delta", "d/", "STANDARD", "id-2"}, Region: "", HasPrefix: true, Uploads: 1, Parts: 1, Bytes: 5,
			Older: []Count{{0, 0}, {0, 0}}, Oldest: now.Add(-time.Hour), Lifecycle: Coverage{CoverageUnknown, 0}, MonthlyUSD: 1e-10},
		{Key: Key{"gamma", "x/", "", ""}, Region: "us-east-1", HasPrefix: true, Err: errors.New("ListMultipartUploads s3://gamma/x/: AccessDenied")},
	}
	grouped.Total = Row{Total: true, Uploads: 7, Parts: 2668, Bytes: 22807898, Older: []Count{{6, 22807893}, {3, 22282240}},
		Oldest: now.Add(-40 * 24 * time.Hour), NoAbortRule: Count{3, 962560}, NextAbort: now.Add(-30 * 24 * time.Hour), MonthlyUSD: 0.00048855469077652690}

	vaults := &Report{Time: now, Ages: ages[1:], Prices: DefaultPrices(), Requests: RequestCounts{List: 3}, ScanUSD: 0.000015}
	vaults.Rows = []Row{
		{Key: Key{Bucket: "archive-vault"}, Region: "us-east-1", Uploads: 2, Parts: 8, Bytes: 8 << 20, Older: []Count{{2, 8 << 20}},
			Oldest: now.Add(-3 * 24 * time.Hour), MonthlyUSD: 0.0000281},
		{Key: Key{Bucket: "quiet-vault"}, Region: "us-east-1", Older: []Count{{0, 0}}},
	}
	vaults.Total = Row{Total: true, Uploads: 2, Parts: 8, Bytes: 8 << 20, Older: []Count{{2, 8 << 20}}, Oldest: now.Add(-3 * 24 * time.Hour), MonthlyUSD: 0.0000281}
	return map[string]*Report{"grouped": grouped, "vaults": vaults, "top": topGoldenReport(), "accounts": accountsReport(now, ages)}
}

// TestFormatsGolden holds every format's output to the bytes in testdata/
// (go test -run TestFormatsGolden -update rewrites them).
func TestFormatsGolden(t *testing.T) {
	for name, rep := range goldenReports() {
		for format, write := range map[string]func(io.Writer) error{
			"table": rep.WriteTable, "json": rep.WriteJSON, "csv": rep.WriteCSV, "openmetrics": rep.WriteMetrics,
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+"."+format)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s, --format %s:\n%s\nwant:\n%s", name, format, b.Bytes(), want)
			}
		}
	}
}

// TestColumnsTable checks what the formats take for granted of the table:
// names unique in each format, a help for each metric, a value for each
// column, metricAfter naming a column.
func TestColumnsTable(t *testing.T) {
	seen := map[string]string{}
	once := func(format, name, col string) {
		if prev, dup := seen[format+" "+name]; dup && name != "" {
			t.Errorf("%s %q is both %q's and %q's", format, name, prev, col)
		}
		seen[format+" "+name] = col
	}
	for _, c := range Columns() {
		once("column", c.Name, c.Name)
		once("table", c.Header, c.Name)
		once("json", c.JSON, c.Name)
		for _, n := range c.CSV {
			once("csv", n, c.Name)
		}
		for _, n := range c.Metric {
			once("openmetrics", n, c.Name)
		}
		if c.value == nil {
			t.Errorf("%q has no value", c.Name)
		}
		if c.of != keyScope && len(c.Help) != len(c.Metric) {
			t.Errorf("%q has %d metrics and %d helps", c.Name, len(c.Metric), len(c.Help))
		}
	}
	for _, c := range Columns() {
		if c.metricAfter != "" && seen["column "+c.metricAfter] == "" {
			t.Errorf("%q goes after %q, which is no column", c.Name, c.metricAfter)
		}
	}
}

// One day and one request are singular; a cost is printed to 1e-10 USD in
// its shortest form, not with a sum's float noise, in every format.
func TestSingularsAndCosts(t *testing.T) {
	if s := (Coverage{CoverageCovered, 1}).String(); s != "covered (1 day)" {
		t.Errorf("coverage %q", s)
	}
	rep := &Report{Time: time.Unix(0, 0), Prices: DefaultPrices(), Requests: RequestCounts{List: 36, Other: 3}, Total: Row{Total: true}}
	rep.ScanUSD = rep.Prices.ScanCost(rep.Requests)
	if rep.ScanUSD == 0.0001812 {
		t.Fatal("the sum carries no noise to test with")
	}
	for format, write := range map[string]func(io.Writer) error{"json": rep.WriteJSON, "csv": rep.WriteCSV, "openmetrics": rep.WriteMetrics} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "0.0001812") || strings.Contains(b.String(), "0.00018119") {
			t.Errorf("--format %s:\n%s", format, b.String())
		}
	}
	rep.Requests = RequestCounts{List: 1}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil || !strings.Contains(b.String(), "this scan: 1 request (1 LIST)") {
		t.Errorf("table (%v):\n%s", err, b.String())
	}
}
