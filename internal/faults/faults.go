package faults

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mptcpdump/mptcpdump/decode"
)

// Errors Inject returns, matched with errors.Is.
var (
	// ErrNoTarget means the capture holds nothing the kind could corrupt.
	ErrNoTarget = errors.New("nothing to corrupt")
	// ErrUnknownKind means the Kind is none of the constants.
	ErrUnknownKind = errors.New("unknown fault kind")
	// ErrFormat means the bytes are not a capture Inject can walk.
	ErrFormat = errors.New("unreadable capture")
)

// Kind names one fault: which field of which packet Inject changes.
type Kind string

// The fault kinds. "First" is in file order. Bit flips flip the least
// significant bit of the field (of its last byte, for byte strings).
const (
	// JoinSynAckHMAC flips one bit of the truncated HMAC (option bytes
	// 4..11) of the first MP_JOIN SYN/ACK (length 16).
	JoinSynAckHMAC Kind = "join-synack-hmac"
	// JoinAckHMAC flips one bit of the HMAC (option bytes 4..23) of the
	// first MP_JOIN third ACK (length 24).
	JoinAckHMAC Kind = "join-ack-hmac"
	// JoinToken XORs the token (option bytes 4..7) of the first MP_JOIN
	// SYN (length 12) with 0x5a5a5a5a, and the token of every
	// retransmission of that SYN (same addresses, ports, sequence number
	// and token).
	JoinToken Kind = "join-token"
	// EchoedKey flips one bit of the receiver's key (option bytes 12..19)
	// in the first MP_CAPABLE of length 20 (the third ACK).
	EchoedKey Kind = "echoed-key"
	// AddAddrHMAC flips one bit of the truncated HMAC (the last 8 bytes) of
	// the first v1 ADD_ADDR that carries one: E flag clear, length 16, 18,
	// 28 or 30.
	AddAddrHMAC Kind = "add-addr-hmac"
	// FastCloseKey flips one bit of the key (option bytes 4..11) in the
	// first MP_FASTCLOSE (length 12).
	FastCloseKey Kind = "fastclose-key"
	// PayloadByte flips one bit of the middle payload byte of a segment
	// whose DSS mapping carries a checksum (see Inject for the choice).
	PayloadByte Kind = "payload-byte"
	// DSSChecksum flips one bit of the checksum of a DSS mapping (see
	// Inject for the choice).
	DSSChecksum Kind = "dss-checksum"
	// DataACKBeyond adds 1<<40 to the 64-bit Data ACK of one DSS in the
	// middle of the capture.
	DataACKBeyond Kind = "data-ack-beyond"
)

// Kinds returns every Kind, in declaration order.
func Kinds() []Kind {
	return []Kind{JoinSynAckHMAC, JoinAckHMAC, JoinToken, EchoedKey, AddAddrHMAC, FastCloseKey, PayloadByte, DSSChecksum, DataACKBeyond}
}

// Finding returns the code of the finding an analyzer must report for a
// capture with this fault (the codes of validate/catalogue.go and
// docs/findings.md), or "" for an unknown kind.
func (k Kind) Finding() string {
	switch k {
	case JoinSynAckHMAC, JoinAckHMAC:
		return "join-hmac-invalid"
	case JoinToken:
		return "join-unknown-token"
	case EchoedKey:
		return "key-echo-mismatch"
	case AddAddrHMAC:
		return "add-addr-hmac-invalid"
	case FastCloseKey:
		return "fastclose-key-mismatch"
	case PayloadByte, DSSChecksum:
		return "dss-checksum-invalid"
	case DataACKBeyond:
		return "data-ack-unsent"
	}
	return ""
}

// Injection describes what Inject changed.
type Injection struct {
	Kind    Kind     `json:"kind"`
	Packets []uint64 `json:"packets"` // frame numbers (from 1, file order) that were modified
	Detail  string   `json:"detail"`  // what was changed, for people: frame, field, offsets, old → new value
}

