package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The CSV files are flat views of the same Document the JSON prints: every
// field is taken from it, never recomputed from the analysis, so the two
// outputs always agree. Their columns are documented in docs/csv.md; new
// columns are only ever appended.

// The files WriteCSV writes.
const (
	ConnectionsCSV = "connections.csv"
	SubflowsCSV    = "subflows.csv"
	FindingsCSV    = "findings.csv"
	EventsCSV      = "events.csv"
)

// WriteCSV writes connections.csv, subflows.csv, findings.csv and
// events.csv into dir (created if missing), from doc. Numbers are exact (no
// human units), times RFC 3339 with nanoseconds (UTC), booleans true/false,
// hex values as in the JSON. The columns are stable and documented in
// docs/csv.md. It returns the first error.
func WriteCSV(dir string, doc *Document) error {
	if doc == nil {
		return errors.New("csv: no document")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer, *Document) error
	}{
		{ConnectionsCSV, WriteConnectionsCSV},
		{SubflowsCSV, WriteSubflowsCSV},
		{FindingsCSV, WriteFindingsCSV},
		{EventsCSV, WriteEventsCSV},
	} {
		if err := writeCSVFile(filepath.Join(dir, f.name), doc, f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeCSVFile(path string, doc *Document, write func(io.Writer, *Document) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f, doc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var pe *os.PathError
		if !errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", path, err)
		}
	}
	return err
}

// column is one CSV column: its header and how a row fills it.
type column[T any] struct {
	name  string
	value func(T) string
}

