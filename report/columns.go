package report

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Column is one thing the report says, under its name in every format.
// columns is the one table of them: every format walks it, in its order,
// and a new column is one more entry there (and one line in
// docs/report.md's column table, which TestDocsReportColumns holds to
// Columns). Most columns need only a value and a unit; the few shaped
// differently in some format say so with a format's own function.
type Column struct {
	Name string // what docs/report.md's column table calls it
	// Header is --format table's header ("": not a table column; a
	// value of the report is in the table's footer instead). ">AGE": one
	// column per --age.
	Header string
	JSON   string // --format json's key
	// CSV are --format csv's columns; AGE stands for each --age's label
	// (7d is 7_days, as Storage Lens writes it).
	CSV []string
	// Metric is --format openmetrics's gauges (Metric[i] with Help[i]);
	// for a grouping key, its label on every sample.
	Metric []string
	Help   []string

	of   scope // what the column is of: a row's key or sums, the report, the error
	unit unit
	// value is what the column says of r (nil: nothing, the key or field
	// is left out); r is the total row for a value of the report.
	value func(rep *Report, r *Row) any

	// has says whether row r has this key (nil: every row; the total never);
	// shown whether the table has its column (nil: always).
	has   func(rep *Report, r *Row) bool
	shown func(rep *Report) bool
	// cell (or tableCells, one a --age), csvCells and samples write the
	// column where its unit does not say how.
	cell       func(rep *Report, r *Row) string
	tableCells func(rep *Report, r *Row) []string
	csvCells   func(rep *Report, r *Row) []string
	samples    func(rep *Report, r *Row, emit func(metric int, labels string, v float64))
	// csvLead places a column before the others in the CSV (1, then 2),
	// on every record: Storage Lens's records begin with when and which.
	csvLead int
	// metricAfter places the column's gauges after another column's (the
	// order the metrics were first published in).
	metricAfter string
}

// scope says what a column's value is of.
type scope int

const (
	// rowScope: one of a row's sums (absent on an error row).
	rowScope scope = iota
	// keyScope: a grouping key of the row: a label in openmetrics, kept
	// on an error row, left out of the total.
	keyScope
	// reportScope: the report's: on the total line (json, csv), its own
	// gauge (openmetrics), the footer (table).
	reportScope
	// errorScope: the error that replaces a row's sums.
	errorScope
)

// unit says how a value is written: what value returns for it.
type unit int

const (
	unitText  unit = iota // string
	unitCount             // int64
	unitBytes             // int64; binary sizes in the table
	unitTime              // time.Time, absent when zero; an age in the table
	unitUSD               // float64, rounded (round)
	unitDays              // int32
	unitFlag              // bool
)

// Columns returns the report's columns in the table's order (for the
// docs' check; a copy).
func Columns() []Column { return slices.Clone(columns) }

