package capture

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/packetcap/go-pcap/filter"
	"golang.org/x/net/bpf"
)

// ErrTimeout is returned by Live.Next when no packet arrived within the
// poll interval: the caller may do other work (serve a UI, check for a
// stop) and call Next again.
var ErrTimeout = errors.New("no packet within the poll interval")

// ErrClosed is returned by Live.Next after Close.
var ErrClosed = errors.New("live capture closed")

// ErrInterfaceGone is returned by Live.Next when the interface being
// captured was removed (or replaced by another of the same name): the
// capture cannot go on.
var ErrInterfaceGone = errors.New("the interface disappeared")

// ErrInterfaceDown is returned by Live.Next, once, when the interface being
// captured goes down. The capture goes on: frames come again when it is
// brought back up.
var ErrInterfaceDown = errors.New("the interface went down")

// linkCheckEvery is how often, while no frame arrives, Next checks that a
// single captured interface still exists and is up.
const linkCheckEvery = time.Second

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string // "" or "any": every interface
	Filter    string // capture filter in tcpdump syntax ("" for none)
	SnapLen   int    // bytes kept per frame; 0 means 262144
	Poll      time.Duration
}

// ParseFilter compiles a tcpdump-syntax capture filter to classic BPF for
// Ethernet frames, with github.com/packetcap/go-pcap/filter.
func ParseFilter(expr string) (prog []bpf.Instruction, err error) {
	defer func() {
		if r := recover(); r != nil { // the parser must not take the program down
			prog, err = nil, fmt.Errorf("capture filter %q: %v", expr, r)
		}
	}()
	if err := checkFilter(expr); err != nil {
		return nil, fmt.Errorf("capture filter %q: %w", expr, err)
	}
	f := filter.NewExpression(expr).Compile()
	if f == nil {
		return nil, fmt.Errorf("capture filter %q: cannot parse", expr)
	}
	prog, err = f.Compile()
	if err != nil {
		return nil, fmt.Errorf("capture filter %q: %w", expr, err)
	}
	if len(prog) == 0 {
		return nil, fmt.Errorf("capture filter %q: empty program", expr)
	}
	return prog, nil
}

// checkFilter catches the mistakes the compiler lets through: a keyword
// without its value, or a port out of range.
func checkFilter(expr string) error {
	words := strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(expr))
	for i, w := range words {
		switch w {
		case "port", "host", "net", "portrange":
			if i+1 == len(words) {
				return fmt.Errorf("%q needs a value", w)
			}
			if w == "port" {
				if n, err := strconv.Atoi(words[i+1]); err == nil && (n < 0 || n > 65535) {
					return fmt.Errorf("port %d out of range", n)
				}
			}
		}
	}
	return nil
}

// Stats are the kernel's counters for the capture so far.
type Stats struct {
	Received uint64 // frames the socket received (before our filter)
	Dropped  uint64 // frames the kernel dropped: the ring was full
}
