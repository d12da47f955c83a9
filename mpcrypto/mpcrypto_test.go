package mpcrypto

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"testing"
)

// Keys and nonces of the digest's §8.
const (
	keyA   = 0x1b6fa8c4d2e3f509
	keyB   = 0x7e5d3c2b1a098f6e
	nonceA = 0x3c4d5e6f
	nonceB = 0x8a9bacbd
)

func TestTokenIDSN(t *testing.T) { // digest §8.1
	for _, tc := range []struct {
		v     Version
		key   uint64
		token uint32
		idsn  uint64
	}{
		{0, keyA, 0x8dd009d9, 0xd045e30b65563499},
		{0, keyB, 0xf95b581d, 0xd47607989d2b110f},
		{1, keyA, 0x4ad3227d, 0x9dadcf969a3e0f9a},
		{1, keyB, 0xb35a5eac, 0x2b40ffe85aa0b3e6},
	} {
		token, idsn := TokenIDSN(tc.v, tc.key)
		if token != tc.token || idsn != tc.idsn {
			t.Errorf("v%d key %016x: token %08x idsn %016x, want %08x %016x", tc.v, tc.key, token, idsn, tc.token, tc.idsn)
		}
	}
}

func TestJoinHMAC(t *testing.T) { // digest §8.2
	if got := SynAckHMAC(1, keyB, keyA, nonceB, nonceA); got != 0x2ca5e7b372abc89a {
		t.Errorf("v1 SYN/ACK HMAC %016x", got)
	}
	if got := SynAckHMAC(0, keyB, keyA, nonceB, nonceA); got != 0xa34e269abe6fca76 {
		t.Errorf("v0 SYN/ACK HMAC %016x", got)
	}
	if got := AckHMAC(1, keyA, keyB, nonceA, nonceB); hex.EncodeToString(got[:]) != "cfe1db2ebc033f8167f46172ff98a5da773418db" {
		t.Errorf("v1 ACK HMAC %x", got)
	}
	if got := AckHMAC(0, keyA, keyB, nonceA, nonceB); hex.EncodeToString(got[:]) != "f237c4061f34d68473ea896d23ec53098721f152" {
		t.Errorf("v0 ACK HMAC %x", got)
	}
	// The Linux KUnit vectors (net/mptcp/crypto_test.c).
	for _, tc := range []struct {
		k1, k2 uint64
		n1, n2 uint32
		want   string
	}{
		{0x3062306230623062, 0x3062306230623062, 0x34383639, 0x32303534, "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa"},
		{0x6161616161616161, 0x6161616161616161, 0x64646464, 0x64646464, "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9"},
		{0x3031303230333034, 0x3035303630373038, 0x63646364, 0x63646364, "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d"},
	} {
		if got := hex.EncodeToString(JoinHMAC(1, tc.k1, tc.k2, tc.n1, tc.n2)); got != tc.want {
			t.Errorf("KUnit vector %x: %s", tc.k1, got)
		}
	}
}

func TestAddAddrHMAC(t *testing.T) { // digest §8.3
	for _, tc := range []struct {
		id   uint8
		addr string
		port uint16
		want uint64
	}{
		{5, "192.0.2.5", 0, 0x2f094c5a258ebf84},
		{5, "192.0.2.5", 8080, 0x5db1f362f1066184},
		{6, "2001:db8::6", 0, 0xb765b147d65a00f5},
	} {
		got := AddAddrHMAC(keyA, keyB, tc.id, netip.MustParseAddr(tc.addr), tc.port)
		if got != tc.want {
			t.Errorf("ADD_ADDR %d %s:%d: %016x, want %016x", tc.id, tc.addr, tc.port, got, tc.want)
		}
	}
}

func ExampleTokenIDSN() {
	token, idsn := TokenIDSN(1, 0x7e5d3c2b1a098f6e)
	fmt.Printf("token %08x idsn %016x\n", token, idsn)
	// Output: token b35a5eac idsn 2b40ffe85aa0b3e6
}