var columns = []Column{
	// The account leads where several are scanned (Options.Accounts):
	// Storage Lens's organization export calls it aws_account_number.
	{Name: "account", Header: "ACCOUNT", JSON: "account", CSV: []string{"aws_account_number"}, Metric: []string{"account"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.Account },
		has:   func(_ *Report, r *Row) bool { return r.Account != "" },
		shown: (*Report).manyAccounts, csvLead: 2,
		cell: func(_ *Report, r *Row) string {
			if r.AccountName != "" {
				return r.Account + " " + r.AccountName
			}
			return r.Account
		}},
	{Name: "account name", JSON: "account_name", CSV: []string{"account_name"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.AccountName },
		has:   func(_ *Report, r *Row) bool { return r.AccountName != "" }, csvLead: 2},
	{Name: "bucket", Header: "BUCKET", JSON: "bucket", CSV: []string{"bucket_name"}, Metric: []string{"bucket"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.Bucket },
		// An account's own row (its error, or no bucket) has none.
		has: func(_ *Report, r *Row) bool { return r.Bucket != "" || r.Account == "" },
		cell: func(rep *Report, r *Row) string {
			switch {
			case r.Subtotal && r.failed > 0:
				return "SUBTOTAL (INCOMPLETE)"
			case r.Subtotal:
				return "SUBTOTAL"
			case r.Total && rep.Failed > 0:
				return "TOTAL (INCOMPLETE)"
			case r.Total:
				return "TOTAL"
			}
			return r.Bucket
		}},
	{Name: "region", Header: "REGION", JSON: "region", CSV: []string{"aws_region"}, Metric: []string{"region"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.Region }},
	{Name: "prefix", Header: "PREFIX", JSON: "prefix", CSV: []string{"record_type", "record_value"}, Metric: []string{"prefix"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.Prefix },
		has:   func(_ *Report, r *Row) bool { return r.HasPrefix },
		shown: (*Report).hasPrefixes,
		cell: func(_ *Report, r *Row) string {
			if r.HasPrefix && r.Prefix == "" {
				return "(top)"
			}
			return r.Prefix
		},
		// Storage Lens's record_type and record_value: which kind of
		// record, and the URL-encoded prefix.
		csvCells: func(_ *Report, r *Row) []string {
			switch {
			case r.Total, r.Account != "" && r.Bucket == "": // an account's own row
				return []string{"ACCOUNT", ""}
			case r.HasPrefix:
				return []string{"PREFIX", url.QueryEscape(r.Prefix)}
			}
			return []string{"BUCKET", ""}
		},
		csvLead: 3},
	{Name: "storage class", Header: "CLASS", JSON: "storage_class", CSV: []string{"storage_class"}, Metric: []string{"storage_class"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.StorageClass },
		has:   func(rep *Report, r *Row) bool { return rep.By.StorageClass },
		shown: func(rep *Report) bool { return rep.By.StorageClass }},
	{Name: "initiator", Header: "INITIATOR", JSON: "initiator", CSV: []string{"initiator"}, Metric: []string{"initiator"}, of: keyScope,
		value: func(_ *Report, r *Row) any { return r.Initiator },
		has:   func(rep *Report, r *Row) bool { return rep.By.Initiator },
		shown: func(rep *Report) bool { return rep.By.Initiator },
		cell:  func(_ *Report, r *Row) string { return orDash(r.Initiator) }},
	{Name: "uploads", Header: "UPLOADS", JSON: "uploads", CSV: []string{"incomplete_mpu_object_count"},
		Metric: []string{"uploadfs_incomplete_uploads"}, Help: []string{"In-progress multipart uploads."}, unit: unitCount,
		value: func(_ *Report, r *Row) any { return r.Uploads }},
	{Name: "parts", Header: "PARTS", JSON: "parts", CSV: []string{"incomplete_mpu_part_count"},
		Metric: []string{"uploadfs_incomplete_upload_parts"}, Help: []string{"Parts of in-progress multipart uploads."}, unit: unitCount,
		value: func(_ *Report, r *Row) any { return r.Parts }},
	{Name: "bytes", Header: "SIZE", JSON: "bytes", CSV: []string{"incomplete_mpu_storage_bytes"},
		Metric: []string{"uploadfs_incomplete_upload_bytes"}, Help: []string{"Bytes of in-progress multipart uploads."}, unit: unitBytes,
		value: func(_ *Report, r *Row) any { return r.Bytes }},
	olderColumn,
	{Name: "oldest", Header: "OLDEST", JSON: "oldest_initiated", CSV: []string{"oldest_initiated"},
		Metric: []string{"uploadfs_incomplete_upload_oldest_timestamp_seconds"}, Help: []string{"When the oldest in-progress upload was initiated."},
		unit: unitTime, value: func(_ *Report, r *Row) any { return r.Oldest }},
	{Name: "lifecycle", Header: "LIFECYCLE", JSON: "lifecycle", CSV: []string{"lifecycle"},
		value: func(_ *Report, r *Row) any { return r.Lifecycle.Kind.String() },
		cell:  func(_ *Report, r *Row) string { return orDash(r.Lifecycle.String()) }},
	{Name: "abort days", JSON: "abort_days", CSV: []string{"abort_days"}, unit: unitDays,
		Metric: []string{"uploadfs_lifecycle_abort_days"},
		Help:   []string{"DaysAfterInitiation of the abort rule covering every key of the row (absent: none, partly or unknown)."},
		value: func(_ *Report, r *Row) any {
			if r.Lifecycle.Kind != CoverageCovered {
				return nil
			}
			return r.Lifecycle.Days
		},
		metricAfter: "no abort rule"},
	noAbortRuleColumn,
	{Name: "next abort", JSON: "next_abort", CSV: []string{"next_abort"}, unit: unitTime,
		value: func(_ *Report, r *Row) any { return r.NextAbort }},
	{Name: "monthly cost", Header: "USD/MONTH", JSON: "monthly_cost_usd", CSV: []string{"monthly_cost_usd"},
		Metric: []string{"uploadfs_incomplete_upload_monthly_cost_usd"}, Help: []string{"Estimated monthly storage cost of in-progress uploads, in USD."},
		unit: unitUSD, value: func(_ *Report, r *Row) any { return r.MonthlyUSD }},

	{Name: "total", JSON: "total", of: reportScope, unit: unitFlag, value: func(*Report, *Row) any { return true }},
	{Name: "report time", JSON: "report_time", CSV: []string{"report_time"}, of: reportScope, unit: unitTime,
		Metric: []string{"uploadfs_report_timestamp_seconds"}, Help: []string{"When the report was made."},
		value: func(rep *Report, _ *Row) any { return rep.Time }, csvLead: 1},
	{Name: "failed", JSON: "failed", of: reportScope, unit: unitCount,
		value: func(rep *Report, _ *Row) any { return int64(rep.Failed) }},
	{Name: "vanished", JSON: "vanished", CSV: []string{"vanished_mpu_object_count"}, of: reportScope, unit: unitCount,
		Metric: []string{"uploadfs_report_vanished_uploads"},
		Help:   []string{"Uploads listed, then not found by ListParts (completed or aborted during the report?): in no other metric."},
		value:  func(rep *Report, _ *Row) any { return rep.Vanished }},
	{Name: "requests", JSON: "requests", CSV: []string{"requests"}, of: reportScope, unit: unitCount,
		Metric: []string{"uploadfs_report_requests"}, Help: []string{"Requests the report sent."},
		value: func(rep *Report, _ *Row) any { return rep.Requests.Total() }},
	{Name: "scan cost", JSON: "scan_cost_usd", CSV: []string{"scan_cost_usd"}, of: reportScope, unit: unitUSD,
		Metric: []string{"uploadfs_report_scan_cost_usd"}, Help: []string{"What the report's requests cost, in USD."},
		value: func(rep *Report, _ *Row) any { return rep.ScanUSD }},
	{Name: "prices", JSON: "prices", of: reportScope,
		value: func(rep *Report, _ *Row) any { return rep.Prices.Source() }},

	// The error is last: it replaces a row's values in every format.
	{Name: "error", JSON: "error", of: errorScope, CSV: []string{"error"}, Metric: []string{"uploadfs_report_error"},
		Help: []string{"1 when the row could not be listed (its other metrics are absent), else 0."},
		value: func(_ *Report, r *Row) any {
			if r.Err == nil {
				return nil
			}
			return errorText(r.Err)
		},
		samples: func(_ *Report, r *Row, emit func(int, string, float64)) {
			emit(0, "", float64(btoi(r.Err != nil)))
		}},
}

