package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/reassembly"
	"github.com/mptcpdump/mptcpdump/validate"
)

// SchemaVersion is bumped when a field changes meaning or disappears.
const SchemaVersion = 1

// Document is the JSON output, documented field by field in docs/json.md.
type Document struct {
	Schema      int          `json:"schema"`
	Capture     Capture      `json:"capture"`
	Connections []Connection `json:"connections"`
	Unlinked    []Subflow    `json:"unlinked"`
	// Partial lists subflows already running when the capture started,
	// found by their DSS options: each followed as a connection of its own
	// with unknown keys, reassembled from the first mapping seen.
	Partial  []Connection `json:"partial"`
	Findings []Finding    `json:"findings"`
	Events   []Event      `json:"events"`
	// EventsDropped counts timeline events beyond analyze.MaxTimelineEvents.
	EventsDropped int `json:"events_dropped"`
}

// Event is one entry of the timeline.
type Event struct {
	Time       string `json:"time"`
	Packet     uint64 `json:"packet"`
	Connection int    `json:"connection"`
	Partial    int    `json:"partial,omitempty"` // a partial connection's id (then connection is 0)
	Subflow    *int   `json:"subflow,omitempty"`
	Type       string `json:"type"`
	Side       string `json:"side,omitempty"`
	Detail     string `json:"detail"`
}

// Address is one entry of an endpoint's address book.
type Address struct {
	ID      int    `json:"id"`
	Address string `json:"address"`
	Port    int    `json:"port,omitempty"`
	Source  string `json:"source"` // "add-addr", or "join" for an address learned from MP_JOIN (ID 0: the initial subflow)
	Packet  uint64 `json:"packet,omitempty"`
	Echoed  bool   `json:"echoed"`
	Removed bool   `json:"removed"`
	HMAC    string `json:"hmac,omitempty"` // v1 ADD_ADDR: valid, invalid, unverified
}

// Capture describes the input.
type Capture struct {
	File          string `json:"file"`
	Frames        uint64 `json:"frames"`
	TCPSegments   uint64 `json:"tcp_segments"`
	MPTCPSegments uint64 `json:"mptcp_segments"`
	NotTCP        uint64 `json:"not_tcp"`
	DecodeErrors  uint64 `json:"decode_errors"`
	Unsupported   uint64 `json:"unsupported_link"`
	Unattached    uint64 `json:"unattached_mptcp_segments"`
	NotTracked    uint64 `json:"not_tracked_syns,omitempty"`
	Warning       string `json:"warning,omitempty"`
	// Live capture only.
	Interface      string  `json:"interface,omitempty"`
	Filter         string  `json:"filter,omitempty"`
	KernelReceived *uint64 `json:"kernel_received,omitempty"`
	KernelDropped  *uint64 `json:"kernel_dropped,omitempty"`
	Written        *uint64 `json:"written,omitempty"`
	WriteError     string  `json:"write_error,omitempty"`
	// EvictedConnections counts closed connections aged out of a long
	// live capture (they are not in connections[]).
	EvictedConnections int `json:"evicted_connections,omitempty"`
}

// Bytes counts bytes per direction: c2s from the client (or the subflow's
// initiator) to the server (its responder), s2c the other way.
type Bytes struct {
	C2S uint64 `json:"c2s"`
	S2C uint64 `json:"s2c"`
}

