//go:build amd64 && !purego

package sha256x2

import "golang.org/x/sys/cpu"

//go:generate sh -c "go run gen.go > block_amd64.s"

// hardware is whether the SHA extensions (and the AVX the code also
// uses) are there.
var hardware = cpu.X86.HasAVX && cpu.X86.HasSSE41 && cpu.X86.HasSSSE3 && hasSHA()

// hasSHA reports CPUID.(EAX=7,ECX=0):EBX bit 29, if the processor has
// leaf 7 at all.
func hasSHA() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	_, ebx, _, _ := cpuid(7, 0)
	return ebx&(1<<29) != 0
}

func cpuid(eax, ecx uint32) (a, b, c, d uint32)

//go:noescape
func block1(a *[8]uint32, pa *byte, n int)

//go:noescape
func block2(a, b *[8]uint32, pa, pb *byte, n int)

// blocks1 hashes p (whole blocks) into h.
func blocks1(h *[8]uint32, p []byte) { block1(h, &p[0], len(p)/blockSize) }

// blocks2 hashes pa into a and pb into b (whole blocks, as many of each).
func blocks2(a, b *[8]uint32, pa, pb []byte) {
	block2(a, b, &pa[0], &pb[0], len(pa)/blockSize)
}