// olderColumn is a count and bytes per --age: a cell "N (size)" per age in
// the table, a list in JSON, a pair of columns per age in the CSV, and two
// gauges labelled by age.
var olderColumn = Column{Name: "older", Header: ">AGE", JSON: "older", unit: unitCount,
	CSV:    []string{"incomplete_mpu_object_older_than_AGE_count", "incomplete_mpu_storage_older_than_AGE_bytes"},
	Metric: []string{"uploadfs_incomplete_uploads_older", "uploadfs_incomplete_upload_bytes_older"},
	Help:   []string{"In-progress uploads initiated longer ago than age.", "Bytes of in-progress uploads initiated longer ago than age."},
	value: func(rep *Report, r *Row) any {
		if len(r.Older) == 0 {
			return nil // no --age
		}
		var l []jsonOlder
		for i, c := range r.Older {
			l = append(l, jsonOlder{rep.Ages[i].Label, c.Uploads, c.Bytes})
		}
		return l
	},
	tableCells: func(_ *Report, r *Row) []string {
		var cells []string
		for _, c := range r.Older {
			cell := "0"
			if c.Uploads > 0 {
				cell = fmt.Sprintf("%d (%s)", c.Uploads, humanBytes(c.Bytes))
			}
			cells = append(cells, cell)
		}
		return cells
	},
	csvCells: func(_ *Report, r *Row) []string {
		var c []string
		for _, o := range r.Older {
			c = append(c, itoa(o.Uploads), itoa(o.Bytes))
		}
		return c
	},
	samples: func(rep *Report, r *Row, emit func(int, string, float64)) {
		for m := range 2 {
			for i, c := range r.Older {
				emit(m, `,age="`+escape(rep.Ages[i].Label)+`"`, float64([]int64{c.Uploads, c.Bytes}[m]))
			}
		}
	},
}

