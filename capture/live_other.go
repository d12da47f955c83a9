//go:build !linux

package capture

import "errors"

// ErrLiveUnsupported is returned by OpenLive where live capture is not
// available: it reads AF_PACKET sockets, which only Linux has. Capture
// files are read everywhere.
var ErrLiveUnsupported = errors.New("live capture needs Linux (AF_PACKET); read a capture file with -r instead")

// Live is a live capture; on this system OpenLive never returns one.
type Live struct{}

// OpenLive returns ErrLiveUnsupported here.
func OpenLive(LiveOptions) (*Live, error) { return nil, ErrLiveUnsupported }

// Next returns ErrClosed.
func (l *Live) Next(*Record) error { return ErrClosed }

// InterfaceName returns "".
func (l *Live) InterfaceName(int) string { return "" }

// Stats returns ErrLiveUnsupported.
func (l *Live) Stats() (Stats, error) { return Stats{}, ErrLiveUnsupported }

// Close does nothing.
func (l *Live) Close() {}

// Release does nothing.
func (l *Live) Release() {}
