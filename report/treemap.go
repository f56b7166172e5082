package report

import (
	"cmp"
	"slices"
)

// box is a rectangle of the treemap, in SVG user units.
type box struct{ X, Y, W, H float64 }

// squarify lays values (each > 0) out in r, each an area proportional to
// it, by Bruls, Huizing and van Wijk's squarified treemap: the largest
// first, a strip along the shorter side grown while that makes its worst
// aspect ratio no worse. The boxes are in the values' order.
func squarify(values []float64, r box) []box {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(values[b], values[a]) })
	var sum float64
	for _, v := range values {
		sum += v
	}
	out := make([]box, len(values))
	if sum <= 0 {
		return out
	}
	scale := r.W * r.H / sum
	area := func(k int) float64 { return values[order[k]] * scale }
	for i := 0; i < len(order); {
		side := min(r.W, r.H)
		j := i + 1
		for j < len(order) && worst(i, j+1, side, area) <= worst(i, j, side, area) {
			j++
		}
		var s float64
		for k := i; k < j; k++ {
			s += area(k)
		}
		if r.W >= r.H { // a column at the left
			t, y := s/r.H, r.Y
			for k := i; k < j; k++ {
				out[order[k]] = box{r.X, y, t, area(k) / t}
				y += area(k) / t
			}
			r.X, r.W = r.X+t, r.W-t
		} else { // a row at the top
			t, x := s/r.W, r.X
			for k := i; k < j; k++ {
				out[order[k]] = box{x, r.Y, area(k) / t, t}
				x += area(k) / t
			}
			r.Y, r.H = r.Y+t, r.H-t
		}
		i = j
	}
	return out
}

// worst is the worst aspect ratio of the strip of areas i to j (not
// included) laid along a side of length side.
func worst(i, j int, side float64, area func(int) float64) float64 {
	var s, most, least float64
	for k := i; k < j; k++ {
		a := area(k)
		s += a
		most = max(most, a)
		if k == i || a < least {
			least = a
		}
	}
	if least <= 0 || side <= 0 {
		return 0
	}
	return max(side*side*most/(s*s), s*s/(side*side*least))
}