// Connection is one MPTCP connection.
type Connection struct {
	ID             int     `json:"id"`
	Version        int     `json:"version"`
	Client         string  `json:"client"`
	Server         string  `json:"server"`
	ClientKey      string  `json:"client_key"`
	ServerKey      string  `json:"server_key"`
	ClientToken    string  `json:"client_token"`
	ServerToken    string  `json:"server_token"`
	ClientIDSN     string  `json:"client_idsn"`
	ServerIDSN     string  `json:"server_idsn"`
	Checksums      bool    `json:"checksums"`
	Partial        bool    `json:"partial,omitempty"`
	Fallback       bool    `json:"fallback"`
	FallbackReason string  `json:"fallback_reason,omitempty"`
	FirstPacket    uint64  `json:"first_packet"`
	LastPacket     uint64  `json:"last_packet"`
	FirstTime      string  `json:"first_time"`
	LastTime       string  `json:"last_time"`
	Duration       float64 `json:"duration"`
	Packets        uint64  `json:"packets"`
	PayloadBytes   Bytes   `json:"payload_bytes"`
	FallbackDSN    string  `json:"fallback_dsn,omitempty"`
	MPFail         int     `json:"mp_fail"`
	Close          string  `json:"close"`
	ClientState    string  `json:"client_state"`
	ServerState    string  `json:"server_state"`
	FastCloseBy    string  `json:"fastclose_by,omitempty"`
	Addresses      struct {
		Client []Address `json:"client"`
		Server []Address `json:"server"`
	} `json:"addresses"`
	C2S      Stream    `json:"c2s"`
	S2C      Stream    `json:"s2c"`
	Metrics  Metrics   `json:"metrics"`
	Subflows []Subflow `json:"subflows"`
}

// Stream is one direction of a connection's data-level byte stream.
type Stream struct {
	Bytes              uint64   `json:"bytes"`
	SHA256             string   `json:"sha256"`
	Complete           bool     `json:"complete"`
	InitialDSN         string   `json:"initial_dsn"`
	DataFIN            bool     `json:"data_fin"`
	DataFINDSN         string   `json:"data_fin_dsn,omitempty"`
	ReinjectedBytes    uint64   `json:"reinjected_bytes"`
	RetransmittedBytes uint64   `json:"retransmitted_bytes"`
	MismatchedBytes    uint64   `json:"mismatched_bytes"`
	MissingBytes       uint64   `json:"missing_bytes"`
	UnmappedBytes      uint64   `json:"unmapped_bytes"`
	BufferedBytes      int      `json:"buffered_bytes"`
	WindowProbes       int      `json:"window_probes"`
	DataACK            string   `json:"data_ack,omitempty"`
	SentEnd            string   `json:"sent_end,omitempty"`
	ReceiveWindow      *uint64  `json:"receive_window,omitempty"`
	WindowEdge         string   `json:"window_edge,omitempty"`
	Checksum           Checksum `json:"checksum"`
	Fallback           bool     `json:"fallback"`
	FallbackDSN        string   `json:"fallback_dsn,omitempty"`
}

// Checksum counts DSS checksum verdicts of one direction's mappings.
type Checksum struct {
	Verified     int `json:"verified"`
	Failed       int `json:"failed"`
	Unverifiable int `json:"unverifiable"`
}

// Subflow is one TCP subflow, or an unlinked join.
type Subflow struct {
	ID              int    `json:"id"`
	Client          string `json:"client"`
	Server          string `json:"server"`
	Initiator       string `json:"initiator,omitempty"`
	Partial         int    `json:"partial,omitempty"` // unlinked: the partial connection grouping the joins of its token
	Join            bool   `json:"join"`
	Token           string `json:"token,omitempty"`
	Backup          bool   `json:"backup"`
	ClientBackup    bool   `json:"client_backup"`
	ServerBackup    bool   `json:"server_backup"`
	ResetBy         string `json:"reset_by,omitempty"`
	ResetReason     string `json:"reset_reason,omitempty"`
	ClientAddressID *int   `json:"client_address_id,omitempty"`
	ServerAddressID *int   `json:"server_address_id,omitempty"`
	ClientNonce     string `json:"client_nonce,omitempty"`
	ServerNonce     string `json:"server_nonce,omitempty"`
	HMAC            string `json:"hmac"`
	HMACSynAck      string `json:"hmac_synack,omitempty"`
	HMACAck         string `json:"hmac_ack,omitempty"`
	State           string `json:"state"`
	FirstPacket     uint64 `json:"first_packet"`
	LastPacket      uint64 `json:"last_packet"`
	Packets         uint64 `json:"packets"`
	PayloadBytes    Bytes  `json:"payload_bytes"`
}

