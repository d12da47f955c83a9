package plot

import (
	"math"
	"strconv"
	"strings"
)

// Unit says how the tick labels of an axis are formatted.
type Unit int

const (
	// UnitNone prints plain numbers (with k, M, G from a million on).
	UnitNone Unit = iota
	// UnitBytes prints bytes with binary prefixes: 512 B, 1.5 KiB, 2 MiB.
	UnitBytes
	// UnitBitsPerSecond prints rates with decimal prefixes: 800 kb/s,
	// 1.5 Mb/s.
	UnitBitsPerSecond
	// UnitSeconds prints durations: 0 s, 0.5 s, 1 s or 0 ms, 20 ms, 40 ms
	// when the whole axis is under a second (µs under a millisecond).
	UnitSeconds
)

// String names the unit.
func (u Unit) String() string {
	switch u {
	case UnitBytes:
		return "bytes"
	case UnitBitsPerSecond:
		return "bit/s"
	case UnitSeconds:
		return "seconds"
	}
	return "none"
}

// NiceTicks returns "nice" tick values (1, 2, 2.5, 5 × 10^k steps) covering
// [min, max] with about n intervals: the first tick is the largest multiple
// of the step at or below min, the last the smallest at or above max, so the
// ticks can serve as the bounds of the axis. min and max are swapped when
// reversed; when they are equal the range is widened (by 10 % of the value,
// or to [0, 1] for 0). NaN or infinite bounds give nil.
func NiceTicks(min, max float64, n int) []float64 {
	if !finite(min) || !finite(max) {
		return nil
	}
	if min > max {
		min, max = max, min
	}
	if n < 1 {
		n = 1
	}
	if n > 1000 {
		n = 1000
	}
	if min == max {
		if min == 0 {
			max = 1
		} else {
			d := math.Abs(min) * 0.1
			min, max = min-d, max+d
		}
		if min == max || !finite(min) || !finite(max) {
			return []float64{min}
		}
	}
	span := max - min
	if !finite(span) {
		return []float64{min, max}
	}
	nice, exp := niceStep(span / float64(n))
	step := nice * math.Pow(10, exp)
	if step == 0 || !finite(step) {
		return []float64{min, max}
	}
	lo := math.Floor(min/step + 1e-9)
	hi := math.Ceil(max/step - 1e-9)
	if !finite(lo) || !finite(hi) || hi-lo > float64(10*n+10) || hi < lo {
		return []float64{min, max}
	}
	count := int(hi-lo) + 1
	ticks := make([]float64, 0, count)
	for i := 0; i < count; i++ {
		// (k × nice) is exact; one multiplication or division by an
		// exact power of ten then gives the double nearest to the decimal
		// tick, so 0.3 prints as 0.3, not 0.30000000000000004.
		k := (lo + float64(i)) * nice
		v := k * math.Pow(10, exp)
		if exp < 0 && exp >= -22 {
			v = k / math.Pow(10, -exp)
		}
		if v == 0 {
			v = 0 // no -0
		}
		if len(ticks) > 0 && v <= ticks[len(ticks)-1] {
			continue // float precision exhausted at this magnitude
		}
		ticks = append(ticks, v)
	}
	return ticks
}

// niceStep rounds raw up to nice × 10^exp, nice being 1, 2, 2.5 or 5.
func niceStep(raw float64) (nice, exp float64) {
	if raw <= 0 || !finite(raw) {
		return 0, 0
	}
	exp = math.Floor(math.Log10(raw))
	mag := math.Pow(10, exp)
	if mag == 0 || !finite(mag) {
		return 0, 0
	}
	norm := raw / mag
	const eps = 1e-9
	switch {
	case norm <= 1+eps:
		return 1, exp
	case norm <= 2+eps:
		return 2, exp
	case norm <= 2.5+eps:
		return 2.5, exp
	case norm <= 5+eps:
		return 5, exp
	}
	return 1, exp + 1
}