// Inject returns a copy of capture (a classic pcap or pcapng file) with the
// fault k applied, and what it changed. The copy differs from capture only
// in the bytes of the target field; capture itself is not modified. It
// returns an error matching ErrNoTarget when the capture has nothing to
// corrupt for k, ErrUnknownKind for an unknown k and ErrFormat when the
// capture cannot be walked.
//
// Most kinds pick the first matching option in file order (see the Kind
// constants). The other three choose as follows.
//
// PayloadByte counts data segments (payload on the wire > 0) in file order
// and, after the first 10, takes the first segment that: carries a DSS
// mapping with checksum (length 2 + the no-checksum length of its flags);
// has more than 100 payload bytes, all captured; lies inside that mapping
// (checked when the subflow's SYN is in the capture: the mapping usually
// spans many segments, each repeating the option); shares no subflow byte
// with another segment of the same direction (it was not retransmitted);
// and shares no data-level byte with another mapping (it was not
// reinjected). The middle byte, payload[len/2], is changed, which breaks
// the checksum of the whole mapping.
//
// DSSChecksum takes the DSS mappings with checksum in file order, a mapping
// being one (addresses and ports, DSN, relative SSN, length) and its first
// copy the first packet carrying it. It changes the checksum in the first
// copy of the 11th mapping; later copies keep the right value (a receiver
// uses the first copy and ignores identical repeats).
//
// DataACKBeyond takes the first DSS with a 64-bit Data ACK whose frame
// number is at least half the capture's frame count (the last one if none
// is), and adds 1<<40 to its Data ACK.
func Inject(capture []byte, k Kind) ([]byte, *Injection, error) {
	find, ok := finders[k]
	if !ok {
		return nil, nil, fmt.Errorf("%w %q (want one of %v)", ErrUnknownKind, string(k), Kinds())
	}
	out := bytes.Clone(capture)
	_, frs, err := frames(out)
	if err != nil {
		return nil, nil, err
	}
	segs := decodeAll(frs)
	edits, err := find(segs, frs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %s", ErrNoTarget, k, err)
	}
	inj := &Injection{Kind: k}
	var details []string
	for _, e := range edits {
		field := e.seg.fr.data[e.at : e.at+e.n]
		old := hex.EncodeToString(field)
		e.apply(field)
		p := e.seg.p
		details = append(details, fmt.Sprintf("frame %d (%s → %s [%s]): %s, frame bytes %d..%d (file offset %d): %s → %s",
			p.Number, p.Src, p.Dst, p.Flags, e.what, e.at, e.at+e.n-1, e.seg.fr.off+e.at, old, hex.EncodeToString(field)))
		if !slices.Contains(inj.Packets, p.Number) {
			inj.Packets = append(inj.Packets, p.Number)
		}
	}
	slices.Sort(inj.Packets)
	inj.Detail = strings.Join(details, "; ")
	return out, inj, nil
}

// segment is one decoded TCP segment and the frame it came from. The
// Packet's slices alias the frame.
type segment struct {
	fr *frame
	p  *decode.Packet
}

// decodeAll decodes every frame; those that are not TCP segments (or
// cannot be decoded) are left out.
func decodeAll(frs []frame) []*segment {
	d := decode.NewDecoder()
	segs := make([]*segment, 0, len(frs))
	for i := range frs {
		p := new(decode.Packet) // one each: its Options live in its own backing array
		if err := d.Decode(frs[i].link, frs[i].data, p); err != nil {
			continue
		}
		p.Number = frs[i].num
		segs = append(segs, &segment{fr: &frs[i], p: p})
	}
	return segs
}

// edit is one change: the n bytes at offset at within a segment's frame.
type edit struct {
	seg   *segment
	at, n int
	what  string
	apply func(field []byte)
}

// finder picks the edits for one kind, or says why there is none.
type finder func(segs []*segment, frs []frame) ([]edit, error)

