package report

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"time"
)

// csvColumns are the columns in the CSV's order: the table's, but
// Storage Lens's record header (csvLead) first.
func csvColumns() []*Column {
	var cs []*Column
	for i := range columns {
		if len(columns[i].CSV) > 0 {
			cs = append(cs, &columns[i])
		}
	}
	slices.SortStableFunc(cs, func(a, b *Column) int {
		return cmp.Compare(cmp.Or(a.csvLead, len(columns)), cmp.Or(b.csvLead, len(columns)))
	})
	return cs
}

// csvHeader is the CSV's columns: S3 Storage Lens's export names where
// one exists (record_type ACCOUNT, BUCKET or PREFIX; record_value the
// URL-encoded prefix; the incomplete_mpu_* metrics, with 7_days for the
// age 7d), uploadfs's own names after the same pattern otherwise.
func (rep *Report) csvHeader() []string {
	var h []string
	for _, c := range csvColumns() {
		h = append(h, rep.csvNames(c)...)
	}
	return h
}

// csvNames are c's columns, those of a column per --age once per age.
func (rep *Report) csvNames(c *Column) []string {
	return perAge(c.CSV, rep.Ages, Age.csvLabel)
}

// csvCells are column c's cells on row r: every key on every row, the
// report's time on every row and its other values on the total, the sums
// empty (not zero) on an error row.
func (rep *Report) csvCells(c *Column, r *Row) []string {
	switch {
	case c.of == reportScope && !r.Total && c.csvLead == 0, c.of == rowScope && r.Err != nil:
		return make([]string, len(rep.csvNames(c)))
	case c.csvCells != nil:
		return c.csvCells(rep, r)
	}
	return []string{csvOf(c.value(rep, r))}
}

// csvOf is a value's CSV cell.
func csvOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case int64:
		return itoa(v)
	case float64:
		return usd(v)
	case time.Time:
		return stamp(v)
	default:
		return fmt.Sprint(v)
	}
}

// WriteCSV writes a header line, every row, then the total (record_type
// ACCOUNT), then the top uploads (record_type UPLOAD), whose own columns
// come last in every record.
func (rep *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := rep.csvHeader()
	extra := rep.topCSVExtra(head)
	head = append(head, extra...)
	cw.Write(head)
	cs := csvColumns()
	for _, r := range rep.lines() {
		var rec []string
		for _, c := range cs {
			rec = append(rec, rep.csvCells(c, r)...)
		}
		cw.Write(append(rec, make([]string, len(extra))...))
	}
	for i := range rep.Top {
		cw.Write(rep.topCSV(head, &rep.Top[i]))
	}
	cw.Flush()
	return cw.Error()
}
