//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
)

// topology is the pair of namespaces of one run and their configuration.
type topology struct {
	sc     Scenario
	client netns
	server netns
}

// clientIf and serverIf name the two ends of link n (1-based).
func clientIf(n int) string { return "cli" + strconv.Itoa(n) }
func serverIf(n int) string { return "srv" + strconv.Itoa(n) }

// clientAddr and serverAddr return the addresses on link n: 10.N.0.1 and
// 10.N.0.2, or fd00:N::1 and fd00:N::2.
func (t *topology) clientAddr(n int) netip.Addr { return linkAddr(t.sc.IPv6, n, 1) }
func (t *topology) serverAddr(n int) netip.Addr { return linkAddr(t.sc.IPv6, n, 2) }

// linkMAC is the fixed MAC address of host 1 (client) or 2 (server) on
// link n, so that captures are reproducible.
func linkMAC(link, host int) string {
	return fmt.Sprintf("02:00:00:00:%02x:%02x", link, host)
}

func linkAddr(v6 bool, link, host int) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte{0: 0xfd, 3: byte(link), 15: byte(host)})
	}
	return netip.AddrFrom4([4]byte{10, byte(link), 0, byte(host)})
}

// prefix is the length of every link's subnet.
func (t *topology) prefix() string {
	if t.sc.IPv6 {
		return "/64"
	}
	return "/24"
}

// family is the ip(8) option selecting the address family.
func (t *topology) family() string {
	if t.sc.IPv6 {
		return "-6"
	}
	return "-4"
}

// newTopology creates the two namespaces. On error nothing is left behind.
func newTopology(ctx context.Context, sc Scenario) (*topology, error) {
	base, err := uniqueName("mptcplab")
	if err != nil {
		return nil, err
	}
	t := &topology{sc: sc}
	if t.client, err = addNetns(ctx, base+"-c"); err != nil {
		return nil, err
	}
	if t.server, err = addNetns(ctx, base+"-s"); err != nil {
		return nil, errors.Join(err, t.client.del(context.WithoutCancel(ctx)))
	}
	return t, nil
}

// close deletes both namespaces with everything in them. It ignores ctx's
// cancellation so that cleanup always runs.
func (t *topology) close(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	return errors.Join(t.client.del(ctx), t.server.del(ctx))
}

