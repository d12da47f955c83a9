package decode

import "testing"

func TestWindowScale(t *testing.T) {
	for _, tc := range []struct {
		opts  []byte
		shift uint8
		ok    bool
	}{
		{[]byte{2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}, 7, true}, // MSS, SACK-permitted, TS, NOP, WS 7
		{[]byte{1, 3, 3, 14}, 14, true},
		{[]byte{3, 3, 20}, 14, true}, // RFC 7323: larger shifts are taken as 14
		{[]byte{2, 4, 5, 0xb4}, 0, false},
		{[]byte{0, 3, 3, 7}, 0, false}, // after the end of the list
		{[]byte{3, 3}, 0, false},       // cut
		{[]byte{5, 1, 3, 3, 7}, 0, false},
	} {
		if shift, ok := windowScale(tc.opts); shift != tc.shift || ok != tc.ok {
			t.Errorf("%x: %d %v, want %d %v", tc.opts, shift, ok, tc.shift, tc.ok)
		}
	}
}