// decimals is the number of decimals needed to print multiples of step
// exactly (0 for 5, 1 for 0.5, 2 for 0.25), at most 30.
func decimals(step float64) int {
	step = math.Abs(step)
	if step == 0 || !finite(step) {
		return 0
	}
	for d := 0; d < 30; d++ {
		s := step * math.Pow(10, float64(d))
		if math.Abs(s-math.Round(s)) <= 1e-6*s {
			return d
		}
	}
	return 30
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// scale returns the divisor and suffix used to print values of this unit
// whose largest magnitude is maxAbs.
func (u Unit) scale(maxAbs float64) (float64, string) {
	switch u {
	case UnitBytes:
		suffixes := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
		s, i := 1.0, 0
		for i+1 < len(suffixes) && maxAbs >= s*1024 {
			s *= 1024
			i++
		}
		return s, suffixes[i]
	case UnitBitsPerSecond:
		suffixes := []string{"b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s", "Pb/s"}
		s, i := 1.0, 0
		for i+1 < len(suffixes) && maxAbs >= s*1000 {
			s *= 1000
			i++
		}
		return s, suffixes[i]
	case UnitSeconds:
		switch {
		case maxAbs == 0 || maxAbs >= 1:
			return 1, "s"
		case maxAbs >= 1e-3:
			return 1e-3, "ms"
		case maxAbs >= 1e-6:
			return 1e-6, "µs"
		default:
			return 1e-9, "ns"
		}
	}
	switch {
	case maxAbs >= 1e12:
		return 1e12, "T"
	case maxAbs >= 1e9:
		return 1e9, "G"
	case maxAbs >= 1e6:
		return 1e6, "M"
	}
	return 1, ""
}

// Axis returns nice ticks covering [min, max] (about n intervals, see
// NiceTicks) and their labels. The prefix (KiB, Mb/s, ms…) is chosen once
// for the whole axis from the larger magnitude of min and max, and the
// ticks are nice numbers in that prefix (0, 256 KiB, 512 KiB rather than
// 0, 200000 B), printed with only the decimals they need.
func (u Unit) Axis(min, max float64, n int) (ticks []float64, labels []string) {
	if !finite(min) || !finite(max) {
		return nil, nil
	}
	s, suffix := u.scale(math.Max(math.Abs(min), math.Abs(max)))
	scaled := NiceTicks(min/s, max/s, n)
	step := 0.0
	for i := 1; i < len(scaled); i++ {
		if d := scaled[i] - scaled[i-1]; step == 0 || d < step {
			step = d
		}
	}
	dec := decimals(step)
	ticks = make([]float64, len(scaled))
	labels = make([]string, len(scaled))
	for i, v := range scaled {
		ticks[i] = v * s
		labels[i] = joinUnit(formatNum(v, dec), suffix)
	}
	return ticks, labels
}

// Format prints one value in this unit with up to three significant
// decimals, choosing the prefix from the value itself (for tooltips).
func (u Unit) Format(v float64) string {
	if !finite(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	s, suffix := u.scale(math.Abs(v))
	x := v / s
	dec := 0
	switch a := math.Abs(x); {
	case a == 0 || a >= 100:
		dec = 0
	case a >= 10:
		dec = 1
	case a >= 1:
		dec = 2
	default:
		dec = 3
	}
	return joinUnit(formatNum(x, dec), suffix)
}

func joinUnit(num, suffix string) string {
	if suffix == "" {
		return num
	}
	if suffix == "M" || suffix == "G" || suffix == "T" { // UnitNone
		if num == "0" {
			return num
		}
		return num + suffix
	}
	return num + " " + suffix
}

// formatNum prints v with dec decimals, trailing zeros removed.
func formatNum(v float64, dec int) string {
	var s string
	if math.Abs(v) >= 1e15 {
		s = strconv.FormatFloat(v, 'g', 6, 64)
	} else {
		s = strconv.FormatFloat(v, 'f', dec, 64)
		if strings.IndexByte(s, '.') >= 0 {
			s = strings.TrimRight(s, "0")
			s = strings.TrimSuffix(s, ".")
		}
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
