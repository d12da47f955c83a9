package reassembly

import (
	"github.com/mptcpdump/mptcpdump/decode"
	"net/netip"
	"time"

	"github.com/mptcpdump/mptcpdump/seqnum"
)

// HMACStatus is the verdict on a join's HMACs.
type HMACStatus uint8

// Join HMAC verdicts.
const (
	// HMACNone: not a join (the MP_CAPABLE subflow).
	HMACNone HMACStatus = iota
	// HMACUnverified: a key, nonce or HMAC needed was not captured.
	HMACUnverified
	// HMACValid: both the SYN/ACK and the third-ACK HMACs were captured
	// and match the connection's keys and the join's nonces.
	HMACValid
	// HMACInvalid: a captured HMAC does not match.
	HMACInvalid
)

func (h HMACStatus) String() string {
	switch h {
	case HMACUnverified:
		return "unverified"
	case HMACValid:
		return "valid"
	case HMACInvalid:
		return "invalid"
	}
	return ""
}

// Check is the result of checking one HMAC.
type Check uint8

// HMAC check results.
const (
	CheckNotSeen  Check = iota // the HMAC was not captured
	CheckPending               // captured, but a key or nonce is missing
	CheckOK                    // matches
	CheckMismatch              // does not match
)

// Dir is the direction of a packet on a subflow: from the subflow's
// initiator (the host that sent its SYN) or from its responder.
type Dir uint8

// Directions on a subflow.
const (
	FromInitiator Dir = 0
	FromResponder Dir = 1
)

// Subflow is one TCP connection of an MPTCP connection.
type Subflow struct {
	ID   int         // index in its connection's Subflows; for unlinked joins, from 1 in the Tracker
	Conn *Connection // nil for a join whose token matched nothing

	// Addr[FromInitiator] sent the SYN; Addr[FromResponder] answered.
	// For the MP_CAPABLE subflow these are the client and the server.
	Addr [2]netip.AddrPort
	// InitiatorSide is the connection side that opened this subflow.
	InitiatorSide Side

	Join       bool
	Token      uint32    // MP_JOIN SYN: the responder's token
	Backup     [2]bool   // backup requested by each direction's sender: MP_JOIN B flag, then MP_PRIO
	SynBackup  bool      // the B flag of the MP_JOIN SYN
	AddrID     [2]uint8  // MP_JOIN address IDs
	Nonce      [2]uint32 // MP_JOIN random numbers
	HasNonce   [2]bool
	SynAckHMAC uint64
	AckHMAC    [20]byte
	SynAckPkt  uint64 // packet of the first SYN/ACK carrying the HMAC, 0 if none
	AckPkt     uint64 // packet of the first third ACK carrying the HMAC, 0 if none
	SynAck     Check
	Ack        Check
	HMAC       HMACStatus

	ISN    [2]seqnum.SSN
	HasISN [2]bool
	// wscale is the window scale shift each direction announced in its
	// SYN; scaling is in use only when both did (RFC 7323 §2.2).
	wscale    [2]uint8
	hasWScale [2]bool

	SynSeen, SynAckSeen, Established bool
	FinSeen                          [2]bool
	Reset                            bool
	ResetBy                          Dir
	ResetReason                      decode.TCPRstReason // MP_TCPRST on the RST (v1)
	ResetTransient                   bool
	HasResetReason                   bool

	FirstPacket, LastPacket uint64
	FirstTime, LastTime     time.Time
	Packets                 uint64
	Bytes                   [2]uint64 // TCP payload bytes per direction

	streams [2]flowStream // per direction: TCP reassembly and mappings
	indexed bool          // findable by its 4-tuple in the Tracker
	// midStream: the subflow was running when the capture started; the
	// ISNs are inferred from the first DSS mapping seen in each direction.
	midStream bool
	// prioSeen marks directions whose priority an MP_PRIO set; Backup then
	// holds the latest request.
	prioSeen [2]bool
	// announced marks timeline events already emitted for this subflow.
	establishedSent, closedSent bool

	candidates []tokenOwner // connections whose token the join SYN carried
	reported   [3]bool      // events already emitted: [CheckSynAck], [CheckAck]
	badCopy    bool         // a retransmitted SYN/ACK or third ACK did not verify
}

// noteSYN records what the SYN (or SYN/ACK) of direction d fixes: the
// ISN the relative sequence numbers count from, and the window scale.
func (s *Subflow) noteSYN(d Dir, p *decode.Packet) {
	s.ISN[d], s.HasISN[d] = p.Seq, true
	s.wscale[d], s.hasWScale[d] = p.WindowScale, p.HasWindowScale
}

// windowShift returns the shift to apply to the window of a segment sent
// in direction d.
func (s *Subflow) windowShift(d Dir) uint8 {
	if s.hasWScale[0] && s.hasWScale[1] {
		return s.wscale[d]
	}
	return 0
}

// Closed reports whether the subflow was reset or closed in both directions.
func (s *Subflow) Closed() bool { return s.Reset || (s.FinSeen[0] && s.FinSeen[1]) }

// dirOf returns the direction of a packet from src on this subflow.
func (s *Subflow) dirOf(src netip.AddrPort) Dir {
	if src == s.Addr[FromInitiator] {
		return FromInitiator
	}
	return FromResponder
}

// side returns the connection side that sends in direction d.
func (s *Subflow) side(d Dir) Side {
	if d == FromInitiator {
		return s.InitiatorSide
	}
	return s.InitiatorSide.Other()
}
