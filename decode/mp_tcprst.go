package decode

import "fmt"

// MPTCPRst is an MP_TCPRST option (v1 only, RFC 8684 §3.6): why a subflow
// was reset, and whether retrying is acceptable (T, transient).
type MPTCPRst struct {
	Flags     uint8 // U V W T, low nibble of byte 2
	Transient bool
	Reason    TCPRstReason
}

// TCPRstReason is the reason code of MP_TCPRST (RFC 8684 §3.6, §7.4).
type TCPRstReason uint8

var tcprstReasons = [...]string{
	"unspecified error",
	"MPTCP-specific error",
	"lack of resources",
	"administratively prohibited",
	"too much outstanding data",
	"unacceptable performance",
	"middlebox interference",
}

func (r TCPRstReason) String() string {
	if int(r) < len(tcprstReasons) {
		return tcprstReasons[r]
	}
	return fmt.Sprintf("reason 0x%02x", uint8(r))
}

// ParseMPTCPRst decodes an MP_TCPRST option starting at its kind byte.
func ParseMPTCPRst(b []byte) (MPTCPRst, int, error) {
	o, err := envelope(b, SubtypeMPTCPRst, 4, 4)
	if err != nil {
		return MPTCPRst{}, 0, err
	}
	return MPTCPRst{Flags: o[2] & 0x0f, Transient: o[2]&1 != 0, Reason: TCPRstReason(o[3])}, len(o), nil
}
