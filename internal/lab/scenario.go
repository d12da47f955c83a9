//go:build linux

package lab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Defaults applied by Run to zero-valued Scenario fields.
const (
	DefaultBytes   = 200_000
	DefaultChunk   = 16 << 10
	DefaultTimeout = 30 * time.Second
	DefaultSeed    = 1

	// maxLinks bounds Links: the kernel path manager accepts at most
	// 8 subflows per connection, and addresses use one octet per link.
	maxLinks = 8
)

// Greeting is the 12-byte message the server sends first on every
// connection. It is part of the server-to-client stream and its hash.
const Greeting = "hello mptcp\n"

// Scenario describes one lab run: the topology between the client and the
// server namespace, the path manager configuration and the traffic. The zero
// value of every field except Name and Links is a sensible default.
type Scenario struct {
	// Name names the output files (NAME.pcap, NAME.json) and is recorded
	// in the manifest. It must be a plain file name.
	Name string

	// Links is the number of veth pairs (paths) between the namespaces,
	// 1 to 8. Link N carries 10.N.0.1 (client) and 10.N.0.2 (server), or
	// fd00:N::1 and fd00:N::2 with IPv6. Connections always start on link 1.
	Links int

	// ClientSubflows adds a client "subflow" endpoint (id N) for every
	// link N >= 2, so the client opens an MP_JOIN subflow on each.
	ClientSubflows bool

	// During, when set, is called once the namespaces and the lab's capture
	// are up, just before the traffic starts, with the name of the server's
	// network namespace (for `ip netns exec`); the function it returns is
	// called once the traffic has settled, before the lab's capture stops.
	// Tests use it to run a program of their own beside the traffic.
	During func(ctx context.Context, serverNamespace string) (after func() error, err error)

	// ServerSignal adds a server "signal" endpoint (id N) for every link
	// N >= 2: the server announces it with ADD_ADDR and the client joins.
	ServerSignal bool

	// Checksum enables DSS checksums (net.mptcp.checksum_enabled=1) in
	// both namespaces.
	Checksum bool

	// Conns is the number of concurrent connections (default 1).
	Conns int

	// Bytes is how many random bytes the client sends on each connection
	// (default DefaultBytes).
	Bytes int

	// ServerBytes is how many random bytes the server sends on each
	// connection after Greeting (default Bytes).
	ServerBytes int

	// IPv6 uses IPv6 addresses instead of IPv4.
	IPv6 bool

	// Offload keeps segmentation offload on, so the capture holds TSO/GSO
	// super-segments larger than the MTU. By default every veth is limited
	// to one segment per packet and the capture holds MTU-sized packets.
	Offload bool

	// FastClose makes the server abort every connection with SO_LINGER 0
	// as soon as it has read all client data: the kernel sends
	// MP_FASTCLOSE and resets the subflows. For the server's stream to be
	// cut short, let it send more than the client (ServerBytes) and pace
	// both (Pause). The manifest records the server's "sent" and the
	// client's "received" as null, like the reference captures.
	FastClose bool

	// Chunk is the size of each application write (default DefaultChunk).
	Chunk int

	// Pause is slept between two writes on each side, to stretch a
	// transfer over time (for Events). Zero writes as fast as possible.
	Pause time.Duration

	// Rate limits every veth in both directions with a tbf qdisc, in tc's
	// syntax (for example "10mbit"). Needs the tc program.
	Rate string

	// Drop makes the receiving namespace drop this percentage (0 to 100,
	// resolution 0.01) of the TCP segments that carry data, in both
	// directions, at random (nftables numgen random in the prerouting
	// hook): the subflows retransmit, and MPTCP usually reinjects data
	// on other subflows. The capture holds every lost segment and its
	// retransmission: the server's incoming segments are dropped after
	// the capture has seen them, its outgoing ones in the client
	// namespace. SYNs and segments without data are never dropped, so no
	// handshake or close waits for a retransmission timeout. Needs the
	// nft program.
	Drop float64

	// Corrupt makes a middlebox (an nftables rule in the client
	// namespace, on the way out) invert 4 payload bytes in this many
	// client-to-server data segments in a row, starting with the 41st
	// segment longer than 1000 bytes (first transmissions only, counted
	// over all connections), well after the handshake. The capture, in
	// the server namespace, holds the corrupted bytes. With Checksum and
	// a single subflow, the server detects the bad DSS checksum, answers
	// with MP_FAIL, both ends fall back to plain TCP and the corrupted
	// bytes reach the server's application: the manifest records,
	// truthfully, a server "received" that differs from the client's
	// "sent" (with more subflows the kernel resets the subflow instead
	// and the data is sent again on another one; without Checksum
	// nothing notices). More than 1 often makes Linux 6.18 exchange
	// MP_FAIL in a loop and stall the connection. Run fails if no
	// segment was corrupted. Needs the nft program.
	Corrupt int

	// Events change the paths while data flows, at times relative to the
	// start of the transfer (when every connection has its subflows).
	Events []Event

	// Seed seeds the random payload (default DefaultSeed); the same seed
	// gives the same bytes.
	Seed uint64

	// Timeout bounds the whole run (default DefaultTimeout).
	Timeout time.Duration
}

// Action is what an Event does to a link.
type Action string

// Actions understood by Run. All act on the client namespace.
const (
	// LinkDown sets the client's interface of the link down.
	LinkDown Action = "linkdown"
	// Backup marks the client endpoint of the link as backup: the kernel
	// sends MP_PRIO. Needs ClientSubflows and a link >= 2.
	Backup Action = "backup"
	// Remove deletes the client endpoint of the link: the kernel sends
	// REMOVE_ADDR and closes the subflow. Needs ClientSubflows and a
	// link >= 2.
	Remove Action = "remove"
)