// setup builds the links, addresses, routes and MPTCP configuration.
func (t *topology) setup(ctx context.Context) error {
	sc := t.sc
	if err := checkTools(sc); err != nil {
		return err
	}
	for _, ns := range []netns{t.client, t.server} {
		if v, err := ns.readSysctl("net.mptcp.enabled"); err != nil {
			return err
		} else if v != "1" {
			return fmt.Errorf("mptcp disabled in namespace %s: %w", ns, ErrUnsupported)
		}
		if err := t.sysctls(ns); err != nil {
			return err
		}
		if err := ns.ip(ctx, "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"); err != nil {
			return err
		}
	}
	var gso []string
	if !sc.Offload {
		// One segment per packet: no TSO/GSO super-segments in the capture.
		gso = []string{"gso_max_segs", "1"}
	}
	for n := 1; n <= sc.Links; n++ {
		ci, si := clientIf(n), serverIf(n)
		args := append([]string{"link", "add", ci, "address", linkMAC(n, 1)}, gso...)
		args = append(args, "type", "veth", "peer", "name", si, "address", linkMAC(n, 2), "netns", string(t.server))
		args = append(args, gso...)
		if err := t.client.ip(ctx, args...); err != nil {
			return err
		}
		for _, end := range []struct {
			ns         netns
			dev        string
			addr, peer netip.Addr
			peerMAC    string
		}{
			{t.client, ci, t.clientAddr(n), t.serverAddr(n), linkMAC(n, 2)},
			{t.server, si, t.serverAddr(n), t.clientAddr(n), linkMAC(n, 1)},
		} {
			if err := end.ns.ip(ctx, "link", "set", end.dev, "up"); err != nil {
				return err
			}
			addr := []string{"addr", "add", end.addr.String() + t.prefix(), "dev", end.dev}
			if sc.IPv6 {
				addr = append(addr, "nodad")
			}
			if err := end.ns.ip(ctx, addr...); err != nil {
				return err
			}
			// A static neighbour: no ARP or neighbour discovery, which
			// would only add noise and, for IPv6, delays.
			if err := end.ns.ip(ctx, "neigh", "add", end.peer.String(), "lladdr", end.peerMAC,
				"dev", end.dev, "nud", "permanent"); err != nil {
				return err
			}
			if sc.Rate != "" {
				if err := end.ns.tc(ctx, "qdisc", "add", "dev", end.dev, "root", "tbf",
					"rate", sc.Rate, "burst", "32kbit", "latency", "100ms"); err != nil {
					return err
				}
			}
		}
		// Policy routing: whatever the destination, a packet from the
		// client's address on link n leaves by link n.
		table := strconv.Itoa(100 + n)
		if err := t.client.ip(ctx, t.family(), "rule", "add", "from", t.clientAddr(n).String(), "table", table); err != nil {
			return err
		}
		if err := t.client.ip(ctx, t.family(), "route", "add", "default", "via", t.serverAddr(n).String(), "dev", ci, "table", table); err != nil {
			return err
		}
		id := strconv.Itoa(n)
		if n >= 2 && sc.ClientSubflows {
			if err := t.client.ip(ctx, "mptcp", "endpoint", "add", t.clientAddr(n).String(), "id", id, "dev", ci, "subflow"); err != nil {
				return err
			}
		}
		if n >= 2 && sc.ServerSignal {
			if err := t.server.ip(ctx, "mptcp", "endpoint", "add", t.serverAddr(n).String(), "id", id, "dev", si, "signal"); err != nil {
				return err
			}
		}
	}
	return t.installNftables(ctx)
}

// checkTools makes sure the programs the scenario needs besides ip are
// there.
func checkTools(sc Scenario) error {
	if sc.Rate != "" {
		if _, err := exec.LookPath("tc"); err != nil {
			return fmt.Errorf("rate limit %s needs tc: %w: %w", sc.Rate, err, ErrUnsupported)
		}
	}
	return checkNft(sc)
}

// sysctls configures a namespace before its links exist, so that new
// interfaces inherit the defaults.
func (t *topology) sysctls(ns netns) error {
	var kv [][2]string
	if t.sc.IPv6 {
		// No duplicate address detection or router solicitations: the
		// addresses work at once and the capture has less noise.
		kv = append(kv,
			[2]string{"net.ipv6.conf.default.accept_dad", "0"},
			[2]string{"net.ipv6.conf.default.router_solicitations", "0"},
			[2]string{"net.ipv6.conf.default.addr_gen_mode", "1"}) // no link-local addresses
	} else {
		// No IPv6 at all: no neighbour discovery or MLD in the capture.
		kv = append(kv,
			[2]string{"net.ipv6.conf.all.disable_ipv6", "1"},
			[2]string{"net.ipv6.conf.default.disable_ipv6", "1"})
	}
	if t.sc.Checksum {
		kv = append(kv, [2]string{"net.mptcp.checksum_enabled", "1"})
	}
	for _, e := range kv {
		if err := ns.sysctl(e[0], e[1]); err != nil {
			return err
		}
	}
	return nil
}

// apply carries out one event.
func (t *topology) apply(ctx context.Context, ev Event) error {
	switch ev.Action {
	case LinkDown:
		return t.client.ip(ctx, "link", "set", clientIf(ev.Link), "down")
	case Backup:
		return t.client.ip(ctx, "mptcp", "endpoint", "change", "id", strconv.Itoa(ev.Link), "backup")
	case Remove:
		return t.client.ip(ctx, "mptcp", "endpoint", "delete", "id", strconv.Itoa(ev.Link))
	}
	return fmt.Errorf("unknown event action %q", ev.Action)
}
