package reassembly

import "unsafe"

// aliases reports whether b lies within a's memory: bytes a sorter
// delivers straight from a packet's payload (and not from its own buffer).
func aliases(b, a []byte) bool {
	if len(b) == 0 || len(b) > len(a) {
		return false
	}
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pb >= pa && pb-pa <= uintptr(len(a)-len(b))
}
