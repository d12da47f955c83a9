package report

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/reassembly"
)

// PacketSelector chooses the packets and connections shown (--conn,
// --token, --subflow); the zero value selects everything.
type PacketSelector struct {
	Conn    int            // connection id, 0: any
	Partial bool           // Conn is a partial connection's id (p<id>)
	Token   uint32         // either endpoint's token (or a join's), when HasToken
	HasTok  bool           //
	Subflow netip.AddrPort // either end of the subflow, when valid
}

// Active reports whether the selector restricts anything.
func (s PacketSelector) Active() bool { return s.Conn != 0 || s.HasTok || s.Subflow.IsValid() }

// MatchConnection reports whether connection c (its JSON form) is selected.
func (s PacketSelector) MatchConnection(c *Connection) bool {
	if s.Conn != 0 && (c.ID != s.Conn || c.Partial != s.Partial) {
		return false
	}
	if s.HasTok {
		tok := fmt.Sprintf("%08x", s.Token)
		if c.ClientToken != tok && c.ServerToken != tok {
			return false
		}
	}
	if s.Subflow.IsValid() {
		want := addrString(s.Subflow)
		for _, sf := range c.Subflows {
			if sf.Client == want || sf.Server == want {
				return true
			}
		}
		return false
	}
	return true
}

// matchPacket reports whether a packet of subflow sf is selected.
func (s PacketSelector) matchPacket(p *decode.Packet, sf *reassembly.Subflow) bool {
	if !s.Active() {
		return true
	}
	var c *reassembly.Connection
	if sf != nil {
		c = sf.Conn
	}
	if s.Conn != 0 && (c == nil || c.ID != s.Conn || c.Partial != s.Partial) {
		return false
	}
	if s.HasTok {
		ok := sf != nil && sf.Join && sf.Token == s.Token
		if c != nil {
			for _, e := range c.Ends {
				ok = ok || (e.HasKey && e.Token == s.Token)
			}
		}
		if !ok {
			return false
		}
	}
	if s.Subflow.IsValid() && p.Src != s.Subflow && p.Dst != s.Subflow {
		return false
	}
	return true
}

// PacketPrinter prints one line per TCP segment, tcpdump-style, with
// every MPTCP option in words: relative DSNs and Data ACKs, mappings,
// tokens, keys and the join's HMAC verdict. Verbose adds the absolute
// values and the raw option bytes. Install Packet as analyze.Options.Packet.
type PacketPrinter struct {
	w       *bufio.Writer
	verbose bool
	sel     PacketSelector
	err     error
}

// NewPacketPrinter prints to w.
func NewPacketPrinter(w io.Writer, verbose bool, sel PacketSelector) *PacketPrinter {
	return &PacketPrinter{w: bufio.NewWriterSize(w, 64<<10), verbose: verbose, sel: sel}
}

// Flush writes what is buffered and returns the first error.
func (pp *PacketPrinter) Flush() error {
	if err := pp.w.Flush(); pp.err == nil {
		pp.err = err
	}
	return pp.err
}