// Finding is one finding.
type Finding struct {
	Code       string   `json:"code"`
	Severity   string   `json:"severity"`
	Connection int      `json:"connection"`
	Partial    int      `json:"partial,omitempty"` // a partial connection's id (then connection is 0)
	Subflow    *int     `json:"subflow,omitempty"`
	Packets    []uint64 `json:"packets"`
	Count      int      `json:"count"`
	Message    string   `json:"message"`
	RFC        string   `json:"rfc"`
}

// Build turns an analysis into the JSON document.
func Build(file string, res *analyze.Result) *Document {
	tr := res.Tracker
	st := tr.Stats()
	doc := &Document{
		Schema: SchemaVersion,
		Capture: Capture{
			File: file, Frames: res.Counters.Frames, TCPSegments: res.Counters.TCP, MPTCPSegments: st.MPTCPPackets,
			NotTCP: res.Counters.NotTCP, DecodeErrors: res.Counters.DecodeErrors, Unsupported: res.Counters.Unsupported,
			Unattached: st.Unattached, NotTracked: st.NotTracked, Warning: res.Warning,
		},
		Connections: []Connection{},
		Unlinked:    []Subflow{},
		Findings:    []Finding{},
	}
	if l := res.Live; l != nil {
		doc.Capture.Interface, doc.Capture.Filter, doc.Capture.WriteError = l.Interface, l.Filter, l.WriteError
		recv, drop, written := l.KernelReceived, l.KernelDropped, l.Written
		doc.Capture.KernelReceived, doc.Capture.KernelDropped, doc.Capture.Written = &recv, &drop, &written
	}
	doc.Capture.EvictedConnections = res.Evicted
	for _, c := range tr.Connections() {
		conn := buildConnection(c)
		if res.Metrics != nil {
			if m := res.Metrics.Connection(c); m != nil {
				conn.Metrics = Metrics{C2S: buildDirection(m.Dirs[reassembly.Client]), S2C: buildDirection(m.Dirs[reassembly.Server])}
			} else {
				conn.Metrics = Metrics{C2S: buildDirection(nil), S2C: buildDirection(nil)}
			}
		}
		doc.Connections = append(doc.Connections, conn)
	}
	for i, sf := range tr.Unlinked() {
		u := buildSubflow(sf)
		u.ID, u.Initiator = i+1, ""
		if sf.Conn != nil {
			u.Partial = sf.Conn.ID
		}
		doc.Unlinked = append(doc.Unlinked, u)
	}
	doc.Partial = []Connection{}
	for _, c := range tr.Partial() {
		doc.Partial = append(doc.Partial, buildConnection(c))
	}
	for _, f := range res.Findings {
		doc.Findings = append(doc.Findings, buildFinding(f))
	}
	doc.Events = []Event{}
	if tl := res.Timeline; tl != nil {
		doc.EventsDropped = tl.Dropped
		for _, e := range tl.Events() {
			ev := Event{Time: timeString(e.Time), Packet: e.Packet, Connection: e.Conn.ID, Type: e.Kind.Name(), Detail: e.Detail}
			if e.Conn.Partial {
				ev.Connection, ev.Partial = 0, e.Conn.ID
			}
			if e.Subflow != nil && e.Subflow.Conn == e.Conn {
				id := e.Subflow.ID
				ev.Subflow = &id
			}
			switch e.Kind {
			case reassembly.EventSubflowEstablished, reassembly.EventSubflowClosed, reassembly.EventFallback, reassembly.EventHandshakeFallback:
			default:
				ev.Side = e.Side.String()
			}
			doc.Events = append(doc.Events, ev)
		}
	}
	return doc
}

