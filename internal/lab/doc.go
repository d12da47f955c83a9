// Package lab makes real Multipath TCP traffic between two Linux network
// namespaces, captures it, and records what the applications sent and
// received, so that tests can check an analyzer against ground truth.
//
// # Requirements
//
// Root, the ip program (iproute2), network namespaces, veth links and a
// kernel with MPTCP enabled (net.mptcp.enabled=1). A Rate needs tc as
// well, Drop and Corrupt need nft (Debian package nftables) and nf_tables
// in the kernel; without them Run returns an error wrapping
// ErrUnsupported, on which tests skip too. Nothing else: capture and
// applications are pure Go, the package builds with CGO_ENABLED=0, and no
// tcpdump is needed. Available reports what is missing; tests skip on its
// error:
//
//	if err := lab.Available(); err != nil {
//		t.Skip(err)
//	}
//	res, err := lab.Run(ctx, t.TempDir(), lab.Scenario{Name: "basic", Links: 2, ClientSubflows: true})
//
// Run writes NAME.pcap and NAME.json into the directory and returns their
// paths with the parsed manifest. Scenarios and Lookup give the predefined
// scenarios (basic, checksum, signal, many, ipv6, fastclose, prio_remove,
// failover, lossy, corrupt); cmd/mklab runs them by name to make fixtures
// by hand:
//
//	go run ./internal/lab/cmd/mklab -scenario basic -out /tmp/x
//	go run ./internal/lab/cmd/mklab -scenario all -out /tmp/x
//
// # What a run does
//
// Run creates two namespaces named mptcplab-PID-NONCE-c (client) and -s
// (server), so that parallel tests and processes never collide, and joins
// them with Links veth pairs: link N has cliN with 10.N.0.1/24 in the
// client and srvN with 10.N.0.2/24 in the server (fd00:N::1/64 and
// fd00:N::2/64 with IPv6), fixed MAC addresses 02:00:00:00:NN:01 and :02,
// and static neighbour entries, so there is no ARP or neighbour discovery.
// IPv4 scenarios disable IPv6 in both namespaces; IPv6 ones create no
// link-local addresses. Policy routing in the client (rule "from 10.N.0.1"
// to table 100+N, default route via 10.N.0.2 on cliN) makes each client
// address leave by its own link whatever the destination.
//
// Both namespaces get `ip mptcp limits set subflows 8 add_addr_accepted 8`.
// ClientSubflows adds `ip mptcp endpoint add 10.N.0.1 id N dev cliN
// subflow` for N >= 2, so the client joins from every link; ServerSignal
// adds `... 10.N.0.2 id N dev srvN signal` in the server, which the server
// announces with ADD_ADDR. Checksum writes net.mptcp.checksum_enabled=1 in
// both namespaces. Unless Offload is set, every veth has gso_max_segs 1, so
// the capture holds MTU-sized segments instead of TSO/GSO super-segments.
//
// The capture is an AF_PACKET socket opened in the server namespace that
// keeps the frames of the srvN interfaces, both directions, written with
// pcapgo: one pcap file in arrival order (like tcpdump -i any, but with
// Ethernet headers), nanosecond timestamps, full frames.
// The kernel's packet statistics go to the manifest in tcpdump's words; a
// run whose capture dropped a packet fails.
//
// The applications are Go sockets opened inside the namespaces (a locked
// OS thread that joined the namespace with setns, then discarded) with
// net.ListenConfig.SetMultipathTCP and net.Dialer.SetMultipathTCP. The
// server listens on the wildcard address; Conns clients dial 10.1.0.2.
// Each end checks with getsockopt(SOL_MPTCP, MPTCP_INFO) that the
// connection is Multipath TCP with the expected DSS checksum setting and
// waits until its Links-1 additional subflows are up (when the scenario
// asks for any), so the data really spreads over the paths. The server
// sends Greeting before its check; the client waits for the server's
// check before it sends, so that both checks see the connection before
// the data can change it (Corrupt makes it fall back to plain TCP). Then
// the server sends ServerBytes random bytes, the client Bytes random
// bytes, both at once in Chunk-sized writes with Pause between them, and
// each side half-closes after writing and reads until EOF. The
// bytes come from ChaCha8 seeded by Seed, the connection index and the
// side, so a scenario always sends the same data. Events (link down, MP_PRIO
// backup, REMOVE_ADDR) run at their times after the transfer starts; a
// transfer that ends before all its events fails, so a capture always has
// what its scenario promises. FastClose makes the server abort with
// SO_LINGER 0 (MP_FASTCLOSE) once it has read the client's data.
//
// Drop and Corrupt load nftables rules (`ip netns exec NS nft -f -`, one
// table "mptcplab") before the capture starts. Drop draws `numgen random`
// for each arriving data segment in the prerouting hook of both
// namespaces, so the capture, in the server namespace, holds each lost
// segment as well as its retransmission; a drop on the sender's side
// would not do: TCP learns of a local drop and sends the segment later,
// without a retransmission. Corrupt is a middlebox in the client's output
// hook: `numgen inc` picks consecutive large segments after the first 40
// (a set of the sequence numbers sent keeps retransmissions out) and
// `@th,1600,32 set @th,1600,32 ^ 0xffffffff` inverts 4 payload bytes,
// leaving the TCP checksum to the veth's offload, so the server's TCP
// takes the segment and only the DSS checksum tells. The capture holds
// the corrupted bytes as the server received them. The manifest's
// "netfilter" object has the rules' counters (drops per direction,
// corrupted segments) and each end's "mptcp" state says whether the
// connection fell back to plain TCP.
//
// After the applications are done the capture runs 200 ms longer for the
// last packets, then it is drained and closed, and the namespaces are
// deleted with everything in them: always, also on error or cancellation.
//
// # The manifest
//
// NAME.json has the schema of the reference captures in
// shared/pcaps/kernel (see Manifest; ReadManifest reads both): the
// scenario, its configuration, the seed, the capture's file name, capture
// statistics, and per connection, in the same order for both ends, the
// client's first-subflow address and port with the byte count and SHA-256
// of what it sent and received, and the server's. A stream is null when
// it is unknown: the server's "sent" and the client's "received" after an
// abort. Run adds each end's MPTCP token, subflow count and checksum
// setting under "mptcp". The data-level stream an analyzer reassembles
// from the capture, per connection and direction, must hash to these
// values; the server-to-client stream starts with Greeting.
//
// Inspect summarizes the MPTCP options of a pcap or pcapng file (by
// subtype, join SYNs, DSS checksums, subflows) for quick checks of a
// capture, Run's or a reference one.
package lab