// Packet prints p, which the model attributed to sf (nil: no subflow).
func (pp *PacketPrinter) Packet(p *decode.Packet, sf *reassembly.Subflow) {
	if pp.err != nil || !pp.sel.matchPacket(p, sf) {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s ", p.Number, p.Time.UTC().Format("15:04:05.000000"))
	var c *reassembly.Connection
	switch {
	case sf != nil && sf.Conn != nil:
		c = sf.Conn
		kind := "c"
		if c.Partial {
			kind = "p" // as the summary names partial connections
		}
		fmt.Fprintf(&b, "%s%d.%d ", kind, c.ID, sf.ID)
	case sf != nil:
		fmt.Fprintf(&b, "unlinked ")
	default:
		b.WriteString("- ")
	}
	fmt.Fprintf(&b, "%s > %s [%s] seq %d", addrString(p.Src), addrString(p.Dst), p.Flags, uint32(p.Seq))
	if p.Flags.Has(decode.FlagACK) {
		fmt.Fprintf(&b, " ack %d", uint32(p.Ack))
	}
	fmt.Fprintf(&b, " win %d len %d", p.Window, p.PayloadLen)
	side := reassembly.Client
	if sf != nil && sf.Conn != nil {
		side = sf.InitiatorSide
		if p.Src != sf.Addr[reassembly.FromInitiator] {
			side = side.Other()
		}
	}
	for i := range p.Options {
		b.WriteString(", ")
		pp.option(&b, &p.Options[i], c, sf, side)
	}
	for i := range p.OptionErrors {
		fmt.Fprintf(&b, ", MALFORMED %s", p.OptionErrors[i].Error())
	}
	b.WriteByte('\n')
	if _, err := pp.w.WriteString(b.String()); err != nil && pp.err == nil {
		pp.err = err
	}
}

// rel formats v relative to the start of side s's data stream, in
// decimal (its first data byte is 1, as Wireshark shows it), or v itself
// in hex when the stream's IDSN is unknown.
func rel(c *reassembly.Connection, s reassembly.Side, v uint64, is64 bool) string {
	if c == nil || !c.Ends[s].HasKey {
		return strconv.FormatUint(v, 16)
	}
	base := c.Ends[s].IDSN
	if !is64 {
		return strconv.FormatUint(uint64(uint32(v)-uint32(base)), 10)
	}
	return strconv.FormatUint(v-base, 10)
}

func (pp *PacketPrinter) option(b *strings.Builder, o *decode.Option, c *reassembly.Connection, sf *reassembly.Subflow, side reassembly.Side) {
	switch o.Subtype {
	case decode.SubtypeMPCapable:
		m := o.MPCapable
		fmt.Fprintf(b, "mp_capable v%d", m.Version)
		if m.ChecksumRequired() {
			b.WriteString(" csum")
		}
		if m.HasSenderKey {
			fmt.Fprintf(b, " key %016x", m.SenderKey)
		}
		if m.HasReceiverKey {
			fmt.Fprintf(b, " peer-key %016x", m.ReceiverKey)
		}
		if m.HasDataLen {
			fmt.Fprintf(b, " data-len %d", m.DataLen)
		}
		if m.HasChecksum {
			fmt.Fprintf(b, " checksum 0x%04x", m.Checksum)
		}
	case decode.SubtypeMPJoin:
		j := o.MPJoin
		switch j.Form {
		case decode.JoinSYN:
			fmt.Fprintf(b, "mp_join syn id %d token %08x nonce %08x", j.AddrID, j.Token, j.Nonce)
		case decode.JoinSYNACK:
			fmt.Fprintf(b, "mp_join syn-ack id %d hmac %016x nonce %08x", j.AddrID, j.TruncatedHMAC, j.Nonce)
			if sf != nil {
				fmt.Fprintf(b, " (%s)", checkWord(sf.SynAck))
			}
		case decode.JoinACK:
			fmt.Fprintf(b, "mp_join ack hmac %x", j.HMAC[:])
			if sf != nil {
				fmt.Fprintf(b, " (%s)", checkWord(sf.Ack))
			}
		}
		if j.Backup {
			b.WriteString(" backup")
		}
	case decode.SubtypeDSS:
		d := o.DSS
		b.WriteString("dss")
		if d.HasDataACK {
			fmt.Fprintf(b, " ack %s", rel(c, side.Other(), d.DataACK, d.DataACK64))
		}
		if d.HasMapping {
			fmt.Fprintf(b, " dsn %s", rel(c, side, d.DSN, d.DSN64))
			fmt.Fprintf(b, " ssn %d len %d", d.SSN, d.DataLen)
			if d.DataLen == 0 {
				b.WriteString(" (infinite mapping)")
			}
			if d.HasChecksum {
				fmt.Fprintf(b, " checksum 0x%04x", d.Checksum)
			}
		}
		if d.DataFIN {
			b.WriteString(" DATA_FIN")
		}
		if pp.verbose {
			fmt.Fprintf(b, " [flags 0x%02x", d.Flags)
			if d.HasDataACK {
				fmt.Fprintf(b, " ack %x", d.DataACK)
			}
			if d.HasMapping {
				fmt.Fprintf(b, " dsn %x", d.DSN)
			}
			b.WriteString("]")
		}
	case decode.SubtypeAddAddr:
		a := o.AddAddr
		if c != nil && a.Layout != decode.Version(c.Version) {
			if x, _, err := decode.ParseAddAddr(o.Raw, decode.Version(c.Version)); err == nil {
				a = x
			}
		}
		fmt.Fprintf(b, "add_addr id %d %s", a.AddrID, a.Addr)
		if a.HasPort {
			fmt.Fprintf(b, " port %d", a.Port)
		}
		if a.Echo {
			b.WriteString(" echo")
		}
		if a.HasHMAC {
			fmt.Fprintf(b, " hmac %016x", a.HMAC)
			if c != nil {
				if e := c.Addresses[side][a.AddrID]; e != nil && e.HMAC != reassembly.HMACNone {
					fmt.Fprintf(b, " (%s)", e.HMAC)
				}
			}
		}
	case decode.SubtypeRemoveAddr:
		fmt.Fprintf(b, "remove_addr ids %v", []byte(o.RemoveAddr.IDs))
	case decode.SubtypeMPPrio:
		fmt.Fprintf(b, "mp_prio backup %v", o.MPPrio.Backup)
		if o.MPPrio.HasAddrID {
			fmt.Fprintf(b, " id %d", o.MPPrio.AddrID)
		}
	case decode.SubtypeMPFail:
		fmt.Fprintf(b, "mp_fail dsn %s", rel(c, side.Other(), o.MPFail.DSN, true))
	case decode.SubtypeMPFastClose:
		fmt.Fprintf(b, "mp_fastclose key %016x", o.MPFastClose.ReceiverKey)
	case decode.SubtypeMPTCPRst:
		fmt.Fprintf(b, "mp_tcprst %s", o.MPTCPRst.Reason)
		if o.MPTCPRst.Transient {
			b.WriteString(" transient")
		}
	default:
		fmt.Fprintf(b, "%s", o.Subtype)
	}
	if pp.verbose {
		fmt.Fprintf(b, " <%x>", o.Raw)
	}
}

func checkWord(c reassembly.Check) string {
	switch c {
	case reassembly.CheckOK:
		return "valid"
	case reassembly.CheckMismatch:
		return "INVALID"
	}
	return "unverified"
}

// Select keeps only the selected connections, and the findings and events
// about them.
func (d *Document) Select(s PacketSelector) {
	if !s.Active() {
		return
	}
	keep := map[int]bool{} // by Connection.Key: partial connections too
	pick := func(list []Connection) []Connection {
		out := list[:0]
		for i := range list {
			if s.MatchConnection(&list[i]) {
				keep[list[i].Key()] = true
				out = append(out, list[i])
			}
		}
		return out
	}
	d.Connections = pick(d.Connections)
	d.Partial = pick(d.Partial)
	findings := d.Findings[:0]
	for _, f := range d.Findings {
		if keep[f.Key()] {
			findings = append(findings, f)
		}
	}
	d.Findings = findings
	events := d.Events[:0]
	for _, e := range d.Events {
		if keep[e.Key()] {
			events = append(events, e)
		}
	}
	d.Events = events
	if s.Conn != 0 || s.HasTok {
		d.Unlinked = []Subflow{}
	}
}
