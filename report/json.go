package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"time"
)

// jsonRow is one line of --format json: SPEC's keys, a grouping key absent
// when rows are not grouped by it, the sums absent on an error row.
type jsonRow struct {
	Bucket       *string     `json:"bucket,omitempty"`
	Region       *string     `json:"region,omitempty"`
	Prefix       *string     `json:"prefix,omitempty"`
	StorageClass *string     `json:"storage_class,omitempty"`
	Initiator    *string     `json:"initiator,omitempty"`
	Uploads      *int64      `json:"uploads,omitempty"`
	Parts        *int64      `json:"parts,omitempty"`
	Bytes        *int64      `json:"bytes,omitempty"`
	Older        []jsonOlder `json:"older,omitempty"`
	Oldest       string      `json:"oldest_initiated,omitempty"`
	Lifecycle    string      `json:"lifecycle,omitempty"`
	AbortDays    int32       `json:"abort_days,omitempty"`
	NoAbortRule  *jsonCount  `json:"no_abort_rule,omitempty"`
	NextAbort    string      `json:"next_abort,omitempty"`
	MonthlyUSD   *float64    `json:"monthly_cost_usd,omitempty"`
	Error        string      `json:"error,omitempty"`
	Total        bool        `json:"total,omitempty"`
	// The total row says what the report as a whole was.
	Time        string   `json:"report_time,omitempty"`
	Failed      *int     `json:"failed,omitempty"`
	Requests    *int64   `json:"requests,omitempty"`
	ScanCostUSD *float64 `json:"scan_cost_usd,omitempty"`
	Prices      string   `json:"prices,omitempty"`
}

type jsonOlder struct {
	Age     string `json:"age"`
	Uploads int64  `json:"uploads"`
	Bytes   int64  `json:"bytes"`
}

type jsonCount struct {
	Uploads int64 `json:"uploads"`
	Bytes   int64 `json:"bytes"`
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (rep *Report) jsonRow(r *Row) jsonRow {
	var j jsonRow
	if !r.Total {
		j.Bucket, j.Region = &r.Bucket, &r.Region
		if r.HasPrefix {
			j.Prefix = &r.Prefix
		}
		if rep.By.StorageClass {
			j.StorageClass = &r.StorageClass
		}
		if rep.By.Initiator {
			j.Initiator = &r.Initiator
		}
	}
	if r.Err != nil {
		j.Error = r.Err.Error()
		return j
	}
	j.Uploads, j.Parts, j.Bytes = &r.Uploads, &r.Parts, &r.Bytes
	for i, c := range r.Older {
		j.Older = append(j.Older, jsonOlder{rep.Ages[i].Label, c.Uploads, c.Bytes})
	}
	j.Oldest, j.NextAbort = stamp(r.Oldest), stamp(r.NextAbort)
	j.Lifecycle, j.AbortDays = r.Lifecycle.Kind.String(), r.Lifecycle.Days
	if r.noAbortRuleKnown() {
		j.NoAbortRule = &jsonCount{r.NoAbortRule.Uploads, r.NoAbortRule.Bytes}
	}
	cost := round(r.MonthlyUSD)
	j.MonthlyUSD = &cost
	if r.Total {
		j.Total, j.Time, j.Failed, j.Prices = true, stamp(rep.Time), &rep.Failed, rep.Prices.Source()
		n, scan := rep.Requests.Total(), round(rep.ScanUSD)
		j.Requests, j.ScanCostUSD = &n, &scan
	}
	return j
}

// WriteJSON writes one JSON object a line: every row, then the total
// (total: true).
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for i := range rep.Rows {
		if err := enc.Encode(rep.jsonRow(&rep.Rows[i])); err != nil {
			return err
		}
	}
	return enc.Encode(rep.jsonRow(&rep.Total))
}

// csvHeader is the CSV's columns: S3 Storage Lens's export names where
// one exists (record_type ACCOUNT, BUCKET or PREFIX; record_value the
// URL-encoded prefix; the incomplete_mpu_* metrics, with 7_days for the
// age 7d), uploadfs's own names after the same pattern otherwise.
func (rep *Report) csvHeader() []string {
	h := []string{"report_time", "record_type", "record_value", "bucket_name", "aws_region", "storage_class", "initiator",
		"incomplete_mpu_object_count", "incomplete_mpu_part_count", "incomplete_mpu_storage_bytes"}
	for _, a := range rep.Ages {
		h = append(h, "incomplete_mpu_object_older_than_"+a.csvLabel()+"_count", "incomplete_mpu_storage_older_than_"+a.csvLabel()+"_bytes")
	}
	return append(h, "oldest_initiated", "lifecycle", "abort_days", "no_abort_rule_object_count", "no_abort_rule_storage_bytes",
		"next_abort", "monthly_cost_usd", "requests", "scan_cost_usd", "error")
}

func (rep *Report) csvRow(r *Row) []string {
	kind, value := "BUCKET", ""
	switch {
	case r.Total:
		kind = "ACCOUNT"
	case r.HasPrefix:
		kind, value = "PREFIX", url.QueryEscape(r.Prefix)
	}
	c := []string{stamp(rep.Time), kind, value, r.Bucket, r.Region, r.StorageClass, r.Initiator}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	if r.Err != nil {
		for range len(rep.csvHeader()) - len(c) - 1 {
			c = append(c, "")
		}
		return append(c, r.Err.Error())
	}
	c = append(c, n(r.Uploads), n(r.Parts), n(r.Bytes))
	for _, o := range r.Older {
		c = append(c, n(o.Uploads), n(o.Bytes))
	}
	days, noCount, noBytes := "", "", ""
	if r.Lifecycle.Kind == CoverageCovered {
		days = fmt.Sprint(r.Lifecycle.Days)
	}
	if r.noAbortRuleKnown() {
		noCount, noBytes = n(r.NoAbortRule.Uploads), n(r.NoAbortRule.Bytes)
	}
	c = append(c, stamp(r.Oldest), r.Lifecycle.Kind.String(), days, noCount, noBytes, stamp(r.NextAbort), usd(r.MonthlyUSD))
	if r.Total {
		return append(c, n(rep.Requests.Total()), usd(rep.ScanUSD), "")
	}
	return append(c, "", "", "")
}

// round keeps a cost to 1e-10 USD: a sum of float products carries noise
// in its last digits (0.00020660000000000003) that no one bills.
func round(v float64) float64 { return math.Round(v*1e10) / 1e10 }

func usd(v float64) string { return strconv.FormatFloat(round(v), 'f', -1, 64) }

// WriteCSV writes a header line, every row, then the total (record_type
// ACCOUNT).
func (rep *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(rep.csvHeader())
	for i := range rep.Rows {
		cw.Write(rep.csvRow(&rep.Rows[i]))
	}
	cw.Write(rep.csvRow(&rep.Total))
	cw.Flush()
	return cw.Error()
}
