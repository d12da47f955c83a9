package decode

// RemoveAddr is a REMOVE_ADDR option: one or more address IDs.
type RemoveAddr struct {
	IDs []byte // aliases the frame
}

// ParseRemoveAddr decodes a REMOVE_ADDR option starting at its kind byte.
// Its length is 3 + n for n ≥ 1 IDs.
func ParseRemoveAddr(b []byte) (RemoveAddr, int, error) {
	o, err := envelope(b, SubtypeRemoveAddr, 4, 255)
	if err != nil {
		return RemoveAddr{}, 0, err
	}
	return RemoveAddr{IDs: o[3:]}, len(o), nil
}
