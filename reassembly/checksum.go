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
	// 32-bit halves of 64-bit words, four words a round: summing wider
	// words and folding at the end gives the same one's-complement sum
	// (RFC 1071 §2), and a uint64 cannot overflow within 2^31 words.
	var a, c uint64
	for len(b) >= 32 {
		v0 := binary.BigEndian.Uint64(b)
		v1 := binary.BigEndian.Uint64(b[8:])
		v2 := binary.BigEndian.Uint64(b[16:])
		v3 := binary.BigEndian.Uint64(b[24:])
		a += v0>>32 + v0&0xffffffff + v1>>32 + v1&0xffffffff
		c += v2>>32 + v2&0xffffffff + v3>>32 + v3&0xffffffff
		b = b[32:]
	}
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		a += v>>32 + v&0xffffffff
		b = b[8:]
	}
	s.sum += fold32(a) + fold32(c)
	for len(b) >= 2 {
		s.sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s.odd, s.pending = true, b[0]
	}
}

// fold32 folds a sum of 32-bit words into 16 bits (one's complement).
func fold32(v uint64) uint64 {
	for v>>16 != 0 {
		v = v&0xffff + v>>16
	}
	return v
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
