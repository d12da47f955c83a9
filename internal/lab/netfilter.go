//go:build linux

package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strings"
)

// The nftables rules of Drop and Corrupt.
const (
	// nftTable is the table Run creates in a namespace for them.
	nftTable = "mptcplab"

	// dataMinLen is the IP packet length above which a TCP segment surely
	// carries data: an IPv6 header (40 bytes) and a TCP header with the
	// most options (60 bytes) make 100. SYNs, pure ACKs and bare FINs
	// are never longer, so Drop never costs a handshake its SYN timeout.
	dataMinLen = 100

	// corruptMinLen is the IP packet length of the segments Corrupt
	// considers: full-sized data segments, long enough to hold the
	// flipped bytes.
	corruptMinLen = 1000

	// corruptSkip is how many segments longer than corruptMinLen the
	// client sends unharmed before the first corrupted one: well past
	// the handshake, so that the server has already verified DSS
	// checksums on the subflow. Only then does the kernel answer a bad
	// checksum with MP_FAIL; a bad checksum in the first data makes
	// the connection fall back silently (seen on Linux 6.18).
	corruptSkip = 40

	// corruptOffset is the offset from the start of the TCP header of
	// the 4 bytes Corrupt flips: past the longest TCP header (60 bytes)
	// and inside the payload of every segment longer than corruptMinLen.
	corruptOffset = 200

	// dropScale is the resolution of Drop: numgen draws from 0 to
	// dropScale-1, so Drop has a resolution of 0.01 percent.
	dropScale = 10000
)

// NetfilterStats counts what the nftables rules of a scenario did.
type NetfilterStats struct {
	// DroppedToServer and DroppedToClient count the data segments
	// Drop discarded on arrival in the server and the client namespace.
	// The capture has seen them all.
	DroppedToServer int `json:"dropped_to_server"`
	DroppedToClient int `json:"dropped_to_client"`
	// Corrupted counts the client-to-server segments whose payload
	// Corrupt changed.
	Corrupted int `json:"corrupted"`
}

// usesNftables tells whether the scenario needs nftables rules.
func (sc Scenario) usesNftables() bool { return sc.Drop > 0 || sc.Corrupt > 0 }

// dropThreshold is the numgen bound of Drop: a data segment is dropped
// when a random number below dropScale is below it.
func (sc Scenario) dropThreshold() int {
	return int(math.Round(sc.Drop * dropScale / 100))
}

// lossRuleset is a namespace's ruleset for Drop: it drops incoming data
// segments at random, counted in the named counter. It runs in the
// server namespace for segments to the server and in the client
// namespace for segments to the client. Only the receiver can lose a
// segment: a drop on the sender's way out (an output, postrouting or
// egress hook, a qdisc) is reported to TCP, which does not count the
// segment as sent and simply sends it later, so nothing is retransmitted.
// The server's capture sees both kinds of lost segments: the prerouting
// hook runs after the packet socket has seen an incoming frame.
func lossRuleset(threshold int, counter string) string {
	return fmt.Sprintf(`table inet %s {
	counter %s {}
	chain in {
		type filter hook prerouting priority raw; policy accept;
		meta l4proto tcp meta length > %d numgen random mod %d < %d counter name %q drop
	}
}
`, nftTable, counter, dataMinLen, dropScale, threshold, counter)
}

