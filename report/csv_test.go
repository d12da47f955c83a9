package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/capture"
)

func intp(v int) *int { return &v }

// awkward is a finding message that needs every kind of RFC 4180 quoting.
const awkward = `join [2001:db8::3]:40001 → [2001:db8::2]:443: SYN/ACK HMAC "529f6cbbd28690e4", computed 529f6cbbd28690e5` +
	"\nsecond line, after a newline"

// handDocument is a Document with the awkward cases: IPv6 addresses,
// absent optionals, an unlinked join, a message with commas, quotes and a
// newline, findings with and without a subflow or a connection.
func handDocument() *Document {
	rwin := uint64(111616)
	doc := &Document{
		Schema:  SchemaVersion,
		Capture: Capture{File: "hand.pcap", Frames: 120, TCPSegments: 120, MPTCPSegments: 118},
		Connections: []Connection{
			{
				ID: 1, Version: 1,
				Client: "[2001:db8::1]:40000", Server: "[2001:db8::2]:443",
				ClientKey: "7610dbdd88ee54fe", ServerKey: "a5d04306ea113b41",
				ClientToken: "ce6ffa47", ServerToken: "0c3d20c5",
				ClientIDSN: "c29e32b3e87d4b6c", ServerIDSN: "aca06d71f9121708",
				Checksums:   true,
				FirstPacket: 1, LastPacket: 115,
				FirstTime: "2026-11-25T22:29:36.258694123Z", LastTime: "2026-11-25T22:29:36.764055Z",
				Duration: 0.505360877, Packets: 113, PayloadBytes: Bytes{C2S: 379173, S2C: 356010},
				Close: "data-fin", ClientState: "M_CLOSED", ServerState: "M_TIME_WAIT",
				C2S: Stream{
					Bytes: 377725, SHA256: "25aa88a0f33c3129624e40c183754184171082eb363c9c5fdb84c6c4638975b7", Complete: true,
					InitialDSN: "c29e32b3e87d4b6d", DataFIN: true, DataFINDSN: "c29e32b3e8830eea",
					ReinjectedBytes: 1448, DataACK: "c29e32b3e8830eeb", SentEnd: "c29e32b3e8830eeb",
					ReceiveWindow: &rwin, WindowEdge: "c29e32b3e884c2eb",
					Checksum: Checksum{Verified: 40, Failed: 1, Unverifiable: 2},
				},
				S2C: Stream{
					Bytes: 355910, SHA256: "304c8f2201de63dfe107b657f41401e292e1c03174db270a2a29aca1dd498964",
					InitialDSN: "aca06d71f9121709", ReinjectedBytes: 100, MissingBytes: 1448, WindowProbes: 1,
					Checksum: Checksum{Verified: 30, Unverifiable: 1},
				},
				Subflows: []Subflow{
					{ID: 0, Client: "[2001:db8::1]:40000", Server: "[2001:db8::2]:443", Initiator: "client",
						State: "closed", FirstPacket: 1, LastPacket: 113, Packets: 72, PayloadBytes: Bytes{C2S: 321585, S2C: 228164}},
					{ID: 1, Client: "10.2.0.1:46521", Server: "[2001:db8::2]:443", Initiator: "client", Join: true,
						Token: "0c3d20c5", Backup: true, ClientBackup: true, ClientAddressID: intp(1), ServerAddressID: intp(0),
						ClientNonce: "f69c7828", ServerNonce: "ec0ea625", HMAC: "valid", HMACSynAck: "valid", HMACAck: "valid",
						State: "closed", FirstPacket: 6, LastPacket: 115, Packets: 38, PayloadBytes: Bytes{C2S: 57588, S2C: 127846}},
					{ID: 2, Client: "[2001:db8::3]:40001", Server: "[2001:db8::2]:443", Initiator: "client", Join: true,
						Token: "0c3d20c5", ClientAddressID: intp(2), ServerAddressID: intp(0),
						ClientNonce: "01020304", ServerNonce: "0a0b0c0d", HMAC: "invalid", HMACSynAck: "invalid", HMACAck: "not-captured",
						State: "reset", ResetBy: "server", ResetReason: "administratively prohibited",
						FirstPacket: 17, LastPacket: 19, Packets: 3},
					{ID: 3, Client: "[2001:db8::2]:443", Server: "[2001:db8::1]:40002", Initiator: "server", Join: true,
						Token: "ce6ffa47", ClientAddressID: intp(0), ClientNonce: "11223344",
						HMAC: "unverified", HMACSynAck: "not-captured", HMACAck: "not-captured",
						State: "syn-sent", FirstPacket: 25, LastPacket: 25, Packets: 1},
				},
			},
			{
				ID: 2, Version: 0,
				Client: "10.1.0.1:36974", Server: "10.1.0.2:5000",
				ClientKey: "0123456789abcdef", ClientToken: "8899aabb", ClientIDSN: "00000000deadbeef",
				Fallback: true, FallbackReason: "SYN/ACK without MP_CAPABLE",
				FirstPacket: 116, LastPacket: 120,
				FirstTime: "2026-11-25T22:29:37Z", LastTime: "2026-11-25T22:29:37.0000001Z",
				Duration: 1e-07, Packets: 5, PayloadBytes: Bytes{C2S: 5},
				Close: "fin", ClientState: "M_CLOSED", ServerState: "M_CLOSED",
				C2S: Stream{Bytes: 5, SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Complete: true,
					InitialDSN: "0000000000000001", Fallback: true, FallbackDSN: "0000000000000001"},
				S2C:      Stream{SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
				Subflows: []Subflow{{ID: 0, Client: "10.1.0.1:36974", Server: "10.1.0.2:5000", Initiator: "client", State: "closed", FirstPacket: 116, LastPacket: 120, Packets: 5, PayloadBytes: Bytes{C2S: 5}}},
			},
		},
		Unlinked: []Subflow{
			{ID: 1, Client: "192.0.2.3:57951", Server: "192.0.2.2:8080", Join: true, Token: "3fc711ea",
				ClientAddressID: intp(1), ServerAddressID: intp(0), ClientNonce: "f69c7828", ServerNonce: "ec0ea625",
				HMAC: "unverified", HMACSynAck: "not-captured", HMACAck: "not-captured",
				State: "established", FirstPacket: 20, LastPacket: 23, Packets: 4},
		},
		Findings: []Finding{
			{Code: "join-hmac-invalid", Severity: "error", Connection: 1, Subflow: intp(2), Packets: []uint64{17, 18}, Count: 2,
				Message: awkward, RFC: "RFC 8684 §3.2"},
			{Code: "dss-checksum-invalid", Severity: "error", Connection: 1, Packets: []uint64{30}, Count: 1,
				Message: "DSS checksum mismatch", RFC: "RFC 8684 §3.3.1"},
			{Code: "join-unknown-token", Severity: "warning", Connection: 0, Partial: 1, Packets: []uint64{20}, Count: 1,
				Message: "MP_JOIN SYN 192.0.2.3:57951 → 192.0.2.2:8080 carries token 3fc711ea, which matches no connection",
				RFC:     "RFC 8684 §3.2"},
			{Code: "reinjection", Severity: "info", Connection: 1, Subflow: intp(0), Packets: []uint64{}, Count: 0,
				Message: "1448 bytes reinjected", RFC: "RFC 8684 §3.3.6"},
			{Code: "handshake-fallback", Severity: "warning", Connection: 2, Packets: []uint64{117}, Count: 1,
				Message: "SYN/ACK without MP_CAPABLE", RFC: "RFC 8684 §3.1"},
		},
		Events: []Event{
			{Time: "2026-11-25T22:29:36.258694123Z", Packet: 3, Connection: 1, Subflow: intp(0), Type: "subflow-established",
				Detail: "initial subflow [2001:db8::1]:40000 → [2001:db8::2]:443"},
			{Time: "2026-11-25T22:29:36.2588Z", Packet: 4, Connection: 1, Subflow: intp(0), Type: "add-addr", Side: "server",
				Detail: "the server announces ID 1 = 2001:db8::20"},
			{Time: "2026-11-25T22:29:36.7Z", Packet: 110, Connection: 1, Type: "data-fin", Side: "client",
				Detail: "the client ends its data at DSN c29e32b3e8830eea"},
		},
	}
	return doc
}

// parse reads a CSV document strictly (every record as wide as the header).
func parse(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 0
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV back: %v\n%s", err, data)
	}
	if len(recs) == 0 {
		t.Fatal("no header row")
	}
	return recs
}

