//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/internal/lab"
	"github.com/mptcpdump/mptcpdump/report"
)

// buildBinary builds mptcpdump once for the tests that run it as a user
// would, inside a network namespace or a terminal.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mptcpdump")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func needLab(t *testing.T) {
	t.Helper()
	if err := lab.Available(); err != nil {
		t.Skipf("live capture tests need root, network namespaces and MPTCP: %v", err)
	}
}

// syncBuffer is a bytes.Buffer a running command writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitListening waits until mptcpdump says its capture is open, so that
// the traffic a test makes next is seen however slowly the machine starts
// it.
func waitListening(stderr *syncBuffer) error {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(stderr.String(), "listening on") {
			return nil
		}
	}
	return fmt.Errorf("mptcpdump did not start listening: %s", stderr.String())
}

// paced is a transfer long enough to watch: two links, a join, data
// flowing for about two seconds.
func paced(name string) lab.Scenario {
	return lab.Scenario{Name: name, Links: 2, ClientSubflows: true, Bytes: 400_000, ServerBytes: 200_000,
		Chunk: 8 << 10, Pause: 30 * time.Millisecond}
}

// mptcpdump -i any --json in the server's namespace, ended by SIGINT after
// the transfer, reports the connection with both subflows and a valid
// join, and the streams the applications exchanged.
func TestLiveCaptureJSON(t *testing.T) {
	needLab(t)
	bin := buildBinary(t)
	var stdout bytes.Buffer
	var stderr syncBuffer
	var cmd *exec.Cmd
	saved := filepath.Join(t.TempDir(), "live.pcapng")
	sc := paced("live")
	sc.During = func(ctx context.Context, ns string) (func() error, error) {
		cmd = exec.Command("ip", "netns", "exec", ns, bin, "-i", "any", "-w", saved, "--json", "tcp")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		if err := waitListening(&stderr); err != nil {
			cmd.Process.Kill()
			return nil, err
		}
		return func() error {
			cmd.Process.Signal(syscall.SIGINT)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				return err
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				return errors.New("mptcpdump did not stop on SIGINT")
			}
		}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := lab.Run(ctx, t.TempDir(), sc)
	if err != nil {
		t.Fatalf("lab: %v (mptcpdump stderr: %s)", err, stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if len(doc.Connections) != 1 {
		t.Fatalf("%d connections", len(doc.Connections))
	}
	c := doc.Connections[0]
	want := res.Manifest.Client[0]
	if c.Client != want.Local.String() || len(c.Subflows) != 2 || c.Subflows[1].HMAC != "valid" {
		t.Errorf("connection %s (want %s), %d subflows, join hmac %q", c.Client, want.Local, len(c.Subflows), c.Subflows[len(c.Subflows)-1].HMAC)
	}
	if c.C2S.SHA256 != want.Sent.SHA256 || c.S2C.SHA256 != want.Received.SHA256 {
		t.Errorf("streams: c2s %d bytes %s, s2c %d bytes %s; applications: %s, %s", c.C2S.Bytes, c.C2S.SHA256, c.S2C.Bytes, c.S2C.SHA256, want.Sent.SHA256, want.Received.SHA256)
	}
	if doc.Capture.Interface != "any" || doc.Capture.Filter != "tcp" || doc.Capture.KernelDropped == nil || *doc.Capture.KernelDropped != 0 {
		t.Errorf("capture %+v", doc.Capture)
	}
	// -w saved what was captured: the file analyzes to the same connection.
	again := runJSON(t, nil, "-r", saved)
	if len(again.Connections) != 1 || again.Connections[0].C2S.SHA256 != c.C2S.SHA256 || *doc.Capture.Written != again.Capture.Frames {
		t.Errorf("-w file: %d connections, %d frames (live wrote %d)", len(again.Connections), again.Capture.Frames, *doc.Capture.Written)
	}
}

// The terminal UI, as a person sees it in tmux: it shows the connection's
// client while the transfer runs, the screen changes as bytes flow, and q
// quits, restoring the terminal.
func TestLiveTUIInTmux(t *testing.T) {
	needLab(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := buildBinary(t)
	session := fmt.Sprintf("mptcpdump-test-%d", os.Getpid())
	pane := func() string {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", session).Output()
		return string(out)
	}
	alive := func() bool { return exec.Command("tmux", "has-session", "-t", session).Run() == nil }
	var screens []string
	sc := paced("tui")
	sc.During = func(ctx context.Context, ns string) (func() error, error) {
		err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "180", "-y", "45",
			"ip netns exec "+ns+" "+bin+" -i any --tui").Run()
		if err != nil {
			return nil, fmt.Errorf("tmux: %w", err)
		}
		// The UI is drawn once the capture is open: wait for it, however
		// slowly the machine starts it, before the traffic begins.
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(pane(), "Connections"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("the UI did not appear; screen:\n%s", pane())
			}
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { // watch the screen while the traffic flows
			defer close(done)
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
					screens = append(screens, pane())
				}
			}
		}()
		return func() error {
			close(stop)
			<-done
			return nil
		}, nil
	}
	defer exec.Command("tmux", "kill-session", "-t", session).Run()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := lab.Run(ctx, t.TempDir(), sc)
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	client := res.Manifest.Client[0].Local.String()
	seen, changed := false, false
	for i, s := range screens {
		if strings.Contains(s, client) {
			seen = true
			if i > 0 && strings.Contains(screens[i-1], client) && s != screens[i-1] {
				changed = true
			}
		}
	}
	if !seen || !changed {
		t.Errorf("the UI showed the client %s: %v, changed while bytes flowed: %v; last screen:\n%s", client, seen, changed, screens[len(screens)-1])
	}
	exec.Command("tmux", "send-keys", "-t", session, "q").Run()
	deadline := time.Now().Add(5 * time.Second)
	for alive() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive() {
		t.Errorf("q did not quit; screen:\n%s", pane())
	}
}

