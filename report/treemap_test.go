package report

import (
	"math"
	"testing"
)

// Every value gets an area in proportion to it, inside the box, and the
// areas do not overlap.
func TestSquarify(t *testing.T) {
	for _, values := range [][]float64{{6, 6, 4, 3, 2, 2, 1}, {1}, {5, 5}, {1000, 1, 1, 1}, {3, 9, 1, 27, 81}} {
		r := box{10, 20, 600, 400}
		boxes := squarify(values, r)
		var sum float64
		for _, v := range values {
			sum += v
		}
		for i, b := range boxes {
			want := values[i] / sum * r.W * r.H
			if math.Abs(b.W*b.H-want) > 1e-6*want {
				t.Errorf("%v: %d has area %g, want %g", values, i, b.W*b.H, want)
			}
			if b.X < r.X-1e-9 || b.Y < r.Y-1e-9 || b.X+b.W > r.X+r.W+1e-6 || b.Y+b.H > r.Y+r.H+1e-6 {
				t.Errorf("%v: %d is %+v, outside %+v", values, i, b, r)
			}
			for j, o := range boxes[:i] {
				if min(b.X+b.W, o.X+o.W)-max(b.X, o.X) > 1e-6 && min(b.Y+b.H, o.Y+o.H)-max(b.Y, o.Y) > 1e-6 {
					t.Errorf("%v: %d %+v overlaps %d %+v", values, i, b, j, o)
				}
			}
		}
	}
}
