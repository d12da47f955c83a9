package decode

// MPPrio is an MP_PRIO option: a request to change the sender's backup
// priority. v0 may name an address ID (length 4); v1 is always length 3.
type MPPrio struct {
	Backup    bool
	AddrID    uint8
	HasAddrID bool
}

// ParseMPPrio decodes an MP_PRIO option starting at its kind byte.
func ParseMPPrio(b []byte) (MPPrio, int, error) {
	o, err := envelope(b, SubtypeMPPrio, 3, 4)
	if err != nil {
		return MPPrio{}, 0, err
	}
	p := MPPrio{Backup: o[2]&1 != 0}
	if len(o) == 4 {
		p.AddrID, p.HasAddrID = o[3], true
	}
	return p, len(o), nil
}