// noAbortRuleColumn is a count and bytes, where the lifecycle is known.
var noAbortRuleColumn = Column{Name: "no abort rule", Header: "NO RULE", JSON: "no_abort_rule",
	CSV:    []string{"no_abort_rule_object_count", "no_abort_rule_storage_bytes"},
	Metric: []string{"uploadfs_incomplete_upload_no_abort_rule_bytes"},
	Help:   []string{"Bytes of in-progress uploads that no lifecycle rule will abort."}, unit: unitBytes,
	value: func(_ *Report, r *Row) any {
		if !r.noAbortRuleKnown() {
			return nil
		}
		return jsonCount{r.NoAbortRule.Uploads, r.NoAbortRule.Bytes}
	},
	cell: func(_ *Report, r *Row) string {
		switch {
		case r.noAbortRuleKnown():
			return humanBytes(r.NoAbortRule.Bytes)
		case r.Lifecycle.Kind == CoverageUnknown:
			return "?"
		}
		return "-" // a vault: no rule applies
	},
	csvCells: func(_ *Report, r *Row) []string {
		if !r.noAbortRuleKnown() {
			return []string{"", ""}
		}
		return []string{itoa(r.NoAbortRule.Uploads), itoa(r.NoAbortRule.Bytes)}
	},
	samples: func(_ *Report, r *Row, emit func(int, string, float64)) {
		if r.noAbortRuleKnown() {
			emit(0, "", float64(r.NoAbortRule.Bytes))
		}
	},
}

// cellOf is c's table cell for r.
func (c *Column) cellOf(rep *Report, r *Row) string {
	if c.cell != nil {
		return c.cell(rep, r)
	}
	return rep.cellOfValue(c.unit, c.value(rep, r))
}

// cellOfValue writes v, a value of unit u, as a table cell.
func (rep *Report) cellOfValue(u unit, v any) string {
	switch v := v.(type) {
	case int64:
		if u == unitBytes {
			return humanBytes(v)
		}
		return fmt.Sprint(v)
	case float64:
		return dollars(v)
	case time.Time:
		if v.IsZero() {
			return "-"
		}
		return humanAge(rep.Time.Sub(v))
	case string:
		return v
	}
	return ""
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hasKey reports whether row r has key column c: a grouping key of the
// report's (c.has), and never the total.
func (rep *Report) hasKey(c *Column, r *Row) bool {
	return !r.Total && (c.has == nil || c.has(rep, r))
}

// perAge is names with each name that holds AGE once per age, AGE
// replaced by its label.
func perAge(names []string, ages []Age, label func(Age) string) []string {
	if !strings.Contains(strings.Join(names, ""), "AGE") {
		return names
	}
	var out []string
	for _, a := range ages {
		for _, n := range names {
			out = append(out, strings.ReplaceAll(n, "AGE", label(a)))
		}
	}
	return out
}

// lines are the rows a format writes: every row, then the total.
func (rep *Report) lines() []*Row {
	ls := make([]*Row, 0, len(rep.Rows)+1)
	for i := range rep.Rows {
		ls = append(ls, &rep.Rows[i])
	}
	return append(ls, &rep.Total)
}