// writeTable writes the header row, then one record per row, as RFC 4180
// CSV (CRLF line ends, fields quoted when needed).
func writeTable[T any](w io.Writer, cols []column[T], rows []T) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, r := range rows {
		for i, c := range cols {
			rec[i] = c.value(r)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Field formatting: exact numbers, true/false, empty for absent optionals.
func csvUint(v uint64) string { return strconv.FormatUint(v, 10) }
func csvInt(v int) string     { return strconv.Itoa(v) }
func csvBool(v bool) string   { return strconv.FormatBool(v) }

// csvFloat prints the shortest decimal that reads back as v, without an
// exponent (the JSON may print very small durations as 1e-07).
func csvFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func csvOptInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func csvOptUint(v *uint64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatUint(*v, 10)
}

// connRow is a connection with the counts that span the document.
type connRow struct {
	c                          *Connection
	findings, errors, warnings int
}

func (r connRow) joins(hmac string) int {
	n := 0
	for _, sf := range r.c.Subflows {
		if sf.Join && sf.HMAC == hmac {
			n++
		}
	}
	return n
}

// streamColumns are the per-direction columns appended to connections.csv,
// prefixed c2s_ or s2c_.
func streamColumns(prefix string, s func(*Connection) *Stream) []column[connRow] {
	cols := []column[connRow]{
		{"initial_dsn", func(r connRow) string { return s(r.c).InitialDSN }},
		{"data_fin", func(r connRow) string { return csvBool(s(r.c).DataFIN) }},
		{"data_fin_dsn", func(r connRow) string { return s(r.c).DataFINDSN }},
		{"data_ack", func(r connRow) string { return s(r.c).DataACK }},
		{"sent_end", func(r connRow) string { return s(r.c).SentEnd }},
		{"receive_window", func(r connRow) string { return csvOptUint(s(r.c).ReceiveWindow) }},
		{"window_edge", func(r connRow) string { return s(r.c).WindowEdge }},
		{"retransmitted_bytes", func(r connRow) string { return csvUint(s(r.c).RetransmittedBytes) }},
		{"mismatched_bytes", func(r connRow) string { return csvUint(s(r.c).MismatchedBytes) }},
		{"missing_bytes", func(r connRow) string { return csvUint(s(r.c).MissingBytes) }},
		{"unmapped_bytes", func(r connRow) string { return csvUint(s(r.c).UnmappedBytes) }},
		{"buffered_bytes", func(r connRow) string { return csvInt(s(r.c).BufferedBytes) }},
		{"window_probes", func(r connRow) string { return csvInt(s(r.c).WindowProbes) }},
		{"checksums_verified", func(r connRow) string { return csvInt(s(r.c).Checksum.Verified) }},
		{"checksums_failed", func(r connRow) string { return csvInt(s(r.c).Checksum.Failed) }},
		{"checksums_unverifiable", func(r connRow) string { return csvInt(s(r.c).Checksum.Unverifiable) }},
		{"fallback", func(r connRow) string { return csvBool(s(r.c).Fallback) }},
		{"fallback_dsn", func(r connRow) string { return s(r.c).FallbackDSN }},
	}
	for i := range cols {
		cols[i].name = prefix + cols[i].name
	}
	return cols
}

func c2s(c *Connection) *Stream { return &c.C2S }
func s2c(c *Connection) *Stream { return &c.S2C }

var connectionColumns = concat(
	[]column[connRow]{
		{"id", func(r connRow) string { return csvInt(r.c.ID) }},
		{"version", func(r connRow) string { return csvInt(r.c.Version) }},
		{"client", func(r connRow) string { return r.c.Client }},
		{"server", func(r connRow) string { return r.c.Server }},
		{"client_key", func(r connRow) string { return r.c.ClientKey }},
		{"server_key", func(r connRow) string { return r.c.ServerKey }},
		{"client_token", func(r connRow) string { return r.c.ClientToken }},
		{"server_token", func(r connRow) string { return r.c.ServerToken }},
		{"subflows", func(r connRow) string { return csvInt(len(r.c.Subflows)) }},
		{"joins_valid", func(r connRow) string { return csvInt(r.joins("valid")) }},
		{"joins_invalid", func(r connRow) string { return csvInt(r.joins("invalid")) }},
		{"joins_unverified", func(r connRow) string { return csvInt(r.joins("unverified")) }},
		{"c2s_bytes", func(r connRow) string { return csvUint(r.c.C2S.Bytes) }},
		{"s2c_bytes", func(r connRow) string { return csvUint(r.c.S2C.Bytes) }},
		{"c2s_sha256", func(r connRow) string { return r.c.C2S.SHA256 }},
		{"s2c_sha256", func(r connRow) string { return r.c.S2C.SHA256 }},
		{"c2s_complete", func(r connRow) string { return csvBool(r.c.C2S.Complete) }},
		{"s2c_complete", func(r connRow) string { return csvBool(r.c.S2C.Complete) }},
		{"reinjected_bytes", func(r connRow) string { return csvUint(r.c.C2S.ReinjectedBytes + r.c.S2C.ReinjectedBytes) }},
		{"c2s_reinjected_bytes", func(r connRow) string { return csvUint(r.c.C2S.ReinjectedBytes) }},
		{"s2c_reinjected_bytes", func(r connRow) string { return csvUint(r.c.S2C.ReinjectedBytes) }},
		{"checksums", func(r connRow) string { return csvBool(r.c.Checksums) }},
		{"checksums_verified", func(r connRow) string { return csvInt(r.c.C2S.Checksum.Verified + r.c.S2C.Checksum.Verified) }},
		{"checksums_failed", func(r connRow) string { return csvInt(r.c.C2S.Checksum.Failed + r.c.S2C.Checksum.Failed) }},
		{"checksums_unverifiable", func(r connRow) string {
			return csvInt(r.c.C2S.Checksum.Unverifiable + r.c.S2C.Checksum.Unverifiable)
		}},
		{"fallback", func(r connRow) string { return csvBool(r.c.Fallback) }},
		{"fallback_dsn", func(r connRow) string { return r.c.FallbackDSN }},
		{"close", func(r connRow) string { return r.c.Close }},
		{"client_state", func(r connRow) string { return r.c.ClientState }},
		{"server_state", func(r connRow) string { return r.c.ServerState }},
		{"findings", func(r connRow) string { return csvInt(r.findings) }},
		{"errors", func(r connRow) string { return csvInt(r.errors) }},
		{"packets", func(r connRow) string { return csvUint(r.c.Packets) }},
		{"first_packet", func(r connRow) string { return csvUint(r.c.FirstPacket) }},
		{"last_packet", func(r connRow) string { return csvUint(r.c.LastPacket) }},
		{"first_time", func(r connRow) string { return r.c.FirstTime }},
		{"last_time", func(r connRow) string { return r.c.LastTime }},
		{"duration_s", func(r connRow) string { return csvFloat(r.c.Duration) }},
		// Appended after the base set.
		{"warnings", func(r connRow) string { return csvInt(r.warnings) }},
		{"client_idsn", func(r connRow) string { return r.c.ClientIDSN }},
		{"server_idsn", func(r connRow) string { return r.c.ServerIDSN }},
		{"fallback_reason", func(r connRow) string { return r.c.FallbackReason }},
		{"mp_fail", func(r connRow) string { return csvInt(r.c.MPFail) }},
		{"fastclose_by", func(r connRow) string { return r.c.FastCloseBy }},
		{"c2s_payload_bytes", func(r connRow) string { return csvUint(r.c.PayloadBytes.C2S) }},
		{"s2c_payload_bytes", func(r connRow) string { return csvUint(r.c.PayloadBytes.S2C) }},
	},
	streamColumns("c2s_", c2s),
	streamColumns("s2c_", s2c),
)

func concat[T any](parts ...[]column[T]) []column[T] {
	var out []column[T]
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// WriteConnectionsCSV writes connections.csv: one row per connection of
// doc, in the JSON's order. The findings, errors and warnings columns count
// doc.Findings as they are (after any --severity/--code filter).
func WriteConnectionsCSV(w io.Writer, doc *Document) error {
	type counts struct{ findings, errors, warnings int }
	byConn := map[int]*counts{}
	for _, f := range doc.Findings {
		n := byConn[f.Connection]
		if n == nil {
			n = &counts{}
			byConn[f.Connection] = n
		}
		n.findings++
		switch f.Severity {
		case "error":
			n.errors++
		case "warning":
			n.warnings++
		}
	}
	rows := make([]connRow, len(doc.Connections))
	for i := range doc.Connections {
		c := &doc.Connections[i]
		rows[i].c = c
		if n := byConn[c.ID]; n != nil {
			rows[i].findings, rows[i].errors, rows[i].warnings = n.findings, n.errors, n.warnings
		}
	}
	return writeTable(w, connectionColumns, rows)
}

// subflowRow is a subflow with the connection it belongs to (0 for an
// unlinked join).
type subflowRow struct {
	conn     int
	sf       *Subflow
	unlinked bool
}

var subflowColumns = []column[subflowRow]{
	{"connection", func(r subflowRow) string { return csvInt(r.conn) }},
	{"id", func(r subflowRow) string { return csvInt(r.sf.ID) }},
	{"client", func(r subflowRow) string { return r.sf.Client }},
	{"server", func(r subflowRow) string { return r.sf.Server }},
	{"role", func(r subflowRow) string {
		if r.sf.Join {
			return "join"
		}
		return "initial"
	}},
	{"initiator", func(r subflowRow) string { return r.sf.Initiator }},
	{"token", func(r subflowRow) string { return r.sf.Token }},
	{"backup", func(r subflowRow) string { return csvBool(r.sf.Backup) }},
	{"client_backup", func(r subflowRow) string { return csvBool(r.sf.ClientBackup) }},
	{"server_backup", func(r subflowRow) string { return csvBool(r.sf.ServerBackup) }},
	{"client_address_id", func(r subflowRow) string { return csvOptInt(r.sf.ClientAddressID) }},
	{"server_address_id", func(r subflowRow) string { return csvOptInt(r.sf.ServerAddressID) }},
	{"hmac", func(r subflowRow) string { return r.sf.HMAC }},
	{"hmac_synack", func(r subflowRow) string { return r.sf.HMACSynAck }},
	{"hmac_ack", func(r subflowRow) string { return r.sf.HMACAck }},
	{"state", func(r subflowRow) string { return r.sf.State }},
	{"reset_by", func(r subflowRow) string { return r.sf.ResetBy }},
	{"reset_reason", func(r subflowRow) string { return r.sf.ResetReason }},
	{"packets", func(r subflowRow) string { return csvUint(r.sf.Packets) }},
	{"c2s_payload_bytes", func(r subflowRow) string { return csvUint(r.sf.PayloadBytes.C2S) }},
	{"s2c_payload_bytes", func(r subflowRow) string { return csvUint(r.sf.PayloadBytes.S2C) }},
	{"first_packet", func(r subflowRow) string { return csvUint(r.sf.FirstPacket) }},
	{"last_packet", func(r subflowRow) string { return csvUint(r.sf.LastPacket) }},
	{"unlinked", func(r subflowRow) string { return csvBool(r.unlinked) }},
	// Appended after the base set.
	{"client_nonce", func(r subflowRow) string { return r.sf.ClientNonce }},
	{"server_nonce", func(r subflowRow) string { return r.sf.ServerNonce }},
}

// WriteSubflowsCSV writes subflows.csv: the subflows of every connection,
// connection by connection, then the unlinked joins (connection 0,
// unlinked true).
func WriteSubflowsCSV(w io.Writer, doc *Document) error {
	var rows []subflowRow
	for i := range doc.Connections {
		c := &doc.Connections[i]
		for j := range c.Subflows {
			rows = append(rows, subflowRow{conn: c.ID, sf: &c.Subflows[j]})
		}
	}
	for j := range doc.Unlinked {
		rows = append(rows, subflowRow{sf: &doc.Unlinked[j], unlinked: true})
	}
	return writeTable(w, subflowColumns, rows)
}

var findingColumns = []column[*Finding]{
	{"code", func(f *Finding) string { return f.Code }},
	{"severity", func(f *Finding) string { return f.Severity }},
	{"connection", func(f *Finding) string { return csvInt(f.Connection) }},
	{"subflow", func(f *Finding) string { return csvOptInt(f.Subflow) }},
	{"count", func(f *Finding) string { return csvInt(f.Count) }},
	{"packets", func(f *Finding) string {
		s := make([]string, len(f.Packets))
		for i, p := range f.Packets {
			s[i] = csvUint(p)
		}
		return strings.Join(s, " ")
	}},
	{"rfc", func(f *Finding) string { return f.RFC }},
	{"message", func(f *Finding) string { return f.Message }},
	{"partial", func(f *Finding) string { return csvID(f.Partial) }},
}

// WriteFindingsCSV writes findings.csv: one row per finding of doc, in the
// JSON's order.
func WriteFindingsCSV(w io.Writer, doc *Document) error {
	rows := make([]*Finding, len(doc.Findings))
	for i := range doc.Findings {
		rows[i] = &doc.Findings[i]
	}
	return writeTable(w, findingColumns, rows)
}

var eventColumns = []column[*Event]{
	{"time", func(e *Event) string { return e.Time }},
	{"packet", func(e *Event) string { return csvUint(e.Packet) }},
	{"connection", func(e *Event) string { return csvInt(e.Connection) }},
	{"subflow", func(e *Event) string { return csvOptInt(e.Subflow) }},
	{"type", func(e *Event) string { return e.Type }},
	{"side", func(e *Event) string { return e.Side }},
	{"detail", func(e *Event) string { return e.Detail }},
	{"partial", func(e *Event) string { return csvID(e.Partial) }},
}

// WriteEventsCSV writes events.csv: the timeline of doc, in capture order.
// Like the JSON it holds at most analyze.MaxTimelineEvents rows, the most
// recent ones; doc.EventsDropped counts the older ones left out.
func WriteEventsCSV(w io.Writer, doc *Document) error {
	rows := make([]*Event, len(doc.Events))
	for i := range doc.Events {
		rows[i] = &doc.Events[i]
	}
	return writeTable(w, eventColumns, rows)
}

// csvID writes an id, empty when 0 (none).
func csvID(id int) string {
	if id == 0 {
		return ""
	}
	return csvInt(id)
}
