package report

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"
)

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

// jsonValue is what column c puts under its key on row r, and whether it
// puts anything: a grouping key only when rows are grouped by it, the sums
// not on an error row, the report's values only on the total, an empty
// text or time not at all.
func (rep *Report) jsonValue(c *Column, r *Row) (any, bool) {
	switch {
	case c.of == keyScope:
		return c.value(rep, r), rep.hasKey(c, r)
	case c.of == reportScope && !r.Total, c.of == rowScope && r.Err != nil:
		return nil, false
	}
	return jsonOf(c.value(rep, r))
}

// jsonOf is what a value is in JSON, and whether it is there at all: an
// empty text or time is not.
func jsonOf(v any) (any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, false
	case time.Time:
		return stamp(v), !v.IsZero()
	case string:
		return v, v != ""
	case float64:
		return round(v), true
	default:
		return v, true
	}
}

// writeJSON writes r as one object, its keys in the columns' order.
func (rep *Report) writeJSON(w io.Writer, r *Row) error {
	var vs []keyValue
	for i := range columns {
		c := &columns[i]
		if v, ok := rep.jsonValue(c, r); ok {
			vs = append(vs, keyValue{c.JSON, v})
		}
	}
	return writeObject(w, vs)
}

// keyValue is one key of a JSON object and its value.
type keyValue struct {
	key   string
	value any
}

// writeObject writes vs as one object on a line, in their order.
func writeObject(w io.Writer, vs []keyValue) error {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range vs {
		j, err := json.Marshal(kv.value)
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(kv.key) + ":")
		b.Write(j)
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes one JSON object a line: every row, then the total
// (total: true), then the top uploads (upload: true).
func (rep *Report) WriteJSON(w io.Writer) error {
	for _, r := range rep.lines() {
		if err := rep.writeJSON(w, r); err != nil {
			return err
		}
	}
	return rep.writeTopJSON(w)
}

// round keeps a cost to 1e-10 USD: a sum of float products carries noise
// in its last digits (0.00020660000000000003) that no one bills.
func round(v float64) float64 { return math.Round(v*1e10) / 1e10 }

func usd(v float64) string { return strconv.FormatFloat(round(v), 'f', -1, 64) }
