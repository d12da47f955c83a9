package capture

import (
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// Writer saves records to a pcapng file, one interface block per
// interface index seen (each with its own link type), as a live capture
// with -w needs. The first write error is kept and later records are
// dropped: a full disk must not stop the analysis, and is reported by Err.
type Writer struct {
	out    io.Writer
	ng     *pcapgo.NgWriter
	ifaces map[int]int // capture interface index → pcapng interface id
	names  func(int) string
	err    error
	n      uint64 // records handed to the file
	saved  uint64 // of those, records flushed to it without error
}

// NewWriter writes to out; names gives interface names (may be nil).
func NewWriter(out io.Writer, names func(int) string) *Writer {
	return &Writer{out: out, ifaces: map[int]int{}, names: names}
}

// Write appends one record.
func (w *Writer) Write(rec *Record) {
	if w.err != nil {
		return
	}
	id, ok := w.ifaces[rec.Interface]
	if !ok {
		name := fmt.Sprintf("if%d", rec.Interface)
		if w.names != nil {
			if n := w.names(rec.Interface); n != "" {
				name = n
			}
		}
		intf := pcapgo.NgInterface{Name: name, LinkType: rec.LinkType, SnapLength: 262144, TimestampResolution: 9}
		if w.ng == nil {
			w.ng, w.err = pcapgo.NewNgWriterInterface(w.out, intf, pcapgo.NgWriterOptions{})
			id = 0
		} else {
			id, w.err = w.ng.AddInterface(intf)
		}
		if w.err != nil {
			return
		}
		w.ifaces[rec.Interface] = id
	}
	ci := gopacket.CaptureInfo{Timestamp: rec.Time, CaptureLength: len(rec.Data), Length: rec.Length, InterfaceIndex: id}
	if w.err = w.ng.WritePacket(ci, rec.Data); w.err == nil {
		w.n++
	}
}

// Flush pushes buffered records to the file. A live capture calls it
// every second, so that a full disk is noticed while it happens.
func (w *Writer) Flush() error {
	if w.ng != nil && w.err == nil {
		if w.err = w.ng.Flush(); w.err == nil {
			w.saved = w.n
		}
	}
	return w.err
}

// Close flushes what was written.
func (w *Writer) Close() error { return w.Flush() }

// Err returns the first write error.
func (w *Writer) Err() error { return w.err }

// Written returns how many records reached the file: those flushed
// before the first write error.
func (w *Writer) Written() uint64 { return w.saved }
