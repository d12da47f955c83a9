package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Units. Amounts of data are counted in bytes with binary (IEC) prefixes,
// the way files and buffers are sized: 1 KiB = 1024 B. Rates are counted
// in bits per second with decimal (SI) prefixes, the way links and
// interfaces are rated: 1 Mb/s = 1,000,000 bit/s. So "1.2 MiB" is a
// volume and "9.6 Mb/s" a speed, and neither can be mistaken for the
// other.

// humanBytes formats a byte count: "0 B", "1023 B", "1.2 KiB", "340 MiB".
func humanBytes(n uint64) string {
	if n < 1024 {
		return strconv.FormatUint(n, 10) + " B"
	}
	return scaled(float64(n), 1024, []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"})
}

// humanRate formats a rate given in bytes per second as bits per second:
// "0 b/s", "800 b/s", "12 kb/s", "3.4 Mb/s".
func humanRate(bytesPerSecond float64) string {
	bits := bytesPerSecond * 8
	if bits < 0 || bits != bits { // negative or NaN: not a rate
		bits = 0
	}
	return scaled(bits, 1000, []string{"b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s", "Pb/s"})
}

// scaled divides v by base until it prints in at most four digits, then
// keeps one decimal below 100 ("1.2", "12.3") and none above ("123").
func scaled(v, base float64, units []string) string {
	i := 0
	for i < len(units)-1 && v >= base-0.5 {
		v /= base
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", v, units[0])
	}
	if v < 99.95 {
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.0f %s", v, units[i])
}

// thousands formats n with comma separators: 1234567 → "1,234,567".
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// packetList shows the first few packet numbers of a finding and how many
// more there are: "12, 15, 18 +4". count is the finding's occurrence count,
// which may exceed the packets listed.
func packetList(packets []uint64, count int) string {
	const shown = 3
	var parts []string
	for i, p := range packets {
		if i == shown {
			break
		}
		parts = append(parts, "#"+strconv.FormatUint(p, 10))
	}
	s := strings.Join(parts, ", ")
	more := len(packets) - len(parts)
	if count > len(packets) {
		more += count - len(packets)
	}
	if more > 0 {
		if s != "" {
			s += " "
		}
		s += "+" + strconv.Itoa(more)
	}
	if s == "" {
		return "-"
	}
	return s
}

// clock formats a report timestamp (RFC 3339, UTC) as the time of day with
// microseconds, the resolution of a capture; text that does not parse is
// shown as it is.
func clock(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339Nano, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.UTC().Format("15:04:05.000000")
}

// orDash returns s, or "-" when it is empty, so an empty cell reads as
// "nothing" rather than as a rendering glitch.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
