package seqnum

import "testing"

// The digest's §8.5 vectors, plus the boundaries of serial arithmetic.
func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		ref  DSN
		v32  uint32
		want DSN
	}{
		{0x00000001ffffff00, 0x00000010, 0x0000000200000010}, // forward wrap
		{0x0000000200000010, 0xfffffff0, 0x00000001fffffff0}, // late packet from before the wrap
		{0x00000001a0000000, 0xa0001000, 0x00000001a0001000}, // no wrap
		{0x00000001a0000000, 0x9fffff00, 0x000000019fffff00}, // slightly behind, same epoch
		{0x0000000000000010, 0xfffffff0, 0xfffffffffffffff0}, // behind zero wraps the 64-bit space
		{0xffffffffffffff00, 0x00000005, 0x0000000000000005}, // ahead of 2^64 wraps too
		{0x1234567800000000, 0x7fffffff, 0x123456787fffffff}, // largest step forward
	} {
		if got := Expand(tc.ref, tc.v32); got != tc.want {
			t.Errorf("Expand(%#x, %#x) = %#x, want %#x", tc.ref, tc.v32, got, tc.want)
		}
	}
}

func TestSerialComparisons(t *testing.T) {
	if !SSN(0xfffffff0).LessThan(SSN(0x10)) || SSN(0x10).LessThan(SSN(0xfffffff0)) {
		t.Error("SSN comparison does not wrap")
	}
	if !SSN(5).InRange(SSN(0xfffffff0), SSN(10)) || SSN(10).InRange(SSN(0xfffffff0), SSN(10)) {
		t.Error("SSN InRange does not wrap or is not half-open")
	}
	if got := SSN(3).Sub(SSN(0xfffffffe)); got != 5 {
		t.Errorf("SSN Sub across the wrap = %d, want 5", got)
	}
	if !DSN(0xfffffffffffffff0).LessThan(DSN(0x10)) || !DSN(7).LessThanEq(DSN(7)) {
		t.Error("DSN comparison does not wrap")
	}
}