func buildAddresses(book map[uint8]*reassembly.Address) []Address {
	out := []Address{}
	for id := 0; id < 256; id++ {
		a, ok := book[uint8(id)]
		if !ok {
			continue
		}
		x := Address{ID: id, Address: a.Addr.String(), Port: int(a.Port), Source: "add-addr", Packet: a.Packet,
			Echoed: a.Echoed, Removed: a.Removed}
		if a.ByJoin {
			x.Source = "join"
		}
		if a.HMAC != reassembly.HMACNone {
			x.HMAC = a.HMAC.String()
		}
		out = append(out, x)
	}
	return out
}

// WriteJSON writes the document, indented, to w.
func WriteJSON(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func buildConnection(c *reassembly.Connection) Connection {
	t := c.Totals()
	out := Connection{
		ID: c.ID, Version: int(c.Version),
		Client: addrString(c.Client()), Server: addrString(c.Server()),
		Checksums: c.Checksums, Partial: c.Partial, Fallback: c.Fallback || c.DataFallback, FallbackReason: c.FallbackWhy, MPFail: c.MPFail,
		C2S: buildStream(&c.Streams[reassembly.Client]), S2C: buildStream(&c.Streams[reassembly.Server]),
		Close: string(c.Close()), ClientState: c.State(reassembly.Client), ServerState: c.State(reassembly.Server),
		FirstPacket: t.FirstPacket, LastPacket: t.LastPacket,
		FirstTime: timeString(t.FirstTime), LastTime: timeString(t.LastTime), Duration: t.Duration().Seconds(),
		Packets: t.Packets, PayloadBytes: Bytes{t.Bytes[reassembly.Client], t.Bytes[reassembly.Server]},
	}
	if e := c.Ends[reassembly.Client]; e.HasKey {
		out.ClientKey, out.ClientToken, out.ClientIDSN = hex64(e.Key), hex32(e.Token), hex64(e.IDSN)
	}
	if e := c.Ends[reassembly.Server]; e.HasKey {
		out.ServerKey, out.ServerToken, out.ServerIDSN = hex64(e.Key), hex32(e.Token), hex64(e.IDSN)
	} else if c.Partial && len(c.Subflows) > 0 && c.Subflows[0].Join {
		out.ServerToken = hex32(e.Token) // the token of the joins grouped here, their key unseen
	}
	if c.FastClose.Seen {
		out.FastCloseBy = c.FastClose.By.String()
	}
	out.Addresses.Client = buildAddresses(c.Addresses[reassembly.Client])
	out.Addresses.Server = buildAddresses(c.Addresses[reassembly.Server])
	for _, sf := range c.Subflows {
		out.Subflows = append(out.Subflows, buildSubflow(sf))
	}
	for _, st := range []Stream{out.C2S, out.S2C} {
		if st.Fallback && out.FallbackDSN == "" {
			out.FallbackDSN = st.FallbackDSN
		}
	}
	return out
}

var emptySHA256 = hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }())

func buildStream(d *reassembly.DataStream) Stream {
	out := Stream{SHA256: emptySHA256, Checksum: Checksum{d.ChecksumVerified, d.ChecksumFailed, d.ChecksumUnverifiable}}
	if !d.Started {
		return out
	}
	sum := d.SHA256()
	out.Bytes, out.SHA256, out.Complete = d.Bytes, hex.EncodeToString(sum[:]), d.Complete()
	out.InitialDSN = hex64(d.Start)
	out.DataFIN = d.DataFIN
	if d.DataFIN {
		out.DataFINDSN = hex64(d.DataFINDSN)
	}
	out.ReinjectedBytes, out.RetransmittedBytes, out.MismatchedBytes = d.Reinjected, d.Retransmitted, d.Mismatched
	out.MissingBytes, out.UnmappedBytes, out.BufferedBytes = d.Missing, d.Unmapped, d.Buffered
	out.WindowProbes = d.WindowProbes
	if end, ok := d.HighestSent(); ok {
		out.SentEnd = hex64(end)
	}
	if d.HasReceiveWindow {
		w := d.ReceiveWindow
		out.ReceiveWindow = &w
		out.WindowEdge = hex64(d.WindowEdge)
	}
	if d.HasDataACK {
		out.DataACK = hex64(d.DataACK)
	}
	out.Fallback = d.Fallback
	if d.Fallback {
		out.FallbackDSN = hex64(d.FallbackDSN)
	}
	return out
}

