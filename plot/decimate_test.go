package plot

import (
	"math"
	"slices"
	"testing"
)

// TestDecimateMinMaxSpike: 100 points per pixel column, a spike up and a
// dip down in known columns; every column keeps its extremes.
func TestDecimateMinMaxSpike(t *testing.T) {
	const cols, per = 200, 100
	var p []xy
	for i := 0; i < cols*per; i++ {
		x := float64(i) / per
		y := 100 + 10*math.Sin(x/7)
		switch i {
		case 57*per + 31:
			y = -500 // spike (up on screen: small pixel y)
		case 123*per + 77:
			y = 900 // dip
		}
		p = append(p, xy{x, y})
	}
	got := decimateMinMax(p)
	if len(got) > 2*cols+2 {
		t.Fatalf("%d points after decimation, want at most %d", len(got), 2*cols+2)
	}
	if got[0] != p[0] || got[len(got)-1] != p[len(p)-1] {
		t.Errorf("ends not kept: %v…%v", got[0], got[len(got)-1])
	}
	for c := 0; c < cols; c++ {
		inMin, inMax := math.Inf(1), math.Inf(-1)
		for _, v := range p[c*per : (c+1)*per] {
			inMin, inMax = math.Min(inMin, v.y), math.Max(inMax, v.y)
		}
		outMin, outMax := math.Inf(1), math.Inf(-1)
		for _, v := range got {
			if math.Floor(v.x) == float64(c) {
				outMin, outMax = math.Min(outMin, v.y), math.Max(outMax, v.y)
			}
		}
		if outMin != inMin || outMax != inMax {
			t.Errorf("column %d: kept [%v, %v], want [%v, %v]", c, outMin, outMax, inMin, inMax)
		}
	}
	if !slices.Contains(got, xy{57 + 31.0/per, -500}) || !slices.Contains(got, xy{123 + 77.0/per, 900}) {
		t.Error("spike or dip lost")
	}
	// Order of occurrence is kept: x never decreases.
	for i := 1; i < len(got); i++ {
		if got[i].x < got[i-1].x {
			t.Fatalf("x decreases at %d: %v then %v", i, got[i-1], got[i])
		}
	}
}

func TestDecimateMinMaxSmall(t *testing.T) {
	for _, p := range [][]xy{nil, {{1, 1}}, {{1, 1}, {1.5, 2}}} {
		if got := decimateMinMax(p); !slices.Equal(got, p) {
			t.Errorf("decimateMinMax(%v) = %v", p, got)
		}
	}
	// Flat runs collapse to their ends.
	p := []xy{{0, 5}, {0.2, 5}, {0.4, 5}, {0.6, 5}}
	if got := decimateMinMax(p); !slices.Equal(got, []xy{{0, 5}, {0.6, 5}}) {
		t.Errorf("flat run: %v", got)
	}
}

func TestStepify(t *testing.T) {
	got := stepify([]xy{{0, 0}, {1, 2}, {2, 2}, {3, 1}})
	want := []xy{{0, 0}, {1, 0}, {1, 2}, {2, 2}, {3, 2}, {3, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("stepify = %v, want %v", got, want)
	}
}

func TestMergeSegments(t *testing.T) {
	got := mergeSegments([]seg{
		{10.2, 50, 60},
		{10.7, 60.5, 70}, // touches the first (gap < 1 px)
		{10.9, 80, 90},   // same column, apart
		{11.1, 0, 5},     // next column
		{10.1, 55, 58},   // inside the first, out of order
	})
	want := []seg{{10.5, 50, 70}, {10.5, 80, 90}, {11.5, 0, 5}}
	if !slices.Equal(got, want) {
		t.Errorf("mergeSegments = %v, want %v", got, want)
	}
	if got := mergeSegments(nil); len(got) != 0 {
		t.Errorf("mergeSegments(nil) = %v", got)
	}
}

func TestDedupePoints(t *testing.T) {
	got := dedupePoints([]xy{{1, 1}, {1.2, 0.9}, {3, 3}, {0.8, 1.3}, {1, 2}})
	want := []xy{{1, 1}, {3, 3}, {1, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("dedupePoints = %v, want %v", got, want)
	}
}

func TestSampleEven(t *testing.T) {
	s := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	got, dropped := sampleEven(s, 4)
	if !slices.Equal(got, []int{0, 2, 5, 7}) || dropped != 6 {
		t.Errorf("sampleEven(10, 4) = %v, %d", got, dropped)
	}
	if got, dropped := sampleEven(s, -1); len(got) != 10 || dropped != 0 {
		t.Errorf("no cap: %v, %d", got, dropped)
	}
	if got, dropped := sampleEven(s, 0); len(got) != 0 || dropped != 10 {
		t.Errorf("cap 0: %v, %d", got, dropped)
	}
	if got, dropped := sampleEven(s, 20); len(got) != 10 || dropped != 0 {
		t.Errorf("cap above length: %v, %d", got, dropped)
	}
}

func TestClipPolyline(t *testing.T) {
	in := []xy{{0.1, 0.1}, {0.5, 0.9}, {1, 1}}
	if got := clipPolyline(in, 0, 1, 0, 1); len(got) != 1 || &got[0][0] != &in[0] {
		t.Errorf("all inside: %v, want the input itself", got)
	}
	if got := clipPolyline([]xy{{-10, 5}, {10, 5}}, 0, 1, 0, 10); !slices.Equal(got[0], []xy{{0, 5}, {1, 5}}) || len(got) != 1 {
		t.Errorf("crossing: %v", got)
	}
	got := clipPolyline([]xy{{0.5, 0.5}, {0.5, 2}, {0.6, 0.5}, {0.7, 0.25}}, 0, 1, 0, 1)
	if len(got) != 2 {
		t.Fatalf("leaving and re-entering: %d runs %v, want 2", len(got), got)
	}
	if !slices.Equal(got[0], []xy{{0.5, 0.5}, {0.5, 1}}) {
		t.Errorf("first run %v", got[0])
	}
	if r := got[1]; len(r) != 3 || r[0].y != 1 || math.Abs(r[0].x-(0.5+0.1*2.0/3)) > 1e-12 || r[1] != (xy{0.6, 0.5}) || r[2] != (xy{0.7, 0.25}) {
		t.Errorf("second run %v", r)
	}
	if got := clipPolyline([]xy{{2, 2}, {3, 3}}, 0, 1, 0, 1); len(got) != 0 {
		t.Errorf("outside: %v", got)
	}
	if got := clipPolyline([]xy{{2, 0.5}, {3, 0.5}}, 0, 1, 0, 1); len(got) != 0 {
		t.Errorf("parallel outside: %v", got)
	}
	if got := clipPolyline([]xy{{-1e308, 0}, {1e308, 1}}, 0, 1, 0, 1); len(got) != 0 {
		t.Errorf("overflowing segment: %v", got)
	}
}
