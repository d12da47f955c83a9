package mpcrypto

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/netip"
)

// Version is the MPTCP protocol version: 0 for RFC 6824, 1 for RFC 8684.
type Version uint8

func (v Version) hash() func() hash.Hash {
	if v == 0 {
		return sha1.New
	}
	return sha256.New
}

// digest returns H(key) for the version's hash.
func digest(v Version, key uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], key)
	if v == 0 {
		d := sha1.Sum(b[:])
		return d[:]
	}
	d := sha256.Sum256(b[:])
	return d[:]
}

// TokenIDSN returns the token (the most significant 32 bits of H(key)) and
// the initial data sequence number (its least significant 64 bits) of the
// endpoint that owns key.
func TokenIDSN(v Version, key uint64) (token uint32, idsn uint64) {
	d := digest(v, key)
	return binary.BigEndian.Uint32(d[:4]), binary.BigEndian.Uint64(d[len(d)-8:])
}

// JoinHMAC returns HMAC(key = keyA || keyB, msg = nonceA || nonceB), the
// full MP_JOIN HMAC. The SYN/ACK of a join carries the leftmost 64 bits of
// JoinHMAC(K-resp, K-init, R-resp, R-init); the third ACK carries the
// leftmost 160 bits of JoinHMAC(K-init, K-resp, R-init, R-resp).
func JoinHMAC(v Version, keyA, keyB uint64, nonceA, nonceB uint32) []byte {
	var k [16]byte
	var m [8]byte
	binary.BigEndian.PutUint64(k[:8], keyA)
	binary.BigEndian.PutUint64(k[8:], keyB)
	binary.BigEndian.PutUint32(m[:4], nonceA)
	binary.BigEndian.PutUint32(m[4:], nonceB)
	h := hmac.New(v.hash(), k[:])
	h.Write(m[:])
	return h.Sum(nil)
}

// SynAckHMAC returns the 64-bit truncated HMAC a join's responder puts in
// its SYN/ACK.
func SynAckHMAC(v Version, keyResp, keyInit uint64, nonceResp, nonceInit uint32) uint64 {
	return binary.BigEndian.Uint64(JoinHMAC(v, keyResp, keyInit, nonceResp, nonceInit)[:8])
}

// AckHMAC returns the 160-bit HMAC a join's initiator puts in its third ACK.
func AckHMAC(v Version, keyInit, keyResp uint64, nonceInit, nonceResp uint32) [20]byte {
	var out [20]byte
	copy(out[:], JoinHMAC(v, keyInit, keyResp, nonceInit, nonceResp))
	return out
}

// AddAddrHMAC returns the truncated HMAC of a v1 ADD_ADDR (RFC 8684
// §3.4.1): the rightmost 64 bits of HMAC-SHA256(key = K-sender ||
// K-receiver, msg = address ID || address || port), where port is 0 when
// the option carries none.
func AddAddrHMAC(keySender, keyReceiver uint64, id uint8, addr netip.Addr, port uint16) uint64 {
	sum := addAddrHMAC(keySender, keyReceiver, id, addr, port)
	return binary.BigEndian.Uint64(sum[len(sum)-8:])
}

// AddAddrHMACLeftmost returns the leftmost 64 bits of the same HMAC, which
// the first Linux v1 kernels sent instead of the rightmost, until commit
// 12555a2d97e5 "mptcp: use rightmost 64 bits in ADD_ADDR HMAC" (May 2020):
// captures from those kernels carry these.
func AddAddrHMACLeftmost(keySender, keyReceiver uint64, id uint8, addr netip.Addr, port uint16) uint64 {
	sum := addAddrHMAC(keySender, keyReceiver, id, addr, port)
	return binary.BigEndian.Uint64(sum[:8])
}

func addAddrHMAC(keySender, keyReceiver uint64, id uint8, addr netip.Addr, port uint16) []byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], keySender)
	binary.BigEndian.PutUint64(k[8:], keyReceiver)
	var m [19]byte
	m[0] = id
	n := 1
	if addr.Is4() {
		a := addr.As4()
		n += copy(m[n:], a[:])
	} else {
		a := addr.As16()
		n += copy(m[n:], a[:])
	}
	binary.BigEndian.PutUint16(m[n:], port)
	n += 2
	h := hmac.New(sha256.New, k[:])
	h.Write(m[:n])
	return h.Sum(nil)
}
