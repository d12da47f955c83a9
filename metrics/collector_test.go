package metrics

import "testing"

// The queue of transmissions awaiting a Data ACK reuses its buffer as ACKs
// free its front: a long steady flow does not reallocate it, and keeps
// every transmission in order.
func TestOutstandingReusesItsBuffer(t *testing.T) {
	d := &Direction{}
	var want []uint64
	for i := range 100000 {
		end := uint64(i+1) * 100
		d.pushSent(sent{end: end})
		want = append(want, end)
		if i%3 == 2 { // an ACK of all but the last two
			n := len(d.outstanding) - 2
			d.outstanding = d.outstanding[n:]
			want = want[len(want)-2:]
		}
	}
	i := 0
	if a := testing.AllocsPerRun(10, func() {
		for range 1000 {
			i++
			d.pushSent(sent{end: uint64(i)})
			d.outstanding = d.outstanding[len(d.outstanding)-2:]
		}
	}); a != 0 {
		t.Fatalf("%.0f allocations per 1000 transmissions", a)
	}
	d.outstanding = d.outstanding[:0]
	for _, end := range want {
		d.pushSent(sent{end: end})
	}
	if len(d.outstanding) != len(want) {
		t.Fatalf("%d outstanding, want %d", len(d.outstanding), len(want))
	}
	for i, o := range d.outstanding {
		if o.end != want[i] {
			t.Fatalf("outstanding[%d] ends at %d, want %d", i, o.end, want[i])
		}
	}
}
