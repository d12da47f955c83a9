package plot

import (
	"math"
	"slices"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		name     string
		min, max float64
		n        int
		want     []float64
	}{
		{"unit interval", 0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"thousand", 0, 1000, 5, []float64{0, 200, 400, 600, 800, 1000}},
		{"decimals", 3.7, 4.2, 5, []float64{3.7, 3.8, 3.9, 4, 4.1, 4.2}},
		{"two and a half", 0, 10, 4, []float64{0, 2.5, 5, 7.5, 10}},
		{"widened to the step", 0.013, 3.04, 6, []float64{0, 1, 2, 3, 4}},
		{"not starting at a multiple", 13, 87, 4, []float64{0, 20, 40, 60, 80, 100}},
		{"negative", -10, -2, 4, []float64{-10, -8, -6, -4, -2}},
		{"across zero", -1, 1, 4, []float64{-1, -0.5, 0, 0.5, 1}},
		{"reversed", 1, 0, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"zero width at zero", 0, 0, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"zero width", 5, 5, 5, []float64{4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6}},
		{"n below one", 0, 1, 0, []float64{0, 1}},
		{"small", 0, 0.003, 3, []float64{0, 0.001, 0.002, 0.003}},
		{"large", 0, 3e9, 3, []float64{0, 1e9, 2e9, 3e9}},
		{"NaN", math.NaN(), 1, 5, nil},
		{"Inf", 0, math.Inf(1), 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NiceTicks(tt.min, tt.max, tt.n)
			if !slices.Equal(got, tt.want) {
				t.Errorf("NiceTicks(%v, %v, %d) = %v, want %v", tt.min, tt.max, tt.n, got, tt.want)
			}
		})
	}
}

