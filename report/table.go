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
	head := []string{"BUCKET", "REGION"}
	if rep.hasPrefixes() {
		head = append(head, "PREFIX")
	}
	if rep.By.StorageClass {
		head = append(head, "CLASS")
	}
	if rep.By.Initiator {
		head = append(head, "INITIATOR")
	}
	keys := len(head)
	head = append(head, "UPLOADS", "PARTS", "SIZE")
	for _, a := range rep.Ages {
		head = append(head, ">"+a.Label)
	}
	head = append(head, "OLDEST", "LIFECYCLE", "NO RULE", "USD/MONTH")
	lines := [][]string{head}
	for i := range rep.Rows {
		lines = append(lines, rep.tableRow(&rep.Rows[i], keys))
	}
	lines = append(lines, rep.tableRow(&rep.Total, keys))
	isErr := func(l []string) bool { return len(l) == keys+1 } // the error spans the sums' columns
	width := make([]int, len(head))
	for _, l := range lines {
		for i, c := range l {
			if !isErr(l) || i < keys {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	for _, l := range lines {
		for i, c := range l {
			pad := strings.Repeat(" ", max(width[i]-utf8.RuneCountInString(c), 0))
			switch {
			case isErr(l) && i == keys:
				b.WriteString(c)
			case i < keys || head[i] == "OLDEST" || head[i] == "LIFECYCLE":
				b.WriteString(c + pad)
			default:
				b.WriteString(pad + c)
			}
			if i < len(l)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nprices: %s\n", rep.Prices.Source())
	fmt.Fprintf(&b, "this scan: %d requests (%d LIST), $%.4f\n", rep.Requests.Total(), rep.Requests.List, rep.ScanUSD)
	if rep.Failed > 0 {
		fmt.Fprintf(&b, "INCOMPLETE: %d of %d rows could not be listed; the total leaves them out\n", rep.Failed, len(rep.Rows))
	}
	_, err := io.WriteString(w, b.String())
	return err
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

// tableRow is r's cells: keys cells of keys, then the sums, or the error
// as one last cell.
func (rep *Report) tableRow(r *Row, keys int) []string {
	cells := []string{r.Bucket, r.Region}
	if r.Total {
		cells = []string{"TOTAL", ""}
		if rep.Failed > 0 {
			cells[0] = "TOTAL (INCOMPLETE)"
		}
	}
	if rep.hasPrefixes() {
		p := r.Prefix
		if r.HasPrefix && p == "" {
			p = "(top)"
		}
		cells = append(cells, p)
	}
	if rep.By.StorageClass {
		cells = append(cells, r.StorageClass)
	}
	if rep.By.Initiator {
		cells = append(cells, orDash(r.Initiator))
	}
	if r.Err != nil {
		return append(cells[:keys], "error: "+r.Err.Error())
	}
	cells = append(cells, fmt.Sprint(r.Uploads), fmt.Sprint(r.Parts), humanBytes(r.Bytes))
	for _, c := range r.Older {
		cell := "0"
		if c.Uploads > 0 {
			cell = fmt.Sprintf("%d (%s)", c.Uploads, humanBytes(c.Bytes))
		}
		cells = append(cells, cell)
	}
	oldest := "-"
	if !r.Oldest.IsZero() {
		oldest = humanAge(rep.Time.Sub(r.Oldest))
	}
	noRule := "-" // a vault: no rule applies
	switch {
	case r.noAbortRuleKnown():
		noRule = humanBytes(r.NoAbortRule.Bytes)
	case r.Lifecycle.Kind == CoverageUnknown:
		noRule = "?"
	}
	return append(cells, oldest, orDash(r.Lifecycle.String()), noRule, dollars(r.MonthlyUSD))
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
