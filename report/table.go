package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteTable writes the report as aligned columns with human sizes, for a
// terminal, followed by the total row and what the prices and the scan
// were.
func (rep *Report) WriteTable(w io.Writer) error {
	cols := rep.tableColumns()
	head, left, keys := rep.tableHead(cols)
	lines := [][]string{head}
	for _, r := range rep.tableLines() {
		lines = append(lines, rep.tableRow(cols, r))
	}
	var b strings.Builder
	align(&b, lines, left, keys)
	fmt.Fprintf(&b, "\nprices: %s\n", rep.Prices.Source())
	fmt.Fprintf(&b, "this scan: %s (%d LIST), $%.4f\n", plural(rep.Requests.Total(), "request"), rep.Requests.List, rep.ScanUSD)
	if rep.Vanished > 0 {
		fmt.Fprintf(&b, "vanished: %s listed, then not found by ListParts (completed or aborted during the scan?); not counted\n", plural(rep.Vanished, "upload"))
	}
	if rep.Failed > 0 {
		fmt.Fprintf(&b, "INCOMPLETE: %d of %d rows could not be listed; the total leaves them out\n", rep.Failed, len(rep.Rows))
	}
	rep.writeTopTable(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// tableHead is the table's header cells, whether each goes left (keys,
// text and times; numbers go right), and how many are keys.
func (rep *Report) tableHead(cols []*Column) (head []string, left []bool, keys int) {
	for _, c := range cols {
		if c.of == keyScope {
			keys++
		}
		for _, h := range perAge([]string{c.Header}, rep.Ages, func(a Age) string { return a.Label }) {
			head = append(head, h)
			left = append(left, c.of == keyScope || c.unit == unitText || c.unit == unitTime)
		}
	}
	return head, left, keys
}

// align writes lines as columns padded to their widest cell, left[i]
// saying which go left. A line of keys+1 cells is an error row: its last
// cell spans the sums' columns, and widens none (keys < 0: no such line).
func align(b *strings.Builder, lines [][]string, left []bool, keys int) {
	isErr := func(l []string) bool { return len(l) == keys+1 }
	width := make([]int, len(left))
	for _, l := range lines {
		for i, c := range l {
			if !isErr(l) || i < keys {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	for _, l := range lines {
		for i, c := range l {
			pad := strings.Repeat(" ", max(width[i]-utf8.RuneCountInString(c), 0))
			switch {
			case isErr(l) && i == keys:
				b.WriteString(c)
			case left[i] && i < len(l)-1:
				b.WriteString(c + pad)
			case left[i]:
				b.WriteString(c) // no trailing blanks
			default:
				b.WriteString(pad + c)
			}
			if i < len(l)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
}

// hasPrefixes reports whether any row is of a prefix.
func (rep *Report) hasPrefixes() bool {
	for _, r := range rep.Rows {
		if r.HasPrefix {
			return true
		}
	}
	return false
}

// tableColumns are the columns the table has.
func (rep *Report) tableColumns() []*Column {
	var cs []*Column
	for i := range columns {
		c := &columns[i]
		if c.Header != "" && (c.shown == nil || c.shown(rep)) {
			cs = append(cs, c)
		}
	}
	return cs
}

// tableRow is r's cells: its keys, then the sums, or the error as one
// last cell.
func (rep *Report) tableRow(cols []*Column, r *Row) []string {
	var cells []string
	for _, c := range cols {
		switch {
		case r.Err != nil && c.of != keyScope:
			return append(cells, "error: "+errorText(r.Err))
		case c.tableCells != nil:
			cells = append(cells, c.tableCells(rep, r)...)
		default:
			cells = append(cells, c.cellOf(rep, r))
		}
	}
	return cells
}

// dollars writes a monthly cost in cents, and a cost under a cent as such
// rather than as a zero.
func dollars(v float64) string {
	if v > 0 && v < 0.005 {
		return "<0.01"
	}
	return fmt.Sprintf("%.2f", v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// plural is n and word, with an s unless n is 1: "1 upload", "3 uploads".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// humanBytes writes n in binary units, as S3 bills them.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}

// humanAge writes d in its largest whole unit: 45m, 5h, 12d.
func humanAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dm", int(max(d, 0)/time.Minute))
	}
}