func buildSubflow(sf *reassembly.Subflow) Subflow {
	out := Subflow{
		ID:     sf.ID,
		Client: addrString(sf.Addr[reassembly.FromInitiator]), Server: addrString(sf.Addr[reassembly.FromResponder]),
		Join: sf.Join, HMAC: sf.HMAC.String(), State: subflowState(sf),
		FirstPacket: sf.FirstPacket, LastPacket: sf.LastPacket, Packets: sf.Packets,
		PayloadBytes: Bytes{sf.Bytes[reassembly.FromInitiator], sf.Bytes[reassembly.FromResponder]},
	}
	if sf.Conn != nil {
		out.Initiator = sf.InitiatorSide.String()
	}
	out.ClientBackup, out.ServerBackup = sf.Backup[reassembly.FromInitiator], sf.Backup[reassembly.FromResponder]
	if sf.Reset {
		out.ResetBy = "client"
		if sf.ResetBy == reassembly.FromResponder {
			out.ResetBy = "server"
		}
		if sf.HasResetReason {
			out.ResetReason = sf.ResetReason.String()
		}
	}
	if sf.Join {
		out.Token = hex32(sf.Token)
		out.Backup = sf.SynBackup
		id := int(sf.AddrID[reassembly.FromInitiator])
		out.ClientAddressID = &id
		out.ClientNonce = hex32(sf.Nonce[reassembly.FromInitiator])
		if sf.HasNonce[reassembly.FromResponder] {
			rid := int(sf.AddrID[reassembly.FromResponder])
			out.ServerAddressID = &rid
			out.ServerNonce = hex32(sf.Nonce[reassembly.FromResponder])
		}
		out.HMACSynAck, out.HMACAck = checkString(sf.SynAck), checkString(sf.Ack)
	}
	return out
}

func checkString(c reassembly.Check) string {
	switch c {
	case reassembly.CheckOK:
		return "valid"
	case reassembly.CheckMismatch:
		return "invalid"
	case reassembly.CheckPending:
		return "unverified"
	}
	return "not-captured"
}

// subflowState summarizes where a subflow's TCP handshake and teardown got.
func subflowState(sf *reassembly.Subflow) string {
	switch {
	case sf.Reset:
		return "reset"
	case sf.FinSeen[0] && sf.FinSeen[1]:
		return "closed"
	case sf.FinSeen[0] || sf.FinSeen[1]:
		return "closing"
	case sf.Established:
		return "established"
	case sf.SynAckSeen:
		return "syn-received"
	case sf.SynSeen:
		return "syn-sent"
	}
	return "mid-stream"
}

func buildFinding(f validate.Finding) Finding {
	out := Finding{Code: string(f.Code), Severity: f.Severity.String(), Connection: f.Connection, Partial: f.Partial,
		Packets: f.Packets, Count: f.Count, Message: f.Message, RFC: f.RFC}
	if out.Packets == nil {
		out.Packets = []uint64{}
	}
	if f.Subflow >= 0 {
		id := f.Subflow
		out.Subflow = &id
	}
	return out
}

// addrString formats an address as ip:port, IPv6 in brackets, and an
// IPv4-mapped IPv6 address as IPv4.
func addrString(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()).String()
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func hex64(v uint64) string { return fmt.Sprintf("%016x", v) }
func hex32(v uint32) string { return fmt.Sprintf("%08x", v) }