var finders = map[Kind]finder{
	JoinSynAckHMAC: firstOptionField(func(_ *segment, o *decode.Option) bool {
		return o.Subtype == decode.SubtypeMPJoin && o.MPJoin.Form == decode.JoinSYNACK
	}, 4, 12, "MP_JOIN SYN/ACK (length 16) truncated HMAC", flipLSB, "no MP_JOIN SYN/ACK (length 16)"),
	JoinAckHMAC: firstOptionField(func(_ *segment, o *decode.Option) bool {
		return o.Subtype == decode.SubtypeMPJoin && o.MPJoin.Form == decode.JoinACK
	}, 4, 24, "MP_JOIN ACK (length 24) HMAC", flipLSB, "no MP_JOIN third ACK (length 24)"),
	JoinToken: joinToken,
	EchoedKey: firstOptionField(func(_ *segment, o *decode.Option) bool {
		return o.Subtype == decode.SubtypeMPCapable && len(o.Raw) == 20
	}, 12, 20, "MP_CAPABLE (length 20) receiver's key", flipLSB, "no MP_CAPABLE of length 20"),
	AddAddrHMAC: firstOptionField(func(_ *segment, o *decode.Option) bool {
		switch len(o.Raw) {
		case 16, 18, 28, 30:
		default:
			return false
		}
		return o.Subtype == decode.SubtypeAddAddr && o.Raw[2]&0x01 == 0 &&
			o.AddAddr.Layout == decode.Version1 && o.AddAddr.HasHMAC
	}, -8, 0, "v1 ADD_ADDR truncated HMAC", flipLSB, "no v1 ADD_ADDR with HMAC (E = 0)"),
	FastCloseKey: firstOptionField(func(_ *segment, o *decode.Option) bool {
		return o.Subtype == decode.SubtypeMPFastClose && len(o.Raw) == 12
	}, 4, 12, "MP_FASTCLOSE key", flipLSB, "no MP_FASTCLOSE (length 12)"),
	PayloadByte:   payloadByte,
	DSSChecksum:   dssChecksum,
	DataACKBeyond: dataACKBeyond,
}

// flipLSB flips the least significant bit of a big-endian field.
func flipLSB(f []byte) { f[len(f)-1] ^= 0x01 }

// offsetIn returns the offset of sub within frame, which it aliases.
func offsetIn(frame, sub []byte) (int, bool) {
	if len(sub) == 0 || len(sub) > len(frame) {
		return 0, false
	}
	// frame's capacity ends with it, so sub's capacity says where it starts.
	if i := cap(frame) - cap(sub); i >= 0 && i+len(sub) <= len(frame) && &frame[i] == &sub[0] {
		return i, true
	}
	for i := 0; i+len(sub) <= len(frame); i++ {
		if &frame[i] == &sub[0] {
			return i, true
		}
	}
	return 0, false
}

// optionEdit makes an edit of the option bytes [from, to) of o; negative
// bounds count from the option's end, and to == 0 means its end.
func optionEdit(s *segment, o *decode.Option, from, to int, what string, apply func([]byte)) (edit, error) {
	at, ok := offsetIn(s.fr.data, o.Raw)
	if !ok {
		return edit{}, fmt.Errorf("frame %d: option bytes not found in the frame", s.p.Number)
	}
	if from < 0 {
		from += len(o.Raw)
	}
	if to <= 0 {
		to += len(o.Raw)
	}
	return edit{seg: s, at: at + from, n: to - from, what: fmt.Sprintf("%s (option bytes %d..%d, TCP option offset %d)", what, from, to-1, o.Offset), apply: apply}, nil
}

// firstOptionField returns a finder for the option bytes [from, to) (as
// optionEdit) of the first option that match accepts.
func firstOptionField(match func(*segment, *decode.Option) bool, from, to int, what string, apply func([]byte), none string) finder {
	return func(segs []*segment, _ []frame) ([]edit, error) {
		for _, s := range segs {
			for i := range s.p.Options {
				if o := &s.p.Options[i]; match(s, o) {
					e, err := optionEdit(s, o, from, to, what, apply)
					if err != nil {
						return nil, err
					}
					return []edit{e}, nil
				}
			}
		}
		return nil, errors.New(none)
	}
}

