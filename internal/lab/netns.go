//go:build linux

package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// netnsDir is where `ip netns add` mounts named namespaces.
const netnsDir = "/var/run/netns"

// netns is a named network namespace created with `ip netns add`.
type netns string

// uniqueName returns a namespace name that no other run, in this or another
// process, uses: the prefix, the process id and a random nonce.
func uniqueName(prefix string) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random namespace name: %w", err)
	}
	return fmt.Sprintf("%s-%d-%s", prefix, os.Getpid(), hex.EncodeToString(b[:])), nil
}

// addNetns creates a named network namespace.
func addNetns(ctx context.Context, name string) (netns, error) {
	if _, err := run(ctx, "ip", "netns", "add", name); err != nil {
		return "", err
	}
	return netns(name), nil
}

// del deletes the namespace; its interfaces go with it.
func (n netns) del(ctx context.Context) error {
	_, err := run(ctx, "ip", "netns", "del", string(n))
	return err
}

// ip runs `ip -n NS args...`.
func (n netns) ip(ctx context.Context, args ...string) error {
	_, err := run(ctx, "ip", append([]string{"-n", string(n)}, args...)...)
	return err
}

// tc runs `tc -n NS args...`.
func (n netns) tc(ctx context.Context, args ...string) error {
	_, err := run(ctx, "tc", append([]string{"-n", string(n)}, args...)...)
	return err
}

// do runs fn on a fresh OS thread that has joined the namespace, and
// returns fn's error. Sockets fn opens belong to the namespace for good and
// may be used from any goroutine afterwards. The thread is never handed
// back to the Go scheduler: it ends with the goroutine, so no other
// goroutine ever runs in the namespace by accident.
func (n netns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		f, err := os.Open(filepath.Join(netnsDir, string(n)))
		if err != nil {
			errc <- fmt.Errorf("open namespace %s: %w", n, err)
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			errc <- fmt.Errorf("enter namespace %s: %w", n, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// sysctl writes value to /proc/sys/KEY (dots as slashes) in the namespace.
func (n netns) sysctl(key, value string) error {
	return n.do(func() error {
		p := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
		if err := os.WriteFile(p, []byte(value), 0); err != nil {
			return fmt.Errorf("sysctl %s=%s in %s: %w", key, value, n, err)
		}
		return nil
	})
}

// readSysctl reads /proc/sys/KEY in the namespace.
func (n netns) readSysctl(key string) (string, error) {
	var v string
	err := n.do(func() error {
		b, err := os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/")))
		if err != nil {
			return fmt.Errorf("sysctl %s in %s: %w", key, n, err)
		}
		v = strings.TrimSpace(string(b))
		return nil
	})
	return v, err
}

// nft runs `ip netns exec NS nft -f -` with ruleset on its standard input.
func (n netns) nft(ctx context.Context, ruleset string) error {
	_, err := runInput(ctx, ruleset, "ip", "netns", "exec", string(n), "nft", "-f", "-")
	return err
}

// nftOutput runs `ip netns exec NS nft args...` and returns its output.
func (n netns) nftOutput(ctx context.Context, args ...string) (string, error) {
	return run(ctx, "ip", append([]string{"netns", "exec", string(n), "nft"}, args...)...)
}

// run runs a program and returns its standard output; the error carries
// the command line and its standard error.
func run(ctx context.Context, prog string, args ...string) (string, error) {
	return runInput(ctx, "", prog, args...)
}

// runInput is run with stdin as the program's standard input.
func runInput(ctx context.Context, stdin string, prog string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return "", fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}
