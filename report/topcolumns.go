package report

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TopColumn is one thing --top says of an upload, under its name in
// every format; topColumns is the one table of them, walked by every
// format as columns is for the rows (and held to docs/report.md's --top
// table by TestDocsTopColumns). An empty name leaves the column out of
// that format.
type TopColumn struct {
	Name   string
	Header string // the second table's (and the HTML page's) header
	JSON   string
	CSV    string // a column of the rows' CSV where one means the same
	// Metric is a gauge (or, with label, a label of every sample).
	Metric, Help string

	label bool
	// shown, if set, says whether the second table has the column.
	shown func(rep *Report) bool
	unit  unit
	value func(rep *Report, u *Upload) any
	// cell and csvCell write the column where its unit does not say how.
	cell    func(rep *Report, u *Upload) string
	csvCell func(u *Upload) string
}

// TopColumns returns --top's columns in the table's order (a copy).
func TopColumns() []TopColumn { return slices.Clone(topColumns) }

var topColumns = []TopColumn{
	{Name: "upload", JSON: "upload", CSV: "record_type", unit: unitFlag,
		value: func(*Report, *Upload) any { return true }, csvCell: func(*Upload) string { return "UPLOAD" }},
	{Name: "rank", Header: "#", JSON: "rank", CSV: "rank", unit: unitCount,
		value: func(_ *Report, u *Upload) any { return int64(u.Rank) }},
	{Name: "report time", CSV: "report_time", unit: unitTime, value: func(rep *Report, _ *Upload) any { return rep.Time }},
	{Name: "account", Header: "ACCOUNT", JSON: "account", CSV: "aws_account_number", Metric: "account", label: true,
		shown: (*Report).manyAccounts,
		value: func(_ *Report, u *Upload) any { return u.Account },
		cell: func(_ *Report, u *Upload) string {
			return strings.TrimSpace(u.Account + " " + printable(u.AccountName))
		}},
	{Name: "account name", JSON: "account_name", CSV: "account_name",
		value: func(_ *Report, u *Upload) any { return u.AccountName }},
	{Name: "bucket", Header: "BUCKET", JSON: "bucket", CSV: "bucket_name", Metric: "bucket", label: true,
		value: func(_ *Report, u *Upload) any { return u.Bucket }},
	{Name: "region", JSON: "region", CSV: "aws_region", Metric: "region", label: true,
		value: func(_ *Report, u *Upload) any { return u.Region }},
	{Name: "key", Header: "KEY", JSON: "key", CSV: "record_value", Metric: "key", label: true,
		value:   func(_ *Report, u *Upload) any { return u.Key },
		cell:    func(_ *Report, u *Upload) string { return printable(u.Key) },
		csvCell: func(u *Upload) string { return url.QueryEscape(u.Key) }},
	{Name: "upload ID", Header: "UPLOAD ID", JSON: "upload_id", CSV: "upload_id", Metric: "upload_id", label: true,
		value: func(_ *Report, u *Upload) any { return u.ID },
		cell:  func(_ *Report, u *Upload) string { return printable(u.ID) }},
	{Name: "initiated", Header: "INITIATED", JSON: "initiated", CSV: "initiated", unit: unitTime,
		Metric: "uploadfs_top_upload_initiated_timestamp_seconds", Help: "When the upload was initiated.",
		value: func(_ *Report, u *Upload) any { return u.Initiated },
		cell:  func(_ *Report, u *Upload) string { return date(u.Initiated) }},
	{Name: "age", Header: "AGE", unit: unitTime, value: func(_ *Report, u *Upload) any { return u.Initiated }},
	{Name: "parts", Header: "PARTS", JSON: "parts", CSV: "incomplete_mpu_part_count", unit: unitCount,
		Metric: "uploadfs_top_upload_parts", Help: "Parts of the upload.",
		value: func(_ *Report, u *Upload) any { return u.Parts }},
	{Name: "bytes", Header: "SIZE", JSON: "bytes", CSV: "incomplete_mpu_storage_bytes", unit: unitBytes,
		Metric: "uploadfs_top_upload_bytes", Help: "Bytes of the upload's parts.",
		value: func(_ *Report, u *Upload) any { return u.Bytes }},
	{Name: "storage class", Header: "CLASS", JSON: "storage_class", CSV: "storage_class", Metric: "storage_class", label: true,
		value: func(_ *Report, u *Upload) any { return u.StorageClass }},
	{Name: "initiator", Header: "INITIATOR", JSON: "initiator", CSV: "initiator", Metric: "initiator", label: true,
		value: func(_ *Report, u *Upload) any { return u.Initiator },
		cell:  func(_ *Report, u *Upload) string { return orDash(printable(u.Initiator)) }},
	{Name: "monthly cost", Header: "USD/MONTH", JSON: "monthly_cost_usd", CSV: "monthly_cost_usd", unit: unitUSD,
		Metric: "uploadfs_top_upload_monthly_cost_usd", Help: "Estimated monthly storage cost of the upload, in USD.",
		value: func(_ *Report, u *Upload) any { return u.MonthlyUSD }},
	{Name: "abort", Header: "ABORT", JSON: "abort_date", CSV: "abort_date", unit: unitTime,
		Metric: "uploadfs_top_upload_abort_timestamp_seconds", Help: "When a lifecycle rule aborts the upload (absent: never, or not known).",
		value: func(_ *Report, u *Upload) any {
			switch {
			case !u.Abort.IsZero():
				return u.Abort
			case u.Never:
				return "never"
			}
			return nil
		},
		cell: func(_ *Report, u *Upload) string { return abortCell(u) }},
}

