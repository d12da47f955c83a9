//go:build linux

package lab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"time"
)

// Manifest is the ground truth of a capture, in the JSON format of the
// reference captures in shared/pcaps/kernel (NAME.json). ReadManifest reads
// those files as well as the ones Run writes.
type Manifest struct {
	Scenario string `json:"scenario"`
	Config   Config `json:"config"`
	Seed     uint64 `json:"seed"`
	// Capture is the capture's file name, relative to the manifest.
	Capture string `json:"capture"`
	// CaptureStats holds, per capture, the statistics lines tcpdump prints
	// ("N packets captured", "N packets received by filter",
	// "N packets dropped by kernel"); Run writes the same lines.
	CaptureStats [][]string `json:"tcpdump"`
	// Client and Server hold one entry per connection, in the same order:
	// Server[i] is the accepted side of Client[i].
	Client []ClientConn `json:"client"`
	Server []ServerConn `json:"server"`
	// Netfilter counts what the nftables rules of Drop and Corrupt did,
	// when the scenario has any; the reference manifests do not have it.
	Netfilter *NetfilterStats `json:"netfilter,omitempty"`
}

// Config records how a capture was made. MaxBytes, which Run never sets,
// exists to read the reference manifests.
type Config struct {
	Links         int     `json:"links"`
	ClientSubflow []int   `json:"client_subflow,omitempty"` // links with a client subflow endpoint
	ServerSignal  []int   `json:"server_signal,omitempty"`  // links with a server signal endpoint
	NConn         int     `json:"nconn"`
	Checksum      bool    `json:"checksum,omitempty"`
	Offload       *bool   `json:"offload,omitempty"`
	Capture       string  `json:"capture,omitempty"` // "eth": Ethernet on the server's veths; "any": Linux cooked
	V6            bool    `json:"v6,omitempty"`
	FastClose     bool    `json:"fastclose,omitempty"`
	Rate          string  `json:"rate,omitempty"`
	Drop          float64 `json:"drop,omitempty"`    // percent of data segments dropped
	Mangle        bool    `json:"mangle,omitempty"`  // a middlebox corrupted payload (Corrupt)
	Corrupt       int     `json:"corrupt,omitempty"` // client-to-server segments to corrupt
	MaxBytes      int     `json:"max_bytes,omitempty"`
	Bytes         int     `json:"bytes,omitempty"`        // random bytes the client sends
	ServerBytes   int     `json:"server_bytes,omitempty"` // random bytes the server sends after the greeting
	Events        []Event `json:"events,omitempty"`
	PauseMS       float64 `json:"pause_ms,omitempty"`
}

// ClientConn is the client's record of one connection.
type ClientConn struct {
	Local    AddrPort   `json:"local"` // first subflow's client address and port
	Sent     *Stream    `json:"sent"`
	Received *Stream    `json:"received"` // nil when the connection was reset
	MPTCP    *ConnState `json:"mptcp,omitempty"`
}

// ServerConn is the server's record of one connection.
type ServerConn struct {
	Peer     AddrPort   `json:"peer"`
	Received *Stream    `json:"received"`
	Sent     *Stream    `json:"sent"` // nil when the server aborted
	MPTCP    *ConnState `json:"mptcp,omitempty"`
}

// Stream is what an application wrote or read on one direction of a
// connection: the data-level byte stream an analyzer reassembles.
type Stream struct {
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ConnState is the kernel's view of one end of a connection (MPTCP_INFO),
// recorded by Run; the reference manifests do not have it.
type ConnState struct {
	Token    uint32 `json:"token"`              // this end's token
	Subflows int    `json:"subflows"`           // most additional subflows seen at once
	Checksum bool   `json:"checksum"`           // DSS checksums in use
	Fallback bool   `json:"fallback,omitempty"` // fell back to plain TCP (as Corrupt makes it)
}

// AddrPort is an address and port, in JSON a two-element array such as
// ["10.1.0.1", 36972].
type AddrPort struct{ netip.AddrPort }

// MarshalJSON implements json.Marshaler.
func (a AddrPort) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{a.Addr().String(), a.Port()})
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *AddrPort) UnmarshalJSON(b []byte) error {
	var v []json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("address: %w", err)
	}
	if len(v) != 2 {
		return fmt.Errorf("address: want [addr, port], got %s", b)
	}
	var s string
	var port uint16
	if err := json.Unmarshal(v[0], &s); err != nil {
		return fmt.Errorf("address: %w", err)
	}
	if err := json.Unmarshal(v[1], &port); err != nil {
		return fmt.Errorf("address port: %w", err)
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return fmt.Errorf("address: %w", err)
	}
	a.AddrPort = netip.AddrPortFrom(ip, port)
	return nil
}

// MarshalJSON writes an event as [seconds, action, link].
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{e.At.Seconds(), e.Action, e.Link})
}

// UnmarshalJSON reads an event written as [seconds, action, link].
func (e *Event) UnmarshalJSON(b []byte) error {
	var v []json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	if len(v) != 3 {
		return fmt.Errorf("event: want [seconds, action, link], got %s", b)
	}
	var secs float64
	if err := json.Unmarshal(v[0], &secs); err != nil {
		return fmt.Errorf("event time: %w", err)
	}
	if err := json.Unmarshal(v[1], &e.Action); err != nil {
		return fmt.Errorf("event action: %w", err)
	}
	if err := json.Unmarshal(v[2], &e.Link); err != nil {
		return fmt.Errorf("event link: %w", err)
	}
	e.At = time.Duration(secs * float64(time.Second))
	return nil
}

// ReadManifest reads a manifest written by Run or one of the reference
// manifests in shared/pcaps/kernel.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", path, err)
	}
	return &m, nil
}

// writeManifest writes m as indented JSON.
func writeManifest(path string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// config describes sc in the manifest's terms.
func (sc Scenario) config() Config {
	c := Config{
		Links:       sc.Links,
		NConn:       sc.Conns,
		Checksum:    sc.Checksum,
		Offload:     &sc.Offload,
		Capture:     "eth",
		V6:          sc.IPv6,
		FastClose:   sc.FastClose,
		Rate:        sc.Rate,
		Drop:        sc.Drop,
		Mangle:      sc.Corrupt > 0,
		Corrupt:     sc.Corrupt,
		Bytes:       sc.Bytes,
		ServerBytes: sc.ServerBytes,
		Events:      sc.Events,
		PauseMS:     float64(sc.Pause) / float64(time.Millisecond),
	}
	for n := 2; n <= sc.Links; n++ {
		if sc.ClientSubflows {
			c.ClientSubflow = append(c.ClientSubflow, n)
		}
		if sc.ServerSignal {
			c.ServerSignal = append(c.ServerSignal, n)
		}
	}
	return c
}

// String formats a stream as its byte count and SHA-256, or "unknown".
func (s *Stream) String() string {
	if s == nil {
		return "unknown"
	}
	return fmt.Sprintf("%d bytes sha256 %s", s.Bytes, s.SHA256)
}
