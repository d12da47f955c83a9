//go:build !amd64 || purego

package sha256x2

// hardware is false: Digests are crypto/sha256's.
const hardware = false

func blocks1(*[8]uint32, []byte)           { panic("sha256x2: no block function") }
func blocks2(_, _ *[8]uint32, _, _ []byte) { panic("sha256x2: no block function") }
