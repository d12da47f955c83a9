package seqnum

// SSN is a subflow (TCP) sequence number. Arithmetic wraps at 2^32.
type SSN uint32

// Add returns s advanced by n bytes.
func (s SSN) Add(n uint32) SSN { return s + SSN(n) }

// Sub returns the distance from o to s, s − o, modulo 2^32.
func (s SSN) Sub(o SSN) uint32 { return uint32(s - o) }

// LessThan reports whether s comes before o in serial arithmetic.
func (s SSN) LessThan(o SSN) bool { return int32(s-o) < 0 }

// LessThanEq reports whether s comes before or equals o.
func (s SSN) LessThanEq(o SSN) bool { return int32(s-o) <= 0 }

// InRange reports whether s lies in [a, b).
func (s SSN) InRange(a, b SSN) bool { return s.Sub(a) < b.Sub(a) }

// DSN is a data sequence number of the connection-level stream. It is 64
// bits wide on the wire or after Expand, and wraps at 2^64.
type DSN uint64

// Add returns d advanced by n bytes.
func (d DSN) Add(n uint64) DSN { return d + DSN(n) }

// Sub returns d − o modulo 2^64.
func (d DSN) Sub(o DSN) uint64 { return uint64(d - o) }

// LessThan reports whether d comes before o in serial arithmetic.
func (d DSN) LessThan(o DSN) bool { return int64(d-o) < 0 }

// LessThanEq reports whether d comes before or equals o.
func (d DSN) LessThanEq(o DSN) bool { return int64(d-o) <= 0 }

// Expand widens a 32-bit DSN or Data ACK v32 to 64 bits against the 64-bit
// reference ref, the value the receiver expects next (for DSNs the next
// expected DSN of that direction, for Data ACKs the last Data ACK seen).
//
// The upper 32 bits are taken from ref, then corrected by one wrap in
// either direction when v32 lies on the other side of a 2^32 boundary in
// serial arithmetic: a value just past the wrap moves up, a late value
// from before it moves down. This is RFC 8684 §3.3.1's "incrementing the
// upper half on each wrap, with a sanity check", as Linux implements it
// (net/mptcp/options.c __mptcp_expand_seq); see the digest §4.5 and §8.5.
func Expand(ref DSN, v32 uint32) DSN {
	low := uint32(ref)
	cur := DSN(uint64(ref)&0xFFFFFFFF00000000 | uint64(v32))
	switch {
	case v32 < low && int32(v32-low) > 0:
		return cur + 1<<32
	case v32 > low && int32(v32-low) < 0:
		return cur - 1<<32
	}
	return cur
}
