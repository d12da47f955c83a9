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