// Faults of a live capture are reported, never fatal: -w on a full disk
// (/dev/full) keeps the analysis going and reports the write error; the
// interface going down is a warning and the capture goes on; the interface
// being deleted ends the capture on its own with the report of what was
// seen, exit status 0.
func TestLiveCaptureFaults(t *testing.T) {
	needLab(t)
	bin := buildBinary(t)
	ns := fmt.Sprintf("mptcpdump-faults-%d", os.Getpid())
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", ns)
	defer exec.Command("ip", "netns", "del", ns).Run()
	ip("-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	ip("-n", ns, "addr", "add", "10.9.0.1/24", "dev", "va")
	ip("-n", ns, "link", "set", "va", "up")
	ip("-n", ns, "link", "set", "vb", "up")

	var stdout bytes.Buffer
	var stderr syncBuffer
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "-i", "va", "-w", "/dev/full", "--json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := waitListening(&stderr); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	// Frames to capture (and fail to save): ARP for an absent neighbour.
	exec.Command("ip", "netns", "exec", ns, "timeout", "1", "bash", "-c", "echo > /dev/tcp/10.9.0.9/80").Run()
	ip("-n", ns, "link", "set", "va", "down")
	time.Sleep(2 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("the capture ended when its interface went down: %v\n%s", err, stderr.String())
	default:
	}
	ip("-n", ns, "link", "del", "va")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the capture did not end when its interface was deleted")
	}
	var doc report.Document
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	c := doc.Capture
	if c.Warning != "the interface went down; the interface disappeared" {
		t.Errorf("warning %q", c.Warning)
	}
	if c.Frames == 0 || c.Written == nil || *c.Written != 0 || !strings.Contains(c.WriteError, "no space left on device") {
		t.Errorf("frames %d, written %v, write error %q", c.Frames, c.Written, c.WriteError)
	}
	if !strings.Contains(stderr.String(), "warning: writing /dev/full:") || !strings.Contains(stderr.String(), "warning: va: the interface went down") {
		t.Errorf("stderr: %s", stderr.String())
	}
}