// TestNiceTicksProperties checks, over many ranges, that ticks increase by
// a nice step and cover the range with about n intervals.
func TestNiceTicksProperties(t *testing.T) {
	g := lcg(7)
	nice := []float64{1, 2, 2.5, 5}
	for i := 0; i < 5000; i++ {
		scale := math.Pow(10, math.Floor(g.float()*24)-12)
		a := (g.float()*2 - 1) * scale
		b := a + g.float()*scale
		n := 1 + int(g.float()*12)
		ticks := NiceTicks(a, b, n)
		if len(ticks) < 2 {
			t.Fatalf("NiceTicks(%g, %g, %d) = %v: fewer than 2 ticks", a, b, n, ticks)
		}
		if len(ticks) > 2*n+3 {
			t.Fatalf("NiceTicks(%g, %g, %d): %d ticks", a, b, n, len(ticks))
		}
		lo, hi := math.Min(a, b), math.Max(a, b)
		step := ticks[1] - ticks[0]
		tol := step * 1e-6
		if ticks[0] > lo+tol || ticks[len(ticks)-1] < hi-tol {
			t.Fatalf("NiceTicks(%g, %g, %d) = %v does not cover the range", a, b, n, ticks)
		}
		for k := 1; k < len(ticks); k++ {
			if d := ticks[k] - ticks[k-1]; math.Abs(d-step) > tol {
				t.Fatalf("NiceTicks(%g, %g, %d) = %v: uneven steps", a, b, n, ticks)
			}
		}
		mant := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
		ok := false
		for _, m := range nice {
			if math.Abs(mant-m) < 1e-6 || math.Abs(mant-10*m) < 1e-5 {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("NiceTicks(%g, %g, %d): step %g is not nice", a, b, n, step)
		}
	}
}

func TestNiceTicksExtremes(t *testing.T) {
	for _, c := range [][2]float64{
		{-math.MaxFloat64, math.MaxFloat64},
		{1e16, 1e16 + 4},
		{5e-324, 5e-324},
		{-1e-300, 1e-300},
		{0, 1e308},
	} {
		ticks := NiceTicks(c[0], c[1], 5)
		if len(ticks) == 0 || len(ticks) > 100 {
			t.Errorf("NiceTicks(%g, %g) = %v", c[0], c[1], ticks)
		}
		for k := 1; k < len(ticks); k++ {
			if !(ticks[k] > ticks[k-1]) {
				t.Errorf("NiceTicks(%g, %g) = %v: not increasing", c[0], c[1], ticks)
			}
		}
	}
	if got := NiceTicks(0, 1, 1<<30); len(got) > 1100 {
		t.Errorf("huge n gave %d ticks", len(got))
	}
}

func TestUnitAxis(t *testing.T) {
	tests := []struct {
		unit     Unit
		min, max float64
		n        int
		want     []string
	}{
		{UnitNone, 0, 1, 5, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{UnitNone, 0, 5e6, 5, []string{"0", "1M", "2M", "3M", "4M", "5M"}},
		{UnitNone, -5, 5, 2, []string{"-5", "0", "5"}},
		{UnitBytes, 0, 1000, 5, []string{"0 B", "200 B", "400 B", "600 B", "800 B", "1000 B"}},
		{UnitBytes, 0, 1536, 3, []string{"0 KiB", "0.5 KiB", "1 KiB", "1.5 KiB"}},
		{UnitBytes, 0, 3000, 3, []string{"0 KiB", "1 KiB", "2 KiB", "3 KiB"}},
		{UnitBytes, 0, 5e6, 5, []string{"0 MiB", "1 MiB", "2 MiB", "3 MiB", "4 MiB", "5 MiB"}},
		{UnitBytes, -2048, 2048, 4, []string{"-2 KiB", "-1 KiB", "0 KiB", "1 KiB", "2 KiB"}},
		{UnitBytes, 0, 3 << 30, 3, []string{"0 GiB", "1 GiB", "2 GiB", "3 GiB"}},
		{UnitBitsPerSecond, 0, 4e6, 4, []string{"0 Mb/s", "1 Mb/s", "2 Mb/s", "3 Mb/s", "4 Mb/s"}},
		{UnitBitsPerSecond, 0, 2500, 5, []string{"0 kb/s", "0.5 kb/s", "1 kb/s", "1.5 kb/s", "2 kb/s", "2.5 kb/s"}},
		{UnitBitsPerSecond, 0, 900, 3, []string{"0 b/s", "500 b/s", "1000 b/s"}},
		{UnitBitsPerSecond, 0, 12e9, 3, []string{"0 Gb/s", "5 Gb/s", "10 Gb/s", "15 Gb/s"}},
		{UnitSeconds, 0, 1.5, 3, []string{"0 s", "0.5 s", "1 s", "1.5 s"}},
		{UnitSeconds, 0, 0.1, 5, []string{"0 ms", "20 ms", "40 ms", "60 ms", "80 ms", "100 ms"}},
		{UnitSeconds, 0, 0.0005, 5, []string{"0 µs", "100 µs", "200 µs", "300 µs", "400 µs", "500 µs"}},
		{UnitSeconds, 0, 30, 3, []string{"0 s", "10 s", "20 s", "30 s"}},
		{UnitSeconds, 2.5, 2.6, 2, []string{"2.5 s", "2.55 s", "2.6 s"}},
	}
	for _, tt := range tests {
		ticks, labels := tt.unit.Axis(tt.min, tt.max, tt.n)
		if !slices.Equal(labels, tt.want) {
			t.Errorf("%v.Axis(%v, %v, %d) labels = %q, want %q", tt.unit, tt.min, tt.max, tt.n, labels, tt.want)
		}
		if len(ticks) != len(labels) {
			t.Errorf("%v.Axis(%v, %v, %d): %d ticks, %d labels", tt.unit, tt.min, tt.max, tt.n, len(ticks), len(labels))
		}
	}
	// The ticks are in the unit of the data, not of the prefix.
	ticks, _ := UnitBytes.Axis(0, 3000, 3)
	if want := []float64{0, 1024, 2048, 3072}; !slices.Equal(ticks, want) {
		t.Errorf("UnitBytes ticks = %v, want %v", ticks, want)
	}
	if ticks, labels := UnitBytes.Axis(math.NaN(), 1, 5); ticks != nil || labels != nil {
		t.Errorf("NaN axis = %v %v, want nil", ticks, labels)
	}
}

func TestUnitFormat(t *testing.T) {
	tests := []struct {
		unit Unit
		v    float64
		want string
	}{
		{UnitNone, 0, "0"},
		{UnitNone, 12.5, "12.5"},
		{UnitNone, 2.5e6, "2.5M"},
		{UnitBytes, 0, "0 B"},
		{UnitBytes, 1400, "1.37 KiB"},
		{UnitBytes, 1536, "1.5 KiB"},
		{UnitBytes, 1572864, "1.5 MiB"},
		{UnitBytes, -1024, "-1 KiB"},
		{UnitBitsPerSecond, 1.5e6, "1.5 Mb/s"},
		{UnitBitsPerSecond, 999, "999 b/s"},
		{UnitSeconds, 0.0123, "12.3 ms"},
		{UnitSeconds, 1.25, "1.25 s"},
		{UnitSeconds, 123.456, "123 s"},
		{UnitSeconds, 2e-6, "2 µs"},
		{UnitSeconds, math.NaN(), "NaN"},
		{UnitBytes, math.Inf(1), "+Inf"},
	}
	for _, tt := range tests {
		if got := tt.unit.Format(tt.v); got != tt.want {
			t.Errorf("%v.Format(%v) = %q, want %q", tt.unit, tt.v, got, tt.want)
		}
	}
}
