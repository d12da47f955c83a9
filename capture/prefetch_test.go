package capture

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"
)

// fakeSource yields n records whose bytes and sizes derive from their
// number (one larger than an arena), reusing one buffer as real readers
// do, then err.
type fakeSource struct {
	n, i int
	buf  []byte
	err  error
}

func fakeSize(i int) int {
	if i == 1500 {
		return prefetchArena + 12345
	}
	return (i * 7919) % 3000
}

func fakeRecord(i int, buf []byte) []byte {
	buf = buf[:0]
	for k := range fakeSize(i) {
		buf = append(buf, byte(i+k))
	}
	return buf
}

func (f *fakeSource) Next(rec *Record) error {
	if f.i == f.n {
		return f.err
	}
	f.i++
	f.buf = fakeRecord(f.i, f.buf)
	*rec = Record{Number: uint64(f.i), Time: time.Unix(int64(f.i), 0), Interface: f.i % 3, Data: f.buf, CaptureLength: len(f.buf), Length: len(f.buf) + 1}
	return nil
}

// Every record comes out as the source gave it, in order, then the
// source's error, again on every later call.
func TestPrefetchKeepsRecordsAndError(t *testing.T) {
	boom := errors.New("damaged record")
	p := Prefetch(&fakeSource{n: 5000, err: boom})
	defer p.Close()
	var rec Record
	var want []byte
	for i := 1; i <= 5000; i++ {
		if err := p.Next(&rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		want = fakeRecord(i, want)
		if rec.Number != uint64(i) || rec.Time.Unix() != int64(i) || rec.Interface != i%3 || rec.Length != len(want)+1 || !bytes.Equal(rec.Data, want) {
			t.Fatalf("record %d: number %d, %d bytes (want %d)", i, rec.Number, len(rec.Data), len(want))
		}
	}
	for range 2 {
		if err := p.Next(&rec); err != boom {
			t.Fatalf("after the last record: %v", err)
		}
	}
}

// Closing before the end stops the reading goroutine.
func TestPrefetchCloseEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	p := Prefetch(&fakeSource{n: 1 << 30})
	var rec Record
	for range 10 {
		if err := p.Next(&rec); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
}
