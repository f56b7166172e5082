package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMetrics writes the rows as OpenMetrics gauges, one sample a row
// and metric, labelled by bucket, region and the row's grouping keys, and
// ends with "# EOF". The total row is left out (sum() gives it). The text
// is also valid Prometheus text format, which node_exporter's textfile
// collector reads; that collector refuses samples with timestamps, so
// the report's time is a gauge of its own (uploadfs_report_timestamp_seconds),
// as node_exporter's own textfile metrics do.
func (rep *Report) WriteMetrics(w io.Writer) error {
	var b strings.Builder
	gauge := func(name, help string, each func(r *Row, emit func(extra string, v float64))) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
		for i := range rep.Rows {
			r := &rep.Rows[i]
			each(r, func(extra string, v float64) {
				fmt.Fprintf(&b, "%s{%s%s} %s\n", name, rep.labels(r), extra, number(v))
			})
		}
	}
	ok := func(f func(r *Row, emit func(string, float64))) func(r *Row, emit func(string, float64)) {
		return func(r *Row, emit func(string, float64)) {
			if r.Err == nil {
				f(r, emit)
			}
		}
	}
	gauge("uploadfs_incomplete_uploads", "In-progress multipart uploads.", ok(func(r *Row, emit func(string, float64)) { emit("", float64(r.Uploads)) }))
	gauge("uploadfs_incomplete_upload_parts", "Parts of in-progress multipart uploads.", ok(func(r *Row, emit func(string, float64)) { emit("", float64(r.Parts)) }))
	gauge("uploadfs_incomplete_upload_bytes", "Bytes of in-progress multipart uploads.", ok(func(r *Row, emit func(string, float64)) { emit("", float64(r.Bytes)) }))
	gauge("uploadfs_incomplete_uploads_older", "In-progress uploads initiated longer ago than age.", ok(func(r *Row, emit func(string, float64)) {
		for i, c := range r.Older {
			emit(`,age="`+escape(rep.Ages[i].Label)+`"`, float64(c.Uploads))
		}
	}))
	gauge("uploadfs_incomplete_upload_bytes_older", "Bytes of in-progress uploads initiated longer ago than age.", ok(func(r *Row, emit func(string, float64)) {
		for i, c := range r.Older {
			emit(`,age="`+escape(rep.Ages[i].Label)+`"`, float64(c.Bytes))
		}
	}))
	gauge("uploadfs_incomplete_upload_oldest_timestamp_seconds", "When the oldest in-progress upload was initiated.", ok(func(r *Row, emit func(string, float64)) {
		if !r.Oldest.IsZero() {
			emit("", float64(r.Oldest.Unix()))
		}
	}))
	gauge("uploadfs_incomplete_upload_no_abort_rule_bytes", "Bytes of in-progress uploads that no lifecycle rule will abort.", ok(func(r *Row, emit func(string, float64)) {
		if r.noAbortRuleKnown() {
			emit("", float64(r.NoAbortRule.Bytes))
		}
	}))
	gauge("uploadfs_lifecycle_abort_days", "DaysAfterInitiation of the abort rule covering every key of the row (absent: none, partly or unknown).", ok(func(r *Row, emit func(string, float64)) {
		if r.Lifecycle.Kind == CoverageCovered {
			emit("", float64(r.Lifecycle.Days))
		}
	}))
	gauge("uploadfs_incomplete_upload_monthly_cost_usd", "Estimated monthly storage cost of in-progress uploads, in USD.", ok(func(r *Row, emit func(string, float64)) { emit("", r.MonthlyUSD) }))
	gauge("uploadfs_report_error", "1 when the row could not be listed (its other metrics are absent), else 0.", func(r *Row, emit func(string, float64)) {
		if r.Err != nil {
			emit("", 1)
		} else {
			emit("", 0)
		}
	})
	fmt.Fprintf(&b, "# HELP uploadfs_report_timestamp_seconds When the report was made.\n# TYPE uploadfs_report_timestamp_seconds gauge\nuploadfs_report_timestamp_seconds %d\n", rep.Time.Unix())
	fmt.Fprintf(&b, "# HELP uploadfs_report_requests Requests the report sent.\n# TYPE uploadfs_report_requests gauge\nuploadfs_report_requests %d\n", rep.Requests.Total())
	fmt.Fprintf(&b, "# HELP uploadfs_report_scan_cost_usd What the report's requests cost, in USD.\n# TYPE uploadfs_report_scan_cost_usd gauge\nuploadfs_report_scan_cost_usd %s\n", number(rep.ScanUSD))
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// labels are a row's labels: bucket and region, and its grouping keys.
func (rep *Report) labels(r *Row) string {
	l := `bucket="` + escape(r.Bucket) + `",region="` + escape(r.Region) + `"`
	if r.HasPrefix {
		l += `,prefix="` + escape(r.Prefix) + `"`
	}
	if rep.By.StorageClass {
		l += `,storage_class="` + escape(r.StorageClass) + `"`
	}
	if rep.By.Initiator {
		l += `,initiator="` + escape(r.Initiator) + `"`
	}
	return l
}

// escape escapes a label value as both formats require.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