func isJoinSYN(s *segment) *decode.Option {
	if !s.p.Flags.Has(decode.FlagSYN) || s.p.Flags.Has(decode.FlagACK) {
		return nil
	}
	for i := range s.p.Options {
		if o := &s.p.Options[i]; o.Subtype == decode.SubtypeMPJoin && o.MPJoin.Form == decode.JoinSYN {
			return o
		}
	}
	return nil
}

func joinToken(segs []*segment, _ []frame) ([]edit, error) {
	var first *segment
	var tok uint32
	var edits []edit
	for _, s := range segs {
		o := isJoinSYN(s)
		if o == nil {
			continue
		}
		if first == nil {
			first, tok = s, o.MPJoin.Token
		} else if s.p.Src != first.p.Src || s.p.Dst != first.p.Dst || s.p.Seq != first.p.Seq || o.MPJoin.Token != tok {
			continue
		}
		what := "MP_JOIN SYN (length 12) token, XOR 0x5a5a5a5a"
		if s != first {
			what = "MP_JOIN SYN (length 12, retransmission) token, XOR 0x5a5a5a5a"
		}
		e, err := optionEdit(s, o, 4, 8, what, func(f []byte) {
			binary.BigEndian.PutUint32(f, binary.BigEndian.Uint32(f)^0x5a5a5a5a)
		})
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	if first == nil {
		return nil, errors.New("no MP_JOIN SYN (length 12)")
	}
	return edits, nil
}

// direction is one direction of one subflow.
type direction struct{ src, dst netip.AddrPort }

func dirOf(s *segment) direction { return direction{s.p.Src, s.p.Dst} }

// checksummedMapping returns the segment's DSS option if it carries a
// mapping with checksum: its length is 2 more than the no-checksum length
// of its flags.
func checksummedMapping(s *segment) *decode.Option {
	for i := range s.p.Options {
		o := &s.p.Options[i]
		if o.Subtype != decode.SubtypeDSS || !o.DSS.HasMapping {
			continue
		}
		if plain, _ := decode.DSSLength(o.DSS.Flags); len(o.Raw) == plain+2 {
			return o
		}
	}
	return nil
}

// mapKey identifies a DSS mapping: a sender repeats the option on every
// segment the mapping covers, and on retransmissions.
type mapKey struct {
	d   direction
	dsn uint64
	ssn uint32
	len uint16
}

func keyOf(s *segment, o *decode.Option) mapKey {
	return mapKey{dirOf(s), o.DSS.DSN, o.DSS.SSN, o.DSS.DataLen}
}

// flowIndex holds what the payload and checksum rules look up.
type flowIndex struct {
	isn  map[direction]uint32     // initial sequence number, from the first SYN
	data map[direction][]*segment // segments with payload
	maps map[mapKey]bool          // every DSS mapping
}

func indexFlows(segs []*segment) *flowIndex {
	ix := &flowIndex{isn: map[direction]uint32{}, data: map[direction][]*segment{}, maps: map[mapKey]bool{}}
	for _, s := range segs {
		d := dirOf(s)
		if s.p.Flags.Has(decode.FlagSYN) {
			if _, ok := ix.isn[d]; !ok {
				ix.isn[d] = uint32(s.p.Seq)
			}
		}
		if s.p.PayloadLen > 0 {
			ix.data[d] = append(ix.data[d], s)
		}
		for i := range s.p.Options {
			if o := &s.p.Options[i]; o.Subtype == decode.SubtypeDSS && o.DSS.HasMapping {
				ix.maps[keyOf(s, o)] = true
			}
		}
	}
	return ix
}

// overlaps reports whether [a, a+alen) and [b, b+blen) share a number,
// modulo 2^32.
func overlaps(a, alen, b, blen uint32) bool {
	return alen > 0 && blen > 0 && (b-a < alen || a-b < blen)
}

// payloadTarget reports whether s suits PayloadByte: its mapping o covers
// all of its payload, which was captured whole, and no other segment
// carries any of its subflow bytes nor any other mapping its data-level
// bytes (no retransmission, no reinjection).
func (ix *flowIndex) payloadTarget(s *segment, o *decode.Option) bool {
	p := s.p
	if p.Truncated || len(p.Payload) != p.PayloadLen || o.DSS.DataLen == 0 { // 0: the infinite mapping
		return false
	}
	mlen := uint32(o.DSS.DataLen)
	if o.DSS.DataFIN {
		mlen--
	}
	if isn, ok := ix.isn[dirOf(s)]; ok {
		// Inside the mapping: rel-SSN ≤ seq and seq+len ≤ rel-SSN + length.
		if off := uint32(p.Seq) - isn - o.DSS.SSN; off > mlen || uint32(p.PayloadLen) > mlen-off {
			return false
		}
	} else if uint32(p.PayloadLen) > mlen {
		return false
	}
	for _, t := range ix.data[dirOf(s)] {
		if t != s && overlaps(uint32(p.Seq), uint32(p.PayloadLen), uint32(t.p.Seq), uint32(t.p.PayloadLen)) {
			return false
		}
	}
	k := keyOf(s, o)
	for m := range ix.maps {
		if m != k && overlaps(uint32(k.dsn), mlen, uint32(m.dsn), uint32(m.len)) {
			return false
		}
	}
	return true
}

func mappingWhat(o *decode.Option) string {
	return fmt.Sprintf("mapping DSN %#x SSN %d length %d checksum %#04x", o.DSS.DSN, o.DSS.SSN, o.DSS.DataLen, o.DSS.Checksum)
}

func payloadByte(segs []*segment, _ []frame) ([]edit, error) {
	ix := indexFlows(segs)
	n := 0
	for _, s := range segs {
		if s.p.PayloadLen == 0 {
			continue
		}
		if n++; n <= 10 {
			continue
		}
		o := checksummedMapping(s)
		if o == nil || len(s.p.Payload) <= 100 || !ix.payloadTarget(s, o) {
			continue
		}
		at, ok := offsetIn(s.fr.data, s.p.Payload)
		if !ok {
			return nil, fmt.Errorf("frame %d: payload not found in the frame", s.p.Number)
		}
		mid := len(s.p.Payload) / 2
		return []edit{{seg: s, at: at + mid, n: 1, apply: flipLSB,
			what: fmt.Sprintf("payload byte %d of %d (DSS %s)", mid, len(s.p.Payload), mappingWhat(o))}}, nil
	}
	return nil, fmt.Errorf("no data segment after the first 10 with more than 100 bytes inside a DSS mapping with checksum, neither retransmitted nor reinjected (%d data segments)", n)
}

func dssChecksum(segs []*segment, _ []frame) ([]edit, error) {
	seen := map[mapKey]bool{}
	for _, s := range segs {
		o := checksummedMapping(s)
		if o == nil {
			continue
		}
		if k := keyOf(s, o); !seen[k] {
			seen[k] = true
			if len(seen) <= 10 {
				continue
			}
			e, err := optionEdit(s, o, -2, 0, "DSS checksum of "+mappingWhat(o)+", first copy", flipLSB)
			if err != nil {
				return nil, err
			}
			return []edit{e}, nil
		}
	}
	return nil, fmt.Errorf("no DSS mapping with checksum after the first 10 (%d mappings)", len(seen))
}

func dataACKBeyond(segs []*segment, frs []frame) ([]edit, error) {
	half := (uint64(len(frs)) + 1) / 2
	var s *segment
	var o *decode.Option
	for _, t := range segs {
		if d := t.p.Option(decode.SubtypeDSS); d != nil && d.DSS.Flags&0x03 == 0x03 {
			s, o = t, d
			if t.p.Number >= half {
				break
			}
		}
	}
	if s == nil {
		return nil, errors.New("no DSS with a 64-bit Data ACK")
	}
	e, err := optionEdit(s, o, 4, 12, fmt.Sprintf("DSS 64-bit Data ACK %#x, plus 1<<40", o.DSS.DataACK), func(f []byte) {
		binary.BigEndian.PutUint64(f, binary.BigEndian.Uint64(f)+1<<40)
	})
	if err != nil {
		return nil, err
	}
	return []edit{e}, nil
}
