package analyze

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mptcpdump/mptcpdump/reassembly"
)

// StreamFiles writes each connection's data-level streams to
// DIR/conn-<id>-c2s.bin and DIR/conn-<id>-s2c.bin. The first error is kept
// (a full disk must not stop the analysis) and reported by Err.
type StreamFiles struct {
	Dir string
	err error
}

// StreamName returns the file name of connection id's stream sent by s.
func StreamName(id int, s reassembly.Side) string {
	dir := "c2s"
	if s == reassembly.Server {
		dir = "s2c"
	}
	return fmt.Sprintf("conn-%d-%s.bin", id, dir)
}

// Sink is a reassembly.SinkFactory creating the files as streams start.
// A partial connection's are partial-<id>-c2s.bin and -s2c.bin.
func (f *StreamFiles) Sink(c *reassembly.Connection, s reassembly.Side) io.Writer {
	name := StreamName(c.ID, s)
	if c.Partial {
		name = "partial-" + strings.TrimPrefix(name, "conn-")
	}
	file, err := os.Create(filepath.Join(f.Dir, name))
	if err != nil {
		f.fail(err)
		return nil
	}
	return &fileSink{f: file, owner: f}
}

// Complete creates an empty file for every stream that carried no byte, so
// that each connection has both files.
func (f *StreamFiles) Complete(conns []*reassembly.Connection) {
	for _, c := range conns {
		for _, s := range []reassembly.Side{reassembly.Client, reassembly.Server} {
			p := filepath.Join(f.Dir, StreamName(c.ID, s))
			if _, err := os.Stat(p); err == nil {
				continue
			}
			file, err := os.Create(p)
			if err != nil {
				f.fail(err)
				continue
			}
			f.fail(file.Close())
		}
	}
}

// Err returns the first error met while writing.
func (f *StreamFiles) Err() error { return f.err }

func (f *StreamFiles) fail(err error) {
	if f.err == nil && err != nil {
		f.err = err
	}
}

type fileSink struct {
	f     *os.File
	owner *StreamFiles
	dead  bool
}

func (s *fileSink) Write(p []byte) (int, error) {
	if s.dead {
		return len(p), nil
	}
	if _, err := s.f.Write(p); err != nil {
		s.owner.fail(err)
		s.dead = true
	}
	return len(p), nil
}

func (s *fileSink) Close() error {
	err := s.f.Close()
	s.owner.fail(err)
	return err
}