// corruptRuleset is the client namespace's ruleset for Corrupt: a
// middlebox on the client's way out that inverts 4 payload bytes of n
// large segments after the first corruptSkip ones. Only first
// transmissions count and are corrupted: the set "sent" remembers the
// sequence number of every large segment, so that a retransmission (a
// fast retransmit after veth reordering, a tail loss probe) passes
// untouched; a corrupted retransmission of data the server already has
// would be thrown away and corrupt nothing. The rule leaves the TCP
// checksum alone; the segments leave with a partial checksum that the
// veth peer trusts, so the server's TCP accepts them and only the DSS
// checksum can tell. The segment in the client's retransmission queue
// keeps its bytes: the rule writes to the copy on its way out.
func corruptRuleset(n int) string {
	match := fmt.Sprint(corruptSkip)
	if n > 1 {
		match = fmt.Sprintf("%d-%d", corruptSkip, corruptSkip+n-1)
	}
	field := fmt.Sprintf("@th,%d,32", corruptOffset*8)
	return fmt.Sprintf(`table inet %[1]s {
	counter corrupted {}
	set sent {
		typeof tcp sequence
		size 65535
		flags dynamic
	}
	chain out {
		type filter hook output priority raw; policy accept;
		meta l4proto tcp meta length > %[2]d tcp sequence @sent return
		meta l4proto tcp meta length > %[2]d add @sent { tcp sequence } numgen inc mod 1000000000 %[3]s counter name "corrupted" %[4]s set %[4]s ^ 0xffffffff
	}
}
`, nftTable, corruptMinLen, match, field)
}

// checkNft makes sure the nft program is there for a scenario that needs
// it.
func checkNft(sc Scenario) error {
	if !sc.usesNftables() {
		return nil
	}
	if _, err := exec.LookPath("nft"); err != nil {
		return fmt.Errorf("drop and corrupt rules need the nft program (Debian and Ubuntu package nftables): %w: %w", err, ErrUnsupported)
	}
	return nil
}

// nftUnsupported tells whether an nft failure means that the kernel lacks
// nf_tables or one of the expressions the rules use.
func nftUnsupported(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Operation not supported") || strings.Contains(msg, "Protocol not supported")
}

// installNftables loads the scenario's rules into the namespaces.
func (t *topology) installNftables(ctx context.Context) error {
	type load struct {
		ns      netns
		ruleset string
	}
	var rules []load
	if t.sc.Drop > 0 {
		rules = append(rules,
			load{t.server, lossRuleset(t.sc.dropThreshold(), "dropped_to_server")},
			load{t.client, lossRuleset(t.sc.dropThreshold(), "dropped_to_client")})
	}
	if t.sc.Corrupt > 0 {
		rules = append(rules, load{t.client, corruptRuleset(t.sc.Corrupt)})
	}
	for _, r := range rules {
		if err := r.ns.nft(ctx, r.ruleset); err != nil {
			if nftUnsupported(err) {
				return fmt.Errorf("nftables rules: %w: %w", err, ErrUnsupported)
			}
			return fmt.Errorf("nftables rules: %w", err)
		}
	}
	return nil
}

// nftCounters reads the named counters of the lab's table in ns.
func nftCounters(ctx context.Context, ns netns) (map[string]int, error) {
	out, err := ns.nftOutput(ctx, "-j", "list", "counters", "table", "inet", nftTable)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Nftables []struct {
			Counter *struct {
				Name    string `json:"name"`
				Packets int    `json:"packets"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("nft counters: %w", err)
	}
	counters := make(map[string]int)
	for _, o := range doc.Nftables {
		if o.Counter != nil {
			counters[o.Counter.Name] = o.Counter.Packets
		}
	}
	return counters, nil
}

// netfilterStats reads what the scenario's rules did, or returns nil if it
// has none.
func (t *topology) netfilterStats(ctx context.Context) (*NetfilterStats, error) {
	if !t.sc.usesNftables() {
		return nil, nil
	}
	var st NetfilterStats
	var errs []error
	nss := []netns{t.client} // Drop and Corrupt both have rules there
	if t.sc.Drop > 0 {
		nss = append(nss, t.server)
	}
	for _, ns := range nss {
		c, err := nftCounters(ctx, ns)
		errs = append(errs, err)
		st.DroppedToServer += c["dropped_to_server"]
		st.DroppedToClient += c["dropped_to_client"]
		st.Corrupted += c["corrupted"]
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &st, nil
}
