//go:build linux

package lab

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Socket option and flags of struct mptcp_info (include/uapi/linux/mptcp.h).
const (
	optMPTCPInfo      = 1 // MPTCP_INFO, level SOL_MPTCP
	infoFlagFallback  = 1 // MPTCP_INFO_FLAG_FALLBACK
	mptcpInfoMinBytes = 43
)

// mptcpInfo is the part of struct mptcp_info the lab uses.
type mptcpInfo struct {
	Subflows int // additional subflows (not counting the first)
	Flags    uint32
	Token    uint32
	Checksum bool
}

// getMPTCPInfo reads MPTCP_INFO from a connection. It fails if the socket
// is not Multipath TCP or, with errFallback, has fallen back to plain TCP.
func getMPTCPInfo(conn syscall.Conn) (mptcpInfo, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return mptcpInfo{}, fmt.Errorf("mptcp info: %w", err)
	}
	var buf [256]byte
	size := uint32(len(buf))
	var errno syscall.Errno
	proto := -1
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_MPTCP, optMPTCPInfo,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 {
			proto, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
		}
	}); err != nil {
		return mptcpInfo{}, fmt.Errorf("mptcp info: %w", err)
	}
	if errno != 0 {
		if proto == unix.IPPROTO_MPTCP {
			// The kernel answers socket options of a fallen-back
			// MPTCP socket like its TCP subflow would, and TCP has
			// no MPTCP_INFO (what Go's MultipathTCP method checks).
			return mptcpInfo{}, fmt.Errorf("%w: getsockopt MPTCP_INFO: %w", errFallback, errno)
		}
		return mptcpInfo{}, fmt.Errorf("not a multipath tcp connection: getsockopt MPTCP_INFO: %w", errno)
	}
	if size < mptcpInfoMinBytes {
		return mptcpInfo{}, fmt.Errorf("mptcp info: short struct of %d bytes", size)
	}
	info := mptcpInfo{
		Subflows: int(buf[0]),
		Flags:    binary.NativeEndian.Uint32(buf[8:]),
		Token:    binary.NativeEndian.Uint32(buf[12:]),
		Checksum: buf[42] != 0,
	}
	if info.Flags&infoFlagFallback != 0 {
		return info, errFallback
	}
	return info, nil
}

// errFallback is getMPTCPInfo's error for a connection that fell back to
// plain TCP; the info read is returned with it.
var errFallback = errors.New("connection fell back to plain tcp")

// waitSubflows polls MPTCP_INFO until the connection has at least want
// additional subflows, and returns the last state read.
func waitSubflows(ctx context.Context, conn syscall.Conn, want int, timeout time.Duration) (mptcpInfo, error) {
	deadline := time.Now().Add(timeout)
	for {
		info, err := getMPTCPInfo(conn)
		if err != nil || info.Subflows >= want {
			return info, err
		}
		if time.Now().After(deadline) {
			return info, fmt.Errorf("%d of %d additional subflows after %v", info.Subflows, want, timeout)
		}
		select {
		case <-ctx.Done():
			return info, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
