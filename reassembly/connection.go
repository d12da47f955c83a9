package reassembly

import (
	"io"
	"net/netip"
	"time"

	"github.com/mptcpdump/mptcpdump/mpcrypto"
)

// Side names an endpoint of a connection: the client sent the MP_CAPABLE
// SYN, the server answered it.
type Side uint8

// The two endpoints.
const (
	Client Side = 0
	Server Side = 1
)

func (s Side) String() string {
	if s == Client {
		return "client"
	}
	return "server"
}

// Other returns the opposite side.
func (s Side) Other() Side { return 1 - s }

// Endpoint is what is known about one side of a connection.
type Endpoint struct {
	Key      uint64
	HasKey   bool
	KeyFrom  uint64 // packet the key was first seen in
	Token    uint32 // derived from Key with the connection's hash
	IDSN     uint64 // derived from Key
	Checksum bool   // flag A in this side's MP_CAPABLE SYN or SYN/ACK
}

// Connection is one MPTCP connection.
type Connection struct {
	ID int // from 1, in order of first packet

	// Version is the negotiated version: the SYN/ACK's, or the SYN's
	// while no SYN/ACK was seen.
	Version    uint8
	SynVersion uint8 // the version the client offered
	Ends       [2]Endpoint
	Checksums  bool // negotiated: flag A in the SYN or the SYN/ACK
	Fallback   bool // the handshake ended as plain TCP
	// Partial marks a connection whose handshake the capture missed: it
	// was found by the DSS options of a running subflow. Its version is a
	// guess from the DSN width, its keys are unknown, and its streams
	// start at the first mapping seen (never complete).
	Partial     bool
	FallbackWhy string // why, for people

	Subflows []*Subflow // Subflows[0] is the MP_CAPABLE subflow

	// Streams are the data-level byte streams sent by each side.
	Streams [2]DataStream
	// DataFallback is set once the data stream continues as plain TCP.
	DataFallback bool
	// MPFail counts MP_FAIL options seen.
	MPFail int
	// Addresses is each side's address book, by address ID.
	Addresses [2]map[uint8]*Address
	// FastClose records the MP_FASTCLOSE that aborted the connection.
	FastClose FastClose

	sinks    SinkFactory
	digest   *digester
	byRef    bool // its sorters keep a mapped file's bytes by reference
	finished bool // streams settled and buffers released
}

// SinkFactory returns where the data-level bytes sent by side s of c are
// written as they are delivered (nil for nowhere). A sink that is an
// io.Closer is closed when the analysis ends.
type SinkFactory func(c *Connection, s Side) io.Writer

// Client is the address of the endpoint that opened the connection.
func (c *Connection) Client() netip.AddrPort { return c.Subflows[0].Addr[Client] }

// Server is the address the connection was opened to.
func (c *Connection) Server() netip.AddrPort { return c.Subflows[0].Addr[Server] }

// Totals sums the counters of a connection's subflows.
type Totals struct {
	FirstPacket, LastPacket uint64
	FirstTime, LastTime     time.Time
	Packets                 uint64
	Bytes                   [2]uint64 // TCP payload bytes sent by each side
}

// Duration is the time between the first and last packets.
func (t Totals) Duration() time.Duration { return t.LastTime.Sub(t.FirstTime) }

// Totals returns the connection's counters, summed over its subflows.
func (c *Connection) Totals() Totals {
	var t Totals
	for _, sf := range c.Subflows {
		if sf.Packets == 0 {
			continue
		}
		if t.Packets == 0 || sf.FirstPacket < t.FirstPacket {
			t.FirstPacket, t.FirstTime = sf.FirstPacket, sf.FirstTime
		}
		if sf.LastPacket > t.LastPacket {
			t.LastPacket, t.LastTime = sf.LastPacket, sf.LastTime
		}
		t.Packets += sf.Packets
		t.Bytes[sf.side(FromInitiator)] += sf.Bytes[FromInitiator]
		t.Bytes[sf.side(FromResponder)] += sf.Bytes[FromResponder]
	}
	return t
}

// setKey records the key of side s, first seen in packet n, and derives
// its token and IDSN. It reports whether the key was new.
func (c *Connection) setKey(s Side, key uint64, n uint64) bool {
	e := &c.Ends[s]
	if e.HasKey {
		return false
	}
	e.Key, e.HasKey, e.KeyFrom = key, true, n
	e.Token, e.IDSN = mpcrypto.TokenIDSN(mpcrypto.Version(c.Version), key)
	return true
}

// rehash recomputes tokens and IDSNs after the version changed (a SYN/ACK
// choosing a version other than the SYN's).
func (c *Connection) rehash() {
	for s := range c.Ends {
		if e := &c.Ends[s]; e.HasKey {
			e.Token, e.IDSN = mpcrypto.TokenIDSN(mpcrypto.Version(c.Version), e.Key)
		}
	}
}
