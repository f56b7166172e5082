package report

import (
	"fmt"
	"slices"
)

// The treemap's size in SVG user units (the page scales it to its width),
// and what its text needs: a line's height and a character's width at its
// font size, and a bucket's name strip.
const (
	mapW, mapH   = 1000.0, 560.0
	lineH, charW = 14.0, 7.0
	bucketStrip  = 16.0
)

// htmlMap is the treemap: a box per bucket, an area per row with bytes.
type htmlMap struct {
	W, H    float64
	Buckets []htmlBucket
	Areas   []htmlArea
	Empty   []string // the rows with no bytes, or an error: no area
}

type htmlBucket struct {
	Name, Size string
	Label      string // on its strip, cut to fit ("": no strip)
	X, Y, W, H float64
}

type htmlArea struct {
	Name, Size, Cost, Coverage, Oldest, Kind string
	X, Y, W, H                               float64
	Lines                                    []htmlLine // what fits inside
}

// htmlLine is a line of text at its baseline's start.
type htmlLine struct {
	Text string
	X, Y float64
}

// kindOf is a coverage's word in the page's styles (a color and a
// pattern each).
func kindOf(c Coverage) string {
	if c.Kind == CoverageNotApplicable {
		return "na"
	}
	return c.Kind.String()
}

// rowName is a row's name on the page: its bucket, prefix, storage class
// and initiator, those it is grouped by.
func rowName(r *Row) string {
	n := r.Bucket
	switch {
	case r.HasPrefix && r.Prefix == "":
		n += " (top)"
	case r.HasPrefix:
		n += "/" + r.Prefix
	}
	for _, k := range []string{r.StorageClass, r.Initiator} {
		if k != "" {
			n += " · " + k
		}
	}
	return printable(n)
}

// treemap lays the buckets out by their bytes, then each bucket's rows
// inside its box, below its name where the name fits.
func (rep *Report) treemap() htmlMap {
	m := htmlMap{W: mapW, H: mapH}
	var buckets []string
	var sizes []float64
	byBucket := map[string][]*Row{}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Err != nil || r.Bytes == 0 {
			m.Empty = append(m.Empty, rowName(r))
			continue
		}
		if byBucket[r.Bucket] == nil {
			buckets = append(buckets, r.Bucket)
			sizes = append(sizes, 0)
		}
		byBucket[r.Bucket] = append(byBucket[r.Bucket], r)
		sizes[len(sizes)-1] += float64(r.Bytes)
	}
	for i, b := range squarify(sizes, box{0, 0, mapW, mapH}) {
		hb := htmlBucket{Name: printable(buckets[i]), Size: humanBytes(int64(sizes[i])), X: b.X, Y: b.Y, W: b.W, H: b.H}
		if b.H > 3*bucketStrip && b.W > 8*charW {
			hb.Label = clip(hb.Name+" · "+hb.Size, int((b.W-10)/charW))
		}
		inner := box{b.X + 1, b.Y + 1, b.W - 2, b.H - 2}
		if hb.Label != "" {
			inner.Y, inner.H = inner.Y+bucketStrip, inner.H-bucketStrip
		}
		m.Buckets = append(m.Buckets, hb)
		rows := byBucket[buckets[i]]
		var vs []float64
		for _, r := range rows {
			vs = append(vs, float64(r.Bytes))
		}
		for j, a := range squarify(vs, inner) {
			m.Areas = append(m.Areas, rep.area(rows[j], a))
		}
	}
	return m
}

// area is row r drawn in a, with as many lines of text as fit.
func (rep *Report) area(r *Row, a box) htmlArea {
	oldest := "-"
	if !r.Oldest.IsZero() {
		oldest = humanAge(rep.Time.Sub(r.Oldest))
	}
	ha := htmlArea{Name: rowName(r), Size: humanBytes(r.Bytes), Cost: "$" + dollars(r.MonthlyUSD) + "/month",
		Coverage: orDash(r.Lifecycle.String()), Oldest: oldest, Kind: kindOf(r.Lifecycle), X: a.X, Y: a.Y, W: a.W, H: a.H}
	fit := int((a.W - 6) / charW)
	if fit < 4 {
		return ha
	}
	for i, l := range []string{ha.Name, ha.Size, ha.Cost, ha.Coverage} {
		if float64(i+1)*lineH+4 > a.H {
			break
		}
		ha.Lines = append(ha.Lines, htmlLine{clip(l, fit), a.X + 4, a.Y + float64(i+1)*lineH})
	}
	return ha
}

// clip cuts s to n characters, the last an ellipsis where it is cut.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:max(n-1, 0)]) + "…"
	}
	return s
}

// Bar charts: a label column, then bars scaled to the widest.
const (
	barLabelW, barMaxW, barH = 150.0, 600.0, 28.0
)

// bars lays out one bar per value, the largest barMaxW wide.
func bars(labels, kinds []string, values []int64, total int64) []htmlBar {
	most := slices.Max(append([]int64{1}, values...))
	var out []htmlBar
	for i, v := range values {
		b := htmlBar{Label: labels[i], Kind: kinds[i], Bytes: humanBytes(v), Value: v, Y: float64(i) * barH,
			X: barLabelW, W: float64(v) / float64(most) * barMaxW}
		if total > 0 {
			b.Share = fmt.Sprintf("%.1f%%", float64(v)/float64(total)*100)
		}
		out = append(out, b)
	}
	return out
}

// ageBars are the total's bytes between each two --age cuts (bytes of an
// upload with no initiation time count as the youngest).
func (rep *Report) ageBars() []htmlBar {
	t := &rep.Total
	var labels, kinds []string
	var values []int64
	prev := t.Bytes
	for i, a := range rep.Ages {
		if i == 0 {
			labels = append(labels, "under "+a.Label)
		} else {
			labels = append(labels, rep.Ages[i-1].Label+" to "+a.Label)
		}
		values = append(values, prev-t.Older[i].Bytes)
		prev = t.Older[i].Bytes
	}
	if len(rep.Ages) > 0 {
		labels = append(labels, "over "+rep.Ages[len(rep.Ages)-1].Label)
		values = append(values, prev)
	}
	for range labels {
		kinds = append(kinds, "age")
	}
	return bars(labels, kinds, values, t.Bytes)
}

// coverageBars are the bytes of the rows listed by their lifecycle
// coverage (not applicable only where there are such rows: vaults).
func (rep *Report) coverageBars() []htmlBar {
	kinds := []CoverageKind{CoverageCovered, CoveragePartly, CoverageNone, CoverageUnknown, CoverageNotApplicable}
	by := map[CoverageKind]int64{}
	for _, r := range rep.Rows {
		if r.Err == nil {
			by[r.Lifecycle.Kind] += r.Bytes
		}
	}
	var labels, names []string
	var values []int64
	for _, k := range kinds {
		if _, ok := by[k]; k == CoverageNotApplicable && !ok {
			continue
		}
		label := k.String()
		if k == CoverageNotApplicable {
			label = "not applicable"
		}
		labels = append(labels, label)
		names = append(names, kindOf(Coverage{Kind: k}))
		values = append(values, by[k])
	}
	return bars(labels, names, values, rep.Total.Bytes)
}
