package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
)

// An upload listed in its level and then not found by ListParts
// (NoSuchUpload; NoSuchKey, as Ceph RGW answers) is in no row but counted
// as vanished, in every format; a few are said at Info, more than
// VanishedWarn at Warn with a sample key.
func TestRunVanished(t *testing.T) {
	for _, tc := range []struct {
		gone  int
		level string
	}{{3, "level=INFO"}, {VanishedWarn + 2, "level=WARN"}} {
		t.Run(fmt.Sprint(tc.gone), func(t *testing.T) {
			s := newTestServer(t, "van")
			for i := range 4 {
				s.upload(t, "van", fmt.Sprintf("kept/%d", i), time.Hour, 10)
			}
			for i := range tc.gone {
				s.upload(t, "van", fmt.Sprintf("gone/%02d", i), time.Hour, 100)
			}
			s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
				switch {
				case r.Op != "ListParts" || !strings.Contains(r.Key, "/van/gone/"):
					return faultproxy.None
				case strings.Contains(r.Key, "/gone/00?"):
					return faultproxy.NoSuchKey
				}
				return faultproxy.NoSuchUpload
			})
			var logs bytes.Buffer
			o := s.options()
			o.Log = slog.New(slog.NewTextHandler(&logs, nil))
			rep, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			_, faults := s.proxy.Stats()
			if faults[faultproxy.NoSuchKey] != 1 || faults[faultproxy.NoSuchUpload] != tc.gone-1 {
				t.Fatalf("faults %v", faults)
			}
			if rep.Failed != 0 || rep.Vanished != int64(tc.gone) || rep.Total.Uploads != 4 || rep.Total.Bytes != 40 {
				t.Fatalf("%d failed, %d vanished, %d uploads, %d bytes; want 0, %d, 4, 40", rep.Failed, rep.Vanished,
					rep.Total.Uploads, rep.Total.Bytes, tc.gone)
			}
			if l := logs.String(); strings.Count(l, "\n") != 1 || !strings.Contains(l, tc.level) ||
				!strings.Contains(l, fmt.Sprintf("vanished=%d", tc.gone)) || !strings.Contains(l, "key=gone/") {
				t.Errorf("the log: %q; want one line at %s with the count and a sample key", l, tc.level)
			}
			for format, got := range vanishedSaid(t, rep) {
				if got != int64(tc.gone) {
					t.Errorf("--format %s says %d vanished, want %d", format, got, tc.gone)
				}
			}
		})
	}
}

// vanishedSaid reads the vanished count back from every format's output.
func vanishedSaid(t *testing.T, rep *Report) map[string]int64 {
	t.Helper()
	said := map[string]int64{}
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	var n int64
	for l := range strings.Lines(b.String()) {
		if strings.HasPrefix(l, "vanished: ") {
			fmt.Sscanf(l, "vanished: %d", &n)
		}
	}
	said["table"] = n

	b.Reset()
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var tot struct {
		Total    bool  `json:"total"`
		Vanished int64 `json:"vanished"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &tot); err != nil || !tot.Total {
		t.Fatalf("the JSON total %q: %v", lines[len(lines)-1], err)
	}
	said["json"] = tot.Vanished

	b.Reset()
	if err := rep.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], "vanished_mpu_object_count")
	if last := recs[len(recs)-1]; col < 0 || last[slices.Index(recs[0], "record_type")] != "ACCOUNT" {
		t.Fatalf("CSV header %v, last record %v", recs[0], last)
	}
	n = -1
	fmt.Sscan(recs[len(recs)-1][col], &n)
	said["csv"] = n

	b.Reset()
	if err := rep.WriteMetrics(&b); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatal(err)
	}
	if ms := fams["uploadfs_report_vanished_uploads"].GetMetric(); len(ms) == 1 {
		said["openmetrics"] = int64(ms[0].GetGauge().GetValue())
	} else {
		t.Errorf("%d samples of uploadfs_report_vanished_uploads", len(ms))
	}
	return said
}
