package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// gauge is one metric of a column: Metric[i] with Help[i].
type gauge struct {
	c *Column
	i int
}

// gauges are the metrics of the columns of scopes ss in the table's
// order, a column with metricAfter moved after that column's.
func gauges(ss ...scope) []gauge {
	var gs []gauge
	for i := range columns {
		c := &columns[i]
		for m := range c.Metric {
			if slices.Contains(ss, c.of) {
				gs = append(gs, gauge{c, m})
			}
		}
	}
	var moved []gauge
	gs = slices.DeleteFunc(gs, func(g gauge) bool {
		if g.c.metricAfter != "" {
			moved = append(moved, g)
		}
		return g.c.metricAfter != ""
	})
	for _, g := range moved {
		at := 0 // after the named column's gauges (and this one's placed)
		for i, o := range gs {
			if o.c.Name == g.c.metricAfter || o.c == g.c {
				at = i + 1
			}
		}
		gs = slices.Insert(gs, at, g)
	}
	return gs
}

// WriteMetrics writes the rows as OpenMetrics gauges, one sample a row
// and metric, labelled by the row's keys (bucket and region, and its
// grouping keys), and ends with "# EOF". The total row is left out (sum()
// gives it); the report's own values are gauges of their own. The text
// is also valid Prometheus text format, which node_exporter's textfile
// collector reads; that collector refuses samples with timestamps, so
// the report's time is a gauge of its own (uploadfs_report_timestamp_seconds),
// as node_exporter's own textfile metrics do.
func (rep *Report) WriteMetrics(w io.Writer) error {
	var b strings.Builder
	for _, g := range gauges(rowScope, errorScope) {
		name := g.c.Metric[g.i]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, g.c.Help[g.i], name)
		for i := range rep.Rows {
			r := &rep.Rows[i]
			rep.samples(g.c, r, func(m int, extra string, v float64) {
				if m == g.i {
					fmt.Fprintf(&b, "%s{%s%s} %s\n", name, rep.labels(r), extra, number(v))
				}
			})
		}
	}
	for _, g := range gauges(reportScope) {
		name := g.c.Metric[g.i]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, g.c.Help[g.i], name)
		rep.samples(g.c, &rep.Total, func(_ int, _ string, v float64) { fmt.Fprintf(&b, "%s %s\n", name, number(v)) })
	}
	rep.writeTopMetrics(&b)
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// samples emits c's samples of r: none of a row that could not be listed
// but its error, none of an absent value.
func (rep *Report) samples(c *Column, r *Row, emit func(metric int, labels string, v float64)) {
	switch {
	case r.Err != nil && c.of != errorScope:
	case c.samples != nil:
		c.samples(rep, r, emit)
	default:
		if v, ok := sampleOf(c.value(rep, r)); ok {
			emit(0, "", v)
		}
	}
}

// sampleOf is a value's sample, if it has one (a number, a time).
func sampleOf(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case float64:
		return round(v), true // a cost, rounded as in every format: 0.0001812, not 0.00018119999999999999
	case time.Time:
		return float64(v.Unix()), !v.IsZero()
	}
	return 0, false
}

// labels are a row's labels: its keys.
func (rep *Report) labels(r *Row) string {
	var l []string
	for i := range columns {
		c := &columns[i]
		if c.of == keyScope && len(c.Metric) > 0 && rep.hasKey(c, r) {
			l = append(l, c.Metric[0]+`="`+escape(c.value(rep, r).(string))+`"`)
		}
	}
	return strings.Join(l, ",")
}

// escape escapes a label value as both formats require.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
