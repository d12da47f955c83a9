package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Version selects a version-dependent layout. VersionUnknown lets the
// parser infer it from the option itself.
type Version int8

// Protocol versions.
const (
	VersionUnknown Version = -1
	Version0       Version = 0 // RFC 6824
	Version1       Version = 1 // RFC 8684
)

// AddAddr is an ADD_ADDR option. In v0 the low nibble of byte 2 is the IP
// version; in v1 it holds the echo flag E and the option carries a
// truncated HMAC unless E is set. The address family and the port's
// presence follow from the length.
type AddAddr struct {
	Layout  Version // the layout the bytes were read with
	Echo    bool    // v1 E flag
	AddrID  uint8
	Addr    netip.Addr
	Port    uint16
	HasPort bool
	HMAC    uint64 // v1, E = 0: rightmost 64 bits of the sender's HMAC
	HasHMAC bool
}

// ParseAddAddr decodes an ADD_ADDR option starting at its kind byte with
// the layout of version v. With VersionUnknown, a low nibble of 4 or 6
// selects the v0 layout and anything else v1, which is unambiguous unless
// v1's reserved bits are set; the connection model parses again with the
// negotiated version. A v0-style IPVer nibble with an 8-byte MAC (lengths
// 16 and 28) is the pre-RFC "draft v1" layout of the out-of-tree kernel.
func ParseAddAddr(b []byte, v Version) (AddAddr, int, error) {
	o, err := envelope(b, SubtypeAddAddr, 8, 30)
	if err != nil {
		return AddAddr{}, 0, err
	}
	nib := o[2] & 0x0f
	if v == VersionUnknown {
		v = Version1
		if nib == 4 || nib == 6 {
			v = Version0
		}
	}
	a := AddAddr{Layout: v, AddrID: o[3]}
	var alen int
	rest := len(o) - 4
	if v == Version0 {
		switch {
		case nib == 4 && (rest == 4 || rest == 6 || rest == 12):
			alen = 4
		case nib == 6 && (rest == 16 || rest == 18 || rest == 24):
			alen = 16
		default:
			return AddAddr{}, 0, malformed(SubtypeAddAddr, b, fmt.Sprintf("v0 length %d with IP version %d", len(o), nib))
		}
		rest -= alen
		a.HasPort = rest == 2
		a.HasHMAC = rest == 8
	} else {
		a.Echo = nib&1 != 0
		if !a.Echo {
			rest -= 8
			a.HasHMAC = true
		}
		switch rest {
		case 4, 6:
			alen = 4
		case 16, 18:
			alen = 16
		default:
			return AddAddr{}, 0, malformed(SubtypeAddAddr, b, fmt.Sprintf("v1 length %d with echo %v", len(o), a.Echo))
		}
		a.HasPort = rest-alen == 2
	}
	p := 4
	if alen == 4 {
		a.Addr = netip.AddrFrom4([4]byte(o[p : p+4]))
	} else {
		a.Addr = netip.AddrFrom16([16]byte(o[p : p+16]))
	}
	p += alen
	if a.HasPort {
		a.Port = binary.BigEndian.Uint16(o[p:])
		p += 2
	}
	if a.HasHMAC {
		a.HMAC = binary.BigEndian.Uint64(o[p:])
	}
	return a, len(o), nil
}
