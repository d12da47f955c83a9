package plot

import (
	"cmp"
	"math"
	"slices"
)

// The reduction of big series, applied in pixel space once the axes are
// known. See the package documentation for the rules; the functions here
// are deterministic and keep the order of their input where it matters.

// xy is a point in pixel coordinates.
type xy struct{ x, y float64 }

// seg is a vertical segment in pixel coordinates, y0 <= y1.
type seg struct{ x, y0, y1 float64 }

// decimateMinMax keeps, for each run of consecutive points that fall in
// the same pixel column (floor of x), the point of smallest and the point
// of largest y, in their order of occurrence, so a polyline drawn through
// the result covers the same pixels vertically in every column. The first
// and last points of the whole series are always kept. The result has at
// most two points per column run, plus the two ends.
func decimateMinMax(p []xy) []xy {
	if len(p) <= 2 {
		return p
	}
	out := make([]xy, 0, 64)
	out = append(out, p[0])
	push := func(v xy) {
		if last := out[len(out)-1]; last != v {
			out = append(out, v)
		}
	}
	for i := 0; i < len(p); {
		col := math.Floor(p[i].x)
		mn, mx := i, i
		j := i + 1
		for ; j < len(p) && math.Floor(p[j].x) == col; j++ {
			if p[j].y < p[mn].y {
				mn = j
			}
			if p[j].y > p[mx].y {
				mx = j
			}
		}
		if mn > mx {
			mn, mx = mx, mn
		}
		push(p[mn])
		if mx != mn {
			push(p[mx])
		}
		i = j
	}
	push(p[len(p)-1])
	return out
}

// stepify turns points into the corners of a staircase: each Y is held
// until the next X.
func stepify(p []xy) []xy {
	if len(p) < 2 {
		return p
	}
	out := make([]xy, 0, 2*len(p))
	out = append(out, p[0])
	for i := 1; i < len(p); i++ {
		if p[i].y != p[i-1].y {
			out = append(out, xy{p[i].x, p[i-1].y})
		}
		out = append(out, p[i])
	}
	return out
}

// pixelKey identifies the pixel a coordinate pair rounds to.
func pixelKey(x, y float64) [2]int32 {
	return [2]int32{int32(math.Round(x)), int32(math.Round(y))}
}

// dedupePoints keeps the first point of each pixel (coordinates rounded),
// in input order.
func dedupePoints(p []xy) []xy {
	seen := make(map[[2]int32]struct{}, len(p)/4)
	out := make([]xy, 0, len(p)/4)
	for _, v := range p {
		k := pixelKey(v.x, v.y)
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, v)
	}
	return out
}

// mergeSegments groups the segments by pixel column (floor of x) and, in
// each column, merges those that overlap or are less than a pixel apart;
// a merged segment is drawn at the middle of its column. The result is
// sorted by column, then by y.
func mergeSegments(s []seg) []seg {
	if len(s) == 0 {
		return s
	}
	t := make([]seg, len(s))
	for i, v := range s {
		t[i] = seg{math.Floor(v.x) + 0.5, v.y0, v.y1}
	}
	slices.SortStableFunc(t, func(a, b seg) int {
		if c := cmp.Compare(a.x, b.x); c != 0 {
			return c
		}
		return cmp.Compare(a.y0, b.y0)
	})
	out := t[:1]
	for _, v := range t[1:] {
		cur := &out[len(out)-1]
		if v.x == cur.x && v.y0 <= cur.y1+1 {
			if v.y1 > cur.y1 {
				cur.y1 = v.y1
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

// sampleEven keeps at most max elements of s, evenly spread over it (the
// element at index floor(j*len/max) for j = 0…max-1), and returns how many
// were left out. max < 0 means no cap.
func sampleEven[T any](s []T, max int) ([]T, int) {
	if max < 0 || len(s) <= max {
		return s, 0
	}
	if max == 0 {
		return nil, len(s)
	}
	out := make([]T, max)
	n := int64(len(s))
	for j := range out {
		out[j] = s[int64(j)*n/int64(max)]
	}
	return out, len(s) - max
}

// clipPolyline cuts the polyline p to the rectangle [xmin, xmax] ×
// [ymin, ymax] (Liang–Barsky on each segment) and returns the visible
// runs; points inside stay exactly as they are, and a run that leaves and
// re-enters the rectangle is split in two. When every point is inside, the
// single run is p itself.
func clipPolyline(p []xy, xmin, xmax, ymin, ymax float64) [][]xy {
	in := func(v xy) bool { return v.x >= xmin && v.x <= xmax && v.y >= ymin && v.y <= ymax }
	allIn := true
	for _, v := range p {
		if !in(v) {
			allIn = false
			break
		}
	}
	if allIn {
		if len(p) == 0 {
			return nil
		}
		return [][]xy{p}
	}
	var runs [][]xy
	var cur []xy
	for i := 1; i < len(p); i++ {
		a, b, ok := clipSegment(p[i-1], p[i], xmin, xmax, ymin, ymax)
		if !ok {
			if len(cur) > 0 {
				runs = append(runs, cur)
				cur = nil
			}
			continue
		}
		if len(cur) > 0 && cur[len(cur)-1] == a {
			cur = append(cur, b)
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
		cur = []xy{a, b}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// clipSegment clips the segment a→b to the rectangle (Liang–Barsky). An
// end inside the rectangle is returned unchanged.
func clipSegment(a, b xy, xmin, xmax, ymin, ymax float64) (xy, xy, bool) {
	dx, dy := b.x-a.x, b.y-a.y
	if !finite(dx) || !finite(dy) {
		return a, b, false
	}
	t0, t1 := 0.0, 1.0
	for _, c := range [4][2]float64{
		{-dx, a.x - xmin},
		{dx, xmax - a.x},
		{-dy, a.y - ymin},
		{dy, ymax - a.y},
	} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return a, b, false // parallel to this edge and outside
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return a, b, false
			}
			if r > t0 {
				t0 = r
			}
		} else {
			if r < t0 {
				return a, b, false
			}
			if r < t1 {
				t1 = r
			}
		}
	}
	na, nb := a, b
	if t0 > 0 {
		na = xy{a.x + t0*dx, a.y + t0*dy}
	}
	if t1 < 1 {
		nb = xy{a.x + t1*dx, a.y + t1*dy}
	}
	if !finite(na.x) || !finite(na.y) || !finite(nb.x) || !finite(nb.y) {
		return a, b, false
	}
	return na, nb, true
}
