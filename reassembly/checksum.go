package reassembly

import "encoding/binary"

// onesSum accumulates the 16-bit one's-complement sum of a byte stream fed
// in pieces of any length (RFC 1071), as the DSS checksum needs across the
// segments of a mapping (RFC 8684 §3.3.1). A piece that starts at an odd
// position pairs its first byte with the previous piece's last one, which
// is what Linux's csum_block_add does by byte-swapping.
type onesSum struct {
	sum     uint64
	odd     bool // an odd number of bytes so far: the last one waits for its pair
	pending byte
}

func (s *onesSum) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if s.odd {
		s.sum += uint64(s.pending)<<8 | uint64(b[0])
		b = b[1:]
		s.odd = false
	}
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		s.sum += v>>48 + v>>32&0xffff + v>>16&0xffff + v&0xffff
		b = b[8:]
	}
	for len(b) >= 2 {
		s.sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s.odd, s.pending = true, b[0]
	}
}

// fold returns the 16-bit one's-complement sum, a trailing odd byte padded
// with zero.
func (s *onesSum) fold() uint16 {
	sum := s.sum
	if s.odd {
		sum += uint64(s.pending) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// dssChecksum returns the DSS checksum of a mapping whose data sums to
// data: the complement of the sum over the pseudo-header (64-bit DSN,
// relative SSN and data-level length as carried, two zero bytes) and the
// data (RFC 8684 §3.3.1, Figure 10).
func dssChecksum(dsn uint64, ssn uint32, dll uint16, data *onesSum) uint16 {
	var ph [16]byte
	binary.BigEndian.PutUint64(ph[0:], dsn)
	binary.BigEndian.PutUint32(ph[8:], ssn)
	binary.BigEndian.PutUint16(ph[12:], dll)
	s := *data
	// The pseudo-header is 16 bytes, an even length, so adding it after the
	// data gives the same sum as before it, provided the data's odd tail is
	// padded first.
	if s.odd {
		s.sum += uint64(s.pending) << 8
		s.odd = false
	}
	s.add(ph[:])
	return ^s.fold()
}