// rowMaps turns records into header→value maps.
func rowMaps(recs [][]string) []map[string]string {
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

func render(t *testing.T, write func(w *bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writers() []struct {
	name  string
	write func(w *bytes.Buffer, doc *Document) error
} {
	return []struct {
		name  string
		write func(w *bytes.Buffer, doc *Document) error
	}{
		{ConnectionsCSV, func(w *bytes.Buffer, d *Document) error { return WriteConnectionsCSV(w, d) }},
		{SubflowsCSV, func(w *bytes.Buffer, d *Document) error { return WriteSubflowsCSV(w, d) }},
		{FindingsCSV, func(w *bytes.Buffer, d *Document) error { return WriteFindingsCSV(w, d) }},
		{EventsCSV, func(w *bytes.Buffer, d *Document) error { return WriteEventsCSV(w, d) }},
	}
}

func csvOf(t *testing.T, name string, doc *Document) []byte {
	t.Helper()
	for _, w := range writers() {
		if w.name == name {
			return render(t, func(b *bytes.Buffer) error { return w.write(b, doc) })
		}
	}
	t.Fatalf("no writer for %s", name)
	return nil
}

// The headers are part of the interface: docs/csv.md lists them, scripts
// select by them. Columns may be appended, never moved or renamed.
func TestCSVHeaders(t *testing.T) {
	want := map[string]string{
		ConnectionsCSV: "id,version,client,server,client_key,server_key,client_token,server_token," +
			"subflows,joins_valid,joins_invalid,joins_unverified," +
			"c2s_bytes,s2c_bytes,c2s_sha256,s2c_sha256,c2s_complete,s2c_complete," +
			"reinjected_bytes,c2s_reinjected_bytes,s2c_reinjected_bytes," +
			"checksums,checksums_verified,checksums_failed,checksums_unverifiable," +
			"fallback,fallback_dsn,close,client_state,server_state,findings,errors," +
			"packets,first_packet,last_packet,first_time,last_time,duration_s," +
			"warnings,client_idsn,server_idsn,fallback_reason,mp_fail,fastclose_by,c2s_payload_bytes,s2c_payload_bytes," +
			"c2s_initial_dsn,c2s_data_fin,c2s_data_fin_dsn,c2s_data_ack,c2s_sent_end,c2s_receive_window,c2s_window_edge," +
			"c2s_retransmitted_bytes,c2s_mismatched_bytes,c2s_missing_bytes,c2s_unmapped_bytes,c2s_buffered_bytes,c2s_window_probes," +
			"c2s_checksums_verified,c2s_checksums_failed,c2s_checksums_unverifiable,c2s_fallback,c2s_fallback_dsn," +
			"s2c_initial_dsn,s2c_data_fin,s2c_data_fin_dsn,s2c_data_ack,s2c_sent_end,s2c_receive_window,s2c_window_edge," +
			"s2c_retransmitted_bytes,s2c_mismatched_bytes,s2c_missing_bytes,s2c_unmapped_bytes,s2c_buffered_bytes,s2c_window_probes," +
			"s2c_checksums_verified,s2c_checksums_failed,s2c_checksums_unverifiable,s2c_fallback,s2c_fallback_dsn",
		SubflowsCSV: "connection,id,client,server,role,initiator,token,backup,client_backup,server_backup," +
			"client_address_id,server_address_id,hmac,hmac_synack,hmac_ack,state,reset_by,reset_reason," +
			"packets,c2s_payload_bytes,s2c_payload_bytes,first_packet,last_packet,unlinked,client_nonce,server_nonce",
		FindingsCSV: "code,severity,connection,subflow,count,packets,rfc,message,partial",
		EventsCSV:   "time,packet,connection,subflow,type,side,detail,partial",
	}
	// An empty document still gets its header row, and only that.
	empty := &Document{Connections: []Connection{}, Unlinked: []Subflow{}, Findings: []Finding{}, Events: []Event{}}
	for _, doc := range []*Document{empty, handDocument()} {
		for name, header := range want {
			out := csvOf(t, name, doc)
			first, _, _ := strings.Cut(string(out), "\r\n")
			if first != header {
				t.Errorf("%s header:\n got %s\nwant %s", name, first, header)
			}
			if doc == empty && string(out) != header+"\r\n" {
				t.Errorf("%s of an empty document: %q", name, out)
			}
		}
	}
}

func TestCSVConnectionRows(t *testing.T) {
	doc := handDocument()
	rows := rowMaps(parse(t, csvOf(t, ConnectionsCSV, doc)))
	if len(rows) != len(doc.Connections) {
		t.Fatalf("%d rows for %d connections", len(rows), len(doc.Connections))
	}
	want := map[string]string{
		"id": "1", "version": "1", "client": "[2001:db8::1]:40000", "server": "[2001:db8::2]:443",
		"client_key": "7610dbdd88ee54fe", "server_key": "a5d04306ea113b41", "client_token": "ce6ffa47", "server_token": "0c3d20c5",
		"subflows": "4", "joins_valid": "1", "joins_invalid": "1", "joins_unverified": "1",
		"c2s_bytes": "377725", "s2c_bytes": "355910",
		"c2s_sha256":   "25aa88a0f33c3129624e40c183754184171082eb363c9c5fdb84c6c4638975b7",
		"c2s_complete": "true", "s2c_complete": "false",
		"reinjected_bytes": "1548", "c2s_reinjected_bytes": "1448", "s2c_reinjected_bytes": "100",
		"checksums": "true", "checksums_verified": "70", "checksums_failed": "1", "checksums_unverifiable": "3",
		"fallback": "false", "fallback_dsn": "", "close": "data-fin", "client_state": "M_CLOSED", "server_state": "M_TIME_WAIT",
		"findings": "3", "errors": "2", "warnings": "0",
		"packets": "113", "first_packet": "1", "last_packet": "115",
		"first_time": "2026-11-25T22:29:36.258694123Z", "last_time": "2026-11-25T22:29:36.764055Z", "duration_s": "0.505360877",
		"fallback_reason": "", "fastclose_by": "", "mp_fail": "0", "c2s_payload_bytes": "379173", "s2c_payload_bytes": "356010",
		"c2s_receive_window": "111616", "s2c_receive_window": "", "c2s_data_fin": "true", "s2c_data_fin": "false",
		"c2s_data_fin_dsn": "c29e32b3e8830eea", "s2c_data_fin_dsn": "", "s2c_missing_bytes": "1448", "s2c_window_probes": "1",
		"c2s_checksums_failed": "1", "s2c_checksums_unverifiable": "1",
	}
	for k, v := range want {
		if got, ok := rows[0][k]; !ok || got != v {
			t.Errorf("connection 1 %s = %q, want %q", k, got, v)
		}
	}
	want2 := map[string]string{
		"id": "2", "version": "0", "server_key": "", "server_token": "", "client_key": "0123456789abcdef",
		"subflows": "1", "joins_valid": "0", "fallback": "true", "fallback_reason": "SYN/ACK without MP_CAPABLE",
		"fallback_dsn": "", "c2s_fallback": "true", "c2s_fallback_dsn": "0000000000000001",
		"findings": "1", "errors": "0", "warnings": "1", "checksums": "false",
		"first_time": "2026-11-25T22:29:37Z", "duration_s": "0.0000001", "s2c_bytes": "0",
		"s2c_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	}
	for k, v := range want2 {
		if got := rows[1][k]; got != v {
			t.Errorf("connection 2 %s = %q, want %q", k, got, v)
		}
	}
	// The counters are the Document's, not recomputed.
	for i, c := range doc.Connections {
		for col, n := range map[string]uint64{
			"c2s_bytes": c.C2S.Bytes, "s2c_bytes": c.S2C.Bytes, "packets": c.Packets,
			"first_packet": c.FirstPacket, "last_packet": c.LastPacket,
			"c2s_payload_bytes": c.PayloadBytes.C2S, "s2c_payload_bytes": c.PayloadBytes.S2C,
		} {
			if got := rows[i][col]; got != strconv.FormatUint(n, 10) {
				t.Errorf("connection %d %s = %s, the document has %d", c.ID, col, got, n)
			}
		}
		if d, err := strconv.ParseFloat(rows[i]["duration_s"], 64); err != nil || d != c.Duration {
			t.Errorf("connection %d duration_s = %s, the document has %v", c.ID, rows[i]["duration_s"], c.Duration)
		}
	}
}

func TestCSVSubflowRows(t *testing.T) {
	doc := handDocument()
	rows := rowMaps(parse(t, csvOf(t, SubflowsCSV, doc)))
	if len(rows) != 4+1+1 {
		t.Fatalf("%d subflow rows, want 6", len(rows))
	}
	check := func(i int, want map[string]string) {
		t.Helper()
		for k, v := range want {
			if got, ok := rows[i][k]; !ok || got != v {
				t.Errorf("subflow row %d %s = %q, want %q", i, k, got, v)
			}
		}
	}
	check(0, map[string]string{"connection": "1", "id": "0", "role": "initial", "initiator": "client", "token": "",
		"client_address_id": "", "server_address_id": "", "hmac": "", "hmac_synack": "", "state": "closed",
		"packets": "72", "c2s_payload_bytes": "321585", "s2c_payload_bytes": "228164", "unlinked": "false",
		"client": "[2001:db8::1]:40000"})
	check(1, map[string]string{"connection": "1", "id": "1", "role": "join", "backup": "true", "client_backup": "true",
		"server_backup": "false", "client_address_id": "1", "server_address_id": "0", "hmac": "valid",
		"client_nonce": "f69c7828", "server_nonce": "ec0ea625"})
	check(2, map[string]string{"id": "2", "hmac": "invalid", "hmac_ack": "not-captured", "state": "reset",
		"reset_by": "server", "reset_reason": "administratively prohibited", "c2s_payload_bytes": "0"})
	check(3, map[string]string{"id": "3", "initiator": "server", "client_address_id": "0", "server_address_id": "",
		"server_nonce": "", "hmac": "unverified", "state": "syn-sent"})
	check(4, map[string]string{"connection": "2", "id": "0", "client": "10.1.0.1:36974", "unlinked": "false"})
	check(5, map[string]string{"connection": "0", "id": "1", "role": "join", "initiator": "", "token": "3fc711ea",
		"client_address_id": "1", "server_address_id": "0", "hmac": "unverified", "state": "established",
		"first_packet": "20", "last_packet": "23", "packets": "4", "unlinked": "true"})
}

func TestCSVFindingAndEventRows(t *testing.T) {
	doc := handDocument()
	recs := parse(t, csvOf(t, FindingsCSV, doc))
	wantF := [][]string{
		{"join-hmac-invalid", "error", "1", "2", "2", "17 18", "RFC 8684 §3.2", awkward, ""},
		{"dss-checksum-invalid", "error", "1", "", "1", "30", "RFC 8684 §3.3.1", "DSS checksum mismatch", ""},
		{"join-unknown-token", "warning", "0", "", "1", "20", "RFC 8684 §3.2", doc.Findings[2].Message, "1"},
		{"reinjection", "info", "1", "0", "0", "", "RFC 8684 §3.3.6", "1448 bytes reinjected", ""},
		{"handshake-fallback", "warning", "2", "", "1", "117", "RFC 8684 §3.1", "SYN/ACK without MP_CAPABLE", ""},
	}
	if !reflect.DeepEqual(recs[1:], wantF) {
		t.Errorf("findings.csv rows:\n got %q\nwant %q", recs[1:], wantF)
	}
	recs = parse(t, csvOf(t, EventsCSV, doc))
	wantE := [][]string{
		{"2026-11-25T22:29:36.258694123Z", "3", "1", "0", "subflow-established", "", "initial subflow [2001:db8::1]:40000 → [2001:db8::2]:443", ""},
		{"2026-11-25T22:29:36.2588Z", "4", "1", "0", "add-addr", "server", "the server announces ID 1 = 2001:db8::20", ""},
		{"2026-11-25T22:29:36.7Z", "110", "1", "", "data-fin", "client", "the client ends its data at DSN c29e32b3e8830eea", ""},
	}
	if !reflect.DeepEqual(recs[1:], wantE) {
		t.Errorf("events.csv rows:\n got %q\nwant %q", recs[1:], wantE)
	}
}

// The bytes on disk follow RFC 4180: CRLF line ends, fields with commas,
// quotes or line breaks quoted, quotes doubled; the rest bare.
func TestCSVQuoting(t *testing.T) {
	doc := &Document{Findings: []Finding{{Code: "join-hmac-invalid", Severity: "error", Connection: 1, Subflow: intp(2),
		Packets: []uint64{17, 18}, Count: 2, Message: `a, "b"` + "\nc", RFC: "RFC 8684 §3.2"}}}
	got := string(csvOf(t, FindingsCSV, doc))
	want := "code,severity,connection,subflow,count,packets,rfc,message,partial\r\n" +
		"join-hmac-invalid,error,1,2,2,17 18,RFC 8684 §3.2,\"a, \"\"b\"\"\r\nc\",\r\n"
	if got != want {
		t.Errorf("findings.csv bytes:\n got %q\nwant %q", got, want)
	}
}

// Every file reads back with encoding/csv to exactly the fields written,
// one record per row, all as wide as the header.
func TestCSVRoundTrip(t *testing.T) {
	doc := handDocument()
	wantRows := map[string]int{
		ConnectionsCSV: len(doc.Connections), SubflowsCSV: 6, FindingsCSV: len(doc.Findings), EventsCSV: len(doc.Events),
	}
	for _, w := range writers() {
		data := csvOf(t, w.name, doc)
		if !strings.HasSuffix(string(data), "\r\n") {
			t.Errorf("%s does not end with CRLF", w.name)
		}
		recs := parse(t, data)
		if len(recs)-1 != wantRows[w.name] {
			t.Errorf("%s: %d rows, want %d", w.name, len(recs)-1, wantRows[w.name])
		}
		// Writing the parsed records again gives the same bytes.
		var again bytes.Buffer
		cw := csv.NewWriter(&again)
		cw.UseCRLF = true
		if err := cw.WriteAll(recs); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), data) {
			t.Errorf("%s does not round-trip:\n%q\n%q", w.name, data, again.Bytes())
		}
	}
	recs := parse(t, csvOf(t, FindingsCSV, doc))
	if got := recs[1][7]; got != awkward {
		t.Errorf("message read back as %q, want %q", got, awkward)
	}
}

// The CSV depends only on what the JSON holds: a Document that went
// through --json and back gives the same files, byte for byte.
func TestCSVSameAsJSON(t *testing.T) {
	for _, doc := range []*Document{handDocument(), analyzeFile(t, "basic.pcap"), analyzeFile(t, "faults/mptcproxy_mptcp-v1-join-token.pcap")} {
		var js bytes.Buffer
		if err := WriteJSON(&js, doc); err != nil {
			t.Fatal(err)
		}
		var back Document
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		for _, w := range writers() {
			if a, b := csvOf(t, w.name, doc), csvOf(t, w.name, &back); !bytes.Equal(a, b) {
				t.Errorf("%s: %s differs after a JSON round trip:\n%s\n%s", doc.Capture.File, w.name, a, b)
			}
		}
		checkAgainstJSON(t, doc, js.Bytes())
	}
}

// checkAgainstJSON compares every connections.csv and subflows.csv column
// that copies a JSON field with that field, by name: a column wired to the
// wrong field fails here.
func checkAgainstJSON(t *testing.T, doc *Document, js []byte) {
	t.Helper()
	var raw struct {
		Connections []map[string]any `json:"connections"`
		Unlinked    []map[string]any `json:"unlinked"`
	}
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	str := func(v any) (string, bool) {
		switch v := v.(type) {
		case nil:
			return "", true
		case string:
			return v, true
		case bool:
			return strconv.FormatBool(v), true
		case json.Number:
			return v.String(), true
		}
		return "", false
	}
	derived := map[string]bool{
		"subflows": true, "joins_valid": true, "joins_invalid": true, "joins_unverified": true,
		"reinjected_bytes": true, "checksums_verified": true, "checksums_failed": true, "checksums_unverifiable": true,
		"findings": true, "errors": true, "warnings": true, "duration_s": true,
		"connection": true, "role": true, "unlinked": true,
	}
	// field finds the JSON value a column copies.
	field := func(obj map[string]any, col string) any {
		if v, ok := obj[col]; ok {
			return v
		}
		for _, dir := range []string{"c2s", "s2c"} {
			rest, ok := strings.CutPrefix(col, dir+"_")
			if !ok {
				continue
			}
			if rest == "payload_bytes" {
				return obj["payload_bytes"].(map[string]any)[dir]
			}
			st := obj[dir].(map[string]any)
			if verdict, ok := strings.CutPrefix(rest, "checksums_"); ok {
				return st["checksum"].(map[string]any)[verdict]
			}
			return st[rest]
		}
		return nil // omitted optional
	}
	compare := func(what string, row map[string]string, obj map[string]any) {
		for col, got := range row {
			if derived[col] {
				continue
			}
			want, ok := str(field(obj, col))
			if !ok || got != want {
				t.Errorf("%s: %s %s = %q, JSON has %v", doc.Capture.File, what, col, got, field(obj, col))
			}
		}
	}
	conns := rowMaps(parse(t, csvOf(t, ConnectionsCSV, doc)))
	if len(conns) != len(raw.Connections) {
		t.Fatalf("%d connection rows, JSON has %d", len(conns), len(raw.Connections))
	}
	var subJSON []map[string]any
	for i, c := range raw.Connections {
		compare("connection "+conns[i]["id"], conns[i], c)
		dur, _ := c["duration"].(json.Number).Float64()
		if got, _ := strconv.ParseFloat(conns[i]["duration_s"], 64); got != dur {
			t.Errorf("duration_s %s, JSON has %v", conns[i]["duration_s"], dur)
		}
		for _, s := range c["subflows"].([]any) {
			subJSON = append(subJSON, s.(map[string]any))
		}
	}
	subJSON = append(subJSON, raw.Unlinked...)
	subs := rowMaps(parse(t, csvOf(t, SubflowsCSV, doc)))
	if len(subs) != len(subJSON) {
		t.Fatalf("%d subflow rows, JSON has %d", len(subs), len(subJSON))
	}
	for i, s := range subJSON {
		compare("subflow row "+strconv.Itoa(i), subs[i], s)
	}
}

// analyzeFile runs the analysis on a test capture, as the command does.
func analyzeFile(t *testing.T, name string) *Document {
	t.Helper()
	path := filepath.Join("..", "testdata", "pcaps", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := capture.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(src, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Build(path, res)
}

func TestCSVFromCapture(t *testing.T) {
	doc := analyzeFile(t, "faults/mptcproxy_mptcp-v1-join-token.pcap")
	if len(doc.Unlinked) == 0 {
		t.Fatal("the capture should have an unlinked join")
	}
	subs := rowMaps(parse(t, csvOf(t, SubflowsCSV, doc)))
	last := subs[len(subs)-1]
	if last["unlinked"] != "true" || last["connection"] != "0" || last["role"] != "join" || last["token"] != doc.Unlinked[0].Token {
		t.Errorf("unlinked join row: %v", last)
	}
	conns := rowMaps(parse(t, csvOf(t, ConnectionsCSV, doc)))
	for i, c := range doc.Connections {
		n := 0
		for _, f := range doc.Findings {
			if f.Connection == c.ID {
				n++
			}
		}
		if conns[i]["findings"] != strconv.Itoa(n) {
			t.Errorf("connection %d findings = %s, want %d", c.ID, conns[i]["findings"], n)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	doc := handDocument()
	dir := filepath.Join(t.TempDir(), "out", "csv") // created, parents too
	if err := WriteCSV(dir, doc); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{ConnectionsCSV, EventsCSV, FindingsCSV, SubflowsCSV}; !reflect.DeepEqual(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	for _, w := range writers() {
		got, err := os.ReadFile(filepath.Join(dir, w.name))
		if err != nil {
			t.Fatal(err)
		}
		if want := csvOf(t, w.name, doc); !bytes.Equal(got, want) {
			t.Errorf("%s on disk differs from the writer's output", w.name)
		}
	}
	// Writing again into the same directory replaces the files.
	small := &Document{}
	if err := WriteCSV(dir, small); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, FindingsCSV))
	if string(got) != "code,severity,connection,subflow,count,packets,rfc,message,partial\r\n" {
		t.Errorf("findings.csv not replaced: %q", got)
	}
}

func TestWriteCSVErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(file, handDocument()); err == nil {
		t.Error("WriteCSV into a regular file succeeded")
	}
	if err := WriteCSV(filepath.Join(file, "sub"), handDocument()); err == nil {
		t.Error("WriteCSV below a regular file succeeded")
	}
	// A file that cannot be created (a directory is in the way).
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, SubflowsCSV), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteCSV(dir, handDocument())
	if err == nil || !strings.Contains(err.Error(), SubflowsCSV) {
		t.Errorf("WriteCSV with subflows.csv a directory: %v", err)
	}
	if err := WriteCSV(t.TempDir(), nil); err == nil {
		t.Error("WriteCSV of a nil document succeeded")
	}
	// Writer errors come back from every per-file writer.
	boom := errors.New("disk full")
	for _, w := range []func(*failWriter, *Document) error{
		func(fw *failWriter, d *Document) error { return WriteConnectionsCSV(fw, d) },
		func(fw *failWriter, d *Document) error { return WriteSubflowsCSV(fw, d) },
		func(fw *failWriter, d *Document) error { return WriteFindingsCSV(fw, d) },
		func(fw *failWriter, d *Document) error { return WriteEventsCSV(fw, d) },
	} {
		if err := w(&failWriter{err: boom}, handDocument()); !errors.Is(err, boom) {
			t.Errorf("write error: got %v, want %v", err, boom)
		}
	}
}

type failWriter struct{ err error }

func (f *failWriter) Write([]byte) (int, error) { return 0, f.err }
