package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// HTMLAges are the cuts of the HTML page's bytes by age, where no --age
// gives others.
var HTMLAges = []Age{{"1d", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour},
	{"90d", 90 * 24 * time.Hour}, {"1y", 365 * 24 * time.Hour}}

//go:embed html/report.html
var pageText string

// page is html/report.html: html/template escapes every value in its
// context (text, attribute, SVG title), and the page's
// Content-Security-Policy lets nothing be fetched and no script run.
var page = template.Must(template.New("report").Parse(pageText))

// htmlPage is what the page shows, each value ready to print.
type htmlPage struct {
	Time, Stamp              string
	Bytes, Uploads, Parts    string
	BytesValue, UploadsValue int64
	Monthly                  string
	MonthlyValue             string
	NoRule                   string
	Incomplete               string
	Requests, List, Other    int64
	ScanCost, Elapsed        string
	Prices                   []htmlPrice
	PriceSource              string
	ListPrice, GetPrice      string
	Map                      htmlMap
	Ages, Coverage           []htmlBar
	AgesH, CoverageH         float64 // the charts' heights
	Head                     []htmlCell
	Rows                     [][]htmlCell
	TopN                     int
	TopBy                    string
	TopHead                  []string
	Top                      []htmlUpload
}

type htmlPrice struct {
	Class, USD string
	Overridden bool
}

// htmlBar is one bar of a chart: its label, bytes and where it is drawn.
type htmlBar struct {
	Label, Kind, Bytes, Share string
	Value                     int64
	Y, X, W                   float64
}

type htmlCell struct {
	Text             string
	Num, Total, Wrap bool // Wrap: a key or an ARN, broken anywhere
	Span             int
}

type htmlUpload struct {
	Cells   []htmlCell
	Command string
}

// WriteHTML writes the report as one self-contained HTML page: a treemap
// of the bytes, bytes by age and by lifecycle coverage, the summary
// table, the top uploads with the command that aborts each, the prices
// and the scan. Nothing on it is fetched and nothing runs.
func (rep *Report) WriteHTML(w io.Writer) error {
	t := &rep.Total
	p := htmlPage{
		Time: rep.Time.UTC().Format("2006-01-02 15:04:05 UTC"), Stamp: stamp(rep.Time),
		Bytes: humanBytes(t.Bytes), BytesValue: t.Bytes, Uploads: itoa(t.Uploads), UploadsValue: t.Uploads, Parts: itoa(t.Parts),
		Monthly: "$" + dollars(t.MonthlyUSD), MonthlyValue: usd(t.MonthlyUSD), NoRule: humanBytes(t.NoAbortRule.Bytes),
		Requests: rep.Requests.Total(), List: rep.Requests.List, Other: rep.Requests.Other,
		ScanCost: fmt.Sprintf("$%.4f", rep.ScanUSD), Elapsed: rep.Elapsed.Round(time.Millisecond).String(),
		PriceSource: rep.Prices.Source(), ListPrice: usd(rep.Prices.ListPer1000), GetPrice: usd(rep.Prices.GetPer1000),
		Map: rep.treemap(), Ages: rep.ageBars(), Coverage: rep.coverageBars(),
		TopN: rep.TopN, TopBy: rep.TopBy.String(),
	}
	p.AgesH, p.CoverageH = float64(len(p.Ages))*barH, float64(len(p.Coverage))*barH
	if rep.Failed > 0 {
		p.Incomplete = fmt.Sprintf("%d of %d rows could not be listed; the totals leave them out.", rep.Failed, len(rep.Rows))
	}
	for _, c := range slices.Sorted(maps.Keys(rep.Prices.PerGBMonth)) {
		p.Prices = append(p.Prices, htmlPrice{c, usd(rep.Prices.PerGBMonth[c]), slices.Contains(rep.Prices.Overridden, c)})
	}
	p.Head, p.Rows = rep.htmlSummary()
	p.TopHead, p.Top = rep.htmlTop()
	return page.Execute(w, p)
}

// htmlSummary is the table's header and rows, as --format table has them;
// an error row's error spans the sums' columns.
func (rep *Report) htmlSummary() ([]htmlCell, [][]htmlCell) {
	cols := rep.tableColumns()
	head, left, keys := rep.tableHead(cols)
	var hs []htmlCell
	for i, h := range head {
		hs = append(hs, htmlCell{Text: h, Num: !left[i]})
	}
	var rows [][]htmlCell
	for _, r := range rep.lines() {
		var cs []htmlCell
		for i, c := range rep.tableRow(cols, r) {
			cell := htmlCell{Text: printable(c), Num: !left[i], Total: r.Total, Span: 1}
			if r.Err != nil && i == keys {
				cell.Num, cell.Span = false, len(head)-keys
			}
			cs = append(cs, cell)
		}
		rows = append(rows, cs)
	}
	return hs, rows
}

// htmlTop is the top uploads' header and rows, each with its command.
func (rep *Report) htmlTop() ([]string, []htmlUpload) {
	lines, left := rep.topTable()
	var us []htmlUpload
	for i, l := range lines[1:] {
		var cs []htmlCell
		for j, c := range l {
			wrap := lines[0][j] == "KEY" || lines[0][j] == "INITIATOR"
			cs = append(cs, htmlCell{Text: c, Num: !left[j], Wrap: wrap, Span: 1})
		}
		us = append(us, htmlUpload{Cells: cs, Command: abortCommand(&rep.Top[i])})
	}
	return lines[0], us
}

// abortCommand is the AWS CLI command that aborts u, each value quoted
// for a POSIX shell (bash and zsh for a key with control characters).
func abortCommand(u *Upload) string {
	if u.Vault() {
		return "aws glacier abort-multipart-upload --account-id - --vault-name " + shellQuote(u.Bucket) + " --upload-id " + shellQuote(u.ID)
	}
	key := " --key " + shellQuote(u.Key)
	if strings.HasPrefix(u.Key, "-") {
		key = " --key=" + shellQuote(u.Key) // not taken for an option
	}
	return "aws s3api abort-multipart-upload --bucket " + shellQuote(u.Bucket) + key + " --upload-id " + shellQuote(u.ID)
}

// shellQuote quotes s as one word: as it is when only safe characters;
// in single quotes; or, with control characters or bytes that are not
// UTF-8 (which a terminal would not show and a copy would lose), in
// $'…' with those written \xHH.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/=:@%+,-", r) {
			safe = false
		}
	}
	if safe {
		return s
	}
	if printable(s) == s {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("'")
	return b.String()
}