// abortCell is when u is aborted, in words: a date, never, ? (not known)
// or - (a vault: no rule applies).
func abortCell(u *Upload) string {
	switch {
	case !u.Abort.IsZero():
		return date(u.Abort)
	case u.Never:
		return "never"
	case u.Vault():
		return "-"
	}
	return "?"
}

// date is t's day (UTC), or - for none.
func date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

// topCell is column c's table cell for u.
func (rep *Report) topCell(c *TopColumn, u *Upload) string {
	if c.cell != nil {
		return c.cell(rep, u)
	}
	return rep.cellOfValue(c.unit, c.value(rep, u))
}

// topTable is the second table's lines: a header, then each upload.
func (rep *Report) topTable() (lines [][]string, left []bool) {
	var head []string
	for _, c := range topColumns {
		if c.inTable(rep) {
			head = append(head, c.Header)
			left = append(left, c.unit == unitText || c.unit == unitTime)
		}
	}
	lines = append(lines, head)
	for i := range rep.Top {
		var l []string
		for j := range topColumns {
			if c := &topColumns[j]; c.inTable(rep) {
				l = append(l, rep.topCell(c, &rep.Top[i]))
			}
		}
		lines = append(lines, l)
	}
	return lines, left
}

// inTable reports whether the second table has c.
func (c *TopColumn) inTable(rep *Report) bool {
	return c.Header != "" && (c.shown == nil || c.shown(rep))
}

// writeTopTable writes the second table, under a line saying what it is.
func (rep *Report) writeTopTable(b *strings.Builder) {
	if rep.TopN == 0 {
		return
	}
	fmt.Fprintf(b, "\ntop %d uploads by %s (%d listed):\n", rep.TopN, rep.TopBy, len(rep.Top))
	lines, left := rep.topTable()
	align(b, lines, left, -1)
}

// writeTopJSON writes one object a line for each top upload ("upload":
// true), its keys in the columns' order.
func (rep *Report) writeTopJSON(w io.Writer) error {
	for i := range rep.Top {
		var vs []keyValue
		for j := range topColumns {
			c := &topColumns[j]
			if v, ok := jsonOf(c.value(rep, &rep.Top[i])); ok && c.JSON != "" {
				vs = append(vs, keyValue{c.JSON, v})
			}
		}
		if err := writeObject(w, vs); err != nil {
			return err
		}
	}
	return nil
}

// topCSVExtra are the CSV columns --top adds after the rows' (those of no
// row column): none without --top.
func (rep *Report) topCSVExtra(head []string) []string {
	var extra []string
	for _, c := range topColumns {
		if rep.TopN > 0 && c.CSV != "" && !slices.Contains(head, c.CSV) {
			extra = append(extra, c.CSV)
		}
	}
	return extra
}

// topCSV is u's record under the CSV's header: each column of --top's
// under its name, the others empty.
func (rep *Report) topCSV(head []string, u *Upload) []string {
	rec := make([]string, len(head))
	for i, h := range head {
		j := slices.IndexFunc(topColumns, func(c TopColumn) bool { return c.CSV == h })
		switch {
		case j < 0:
		case topColumns[j].csvCell != nil:
			rec[i] = topColumns[j].csvCell(u)
		default:
			rec[i] = csvOf(topColumns[j].value(rep, u))
		}
	}
	return rec
}

// writeTopMetrics writes a gauge per numeric column, one sample an upload
// labelled by its account (where several are scanned), bucket, region,
// key, upload ID, class and initiator.
func (rep *Report) writeTopMetrics(b *strings.Builder) {
	if len(rep.Top) == 0 {
		return
	}
	labels := make([]string, len(rep.Top))
	for i := range rep.Top {
		var l []string
		for _, c := range topColumns {
			if c.label && (c.shown == nil || c.shown(rep)) {
				l = append(l, c.Metric+`="`+escape(c.value(rep, &rep.Top[i]).(string))+`"`)
			}
		}
		labels[i] = strings.Join(l, ",")
	}
	for j := range topColumns {
		c := &topColumns[j]
		if c.label || c.Metric == "" {
			continue
		}
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n", c.Metric, c.Help, c.Metric)
		for i := range rep.Top {
			if v, ok := sampleOf(c.value(rep, &rep.Top[i])); ok {
				fmt.Fprintf(b, "%s{%s} %s\n", c.Metric, labels[i], number(v))
			}
		}
	}
}

// printable is s with what a terminal or a page would not show as itself
// (control and format characters, such as escapes and bidirectional
// overrides, and bytes that are not UTF-8) written as Go escapes.
func printable(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && runeLen(s[i:]) == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || unicode.In(r, unicode.Cf):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func runeLen(s string) int { _, n := utf8.DecodeRuneInString(s); return n }