// Event is one change of the topology during a transfer.
type Event struct {
	At     time.Duration // since every connection has its subflows
	Action Action
	Link   int // 1-based link number
}

// ErrUnsupported is wrapped by errors for scenarios this machine cannot run
// (for example a rate limit without the tc program). Tests should skip.
var ErrUnsupported = errors.New("unsupported on this machine")

// Scenarios returns the predefined scenarios, named after the reference
// captures in shared/pcaps/kernel. Each call returns fresh values.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "basic", Links: 2, ClientSubflows: true, Offload: true},
		{Name: "checksum", Links: 2, ClientSubflows: true, Checksum: true, Conns: 2},
		{Name: "signal", Links: 2, ServerSignal: true},
		{Name: "many", Links: 2, ClientSubflows: true, Conns: 10, Bytes: 60_000},
		{Name: "ipv6", Links: 2, ClientSubflows: true, IPv6: true, Conns: 2},
		{Name: "fastclose", Links: 2, ClientSubflows: true, FastClose: true,
			Bytes: 100_000, ServerBytes: 1_000_000, Chunk: 8 << 10, Pause: 5 * time.Millisecond},
		// Rate-limited links, so that the scheduler needs both subflows
		// until the second becomes a backup.
		{Name: "prio_remove", Links: 2, ClientSubflows: true, Bytes: 600_000, Rate: "4mbit",
			Events: []Event{
				{At: 200 * time.Millisecond, Action: Backup, Link: 2},
				{At: 400 * time.Millisecond, Action: Remove, Link: 2},
			}},
		{Name: "failover", Links: 2, ClientSubflows: true, Bytes: 300_000,
			Chunk: 8 << 10, Pause: 20 * time.Millisecond,
			Events: []Event{{At: 300 * time.Millisecond, Action: LinkDown, Link: 1}}},
		// Random loss on three rate-limited paths: TCP retransmissions
		// and, usually, data-level reinjections.
		{Name: "lossy", Links: 3, ClientSubflows: true, Conns: 2, Bytes: 300_000, Drop: 2, Rate: "20mbit"},
		// A middlebox corrupts one segment: MP_FAIL and fallback. Paced,
		// so that the server has nothing in flight and has not closed
		// when the connection falls back: Linux 6.18 then loses data
		// the server had sent, or never ends the connection.
		{Name: "corrupt", Links: 1, Checksum: true, Corrupt: 1, Bytes: 400_000, Pause: 2 * time.Millisecond},
	}
}

// Lookup returns the predefined scenario with the given name.
func Lookup(name string) (Scenario, bool) {
	all := Scenarios()
	i := slices.IndexFunc(all, func(s Scenario) bool { return s.Name == name })
	if i < 0 {
		return Scenario{}, false
	}
	return all[i], true
}

// withDefaults returns sc with defaults filled in, or an error if sc is
// invalid.
func (sc Scenario) withDefaults() (Scenario, error) {
	if sc.Name == "" || strings.ContainsAny(sc.Name, `/\`) || sc.Name == "." || sc.Name == ".." {
		return sc, fmt.Errorf("invalid scenario name %q", sc.Name)
	}
	if sc.Links < 1 || sc.Links > maxLinks {
		return sc, fmt.Errorf("scenario %s: links must be 1 to %d, not %d", sc.Name, maxLinks, sc.Links)
	}
	if sc.Conns == 0 {
		sc.Conns = 1
	}
	if sc.Bytes == 0 {
		sc.Bytes = DefaultBytes
	}
	if sc.ServerBytes == 0 {
		sc.ServerBytes = sc.Bytes
	}
	if sc.Chunk == 0 {
		sc.Chunk = DefaultChunk
	}
	if sc.Seed == 0 {
		sc.Seed = DefaultSeed
	}
	if sc.Timeout == 0 {
		sc.Timeout = DefaultTimeout
	}
	if sc.Conns < 0 || sc.Bytes < 0 || sc.ServerBytes < 0 || sc.Chunk < 0 || sc.Pause < 0 || sc.Timeout < 0 || sc.Corrupt < 0 {
		return sc, fmt.Errorf("scenario %s: negative conns, bytes, chunk, pause, timeout or corrupt", sc.Name)
	}
	if !(sc.Drop >= 0 && sc.Drop <= 100) {
		return sc, fmt.Errorf("scenario %s: drop must be 0 to 100 percent, not %v", sc.Name, sc.Drop)
	}
	if sc.Drop > 0 && sc.dropThreshold() == 0 {
		return sc, fmt.Errorf("scenario %s: drop %v%% is below the resolution of 0.01%%", sc.Name, sc.Drop)
	}
	for _, ev := range sc.Events {
		if ev.Link < 1 || ev.Link > sc.Links {
			return sc, fmt.Errorf("scenario %s: event %s on link %d of %d", sc.Name, ev.Action, ev.Link, sc.Links)
		}
		switch ev.Action {
		case LinkDown:
		case Backup, Remove:
			if !sc.ClientSubflows || ev.Link < 2 {
				return sc, fmt.Errorf("scenario %s: event %s needs a client subflow endpoint on link %d", sc.Name, ev.Action, ev.Link)
			}
		default:
			return sc, fmt.Errorf("scenario %s: unknown event action %q", sc.Name, ev.Action)
		}
	}
	sc.Events = slices.Clone(sc.Events)
	slices.SortStableFunc(sc.Events, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	return sc, nil
}

// extraSubflows is how many subflows besides the first one every connection
// is expected to open.
func (sc Scenario) extraSubflows() int {
	if sc.ClientSubflows || sc.ServerSignal {
		return sc.Links - 1
	}
	return 0
}
