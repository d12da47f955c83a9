package sha256x2

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// Size is the size of a digest in bytes.
const Size = sha256.Size

const blockSize = 64

// Digest is a running SHA-256 digest.
type Digest struct {
	h   [8]uint32
	x   [blockSize]byte // a partial block
	nx  int             // bytes in x
	len uint64          // bytes written
	std hash.Hash       // without SHA-NI: crypto/sha256 does the work
}

var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// New returns a Digest of nothing yet.
func New() *Digest {
	d := &Digest{}
	d.Reset()
	return d
}

// Reset makes d a digest of nothing.
func (d *Digest) Reset() {
	if !hardware {
		d.std = sha256.New()
		return
	}
	d.h, d.nx, d.len = iv, 0, 0
}

// Write adds p to the message. It never fails.
func (d *Digest) Write(p []byte) (int, error) {
	if d.std != nil {
		return d.std.Write(p)
	}
	n := len(p)
	p = d.fill(p)
	if d.nx == blockSize {
		blocks1(&d.h, d.x[:])
		d.nx = 0
	}
	// A partial block left over means p is used up.
	p = d.whole(p)
	d.nx += copy(d.x[d.nx:], p)
	return n, nil
}

// fill moves bytes of p into a partial block (if there is one) and
// returns the rest of p.
func (d *Digest) fill(p []byte) []byte {
	d.len += uint64(len(p))
	if d.nx == 0 {
		return p
	}
	k := copy(d.x[d.nx:], p)
	d.nx += k
	return p[k:]
}

// whole hashes p's whole blocks (d has no partial block) and returns the
// rest.
func (d *Digest) whole(p []byte) []byte {
	if n := len(p) &^ (blockSize - 1); n > 0 {
		blocks1(&d.h, p[:n])
		p = p[n:]
	}
	return p
}

// WriteTwo adds the start of pa to a's message and the start of pb to
// b's, and returns how many bytes of each it took: as many as complete the
// same number of blocks in both, which it hashes two at a time. When one
// of them cannot complete a block, it takes all of that one's bytes
// (keeping them for its next block) and none of the other's. Called until
// pa or pb is used up, it hashes nearly every block in a pair. a and b
// must differ.
func WriteTwo(a *Digest, pa []byte, b *Digest, pb []byte) (na, nb int) {
	if a.std != nil {
		a.std.Write(pa)
		b.std.Write(pb)
		return len(pa), len(pb)
	}
	n := min((a.nx+len(pa))/blockSize, (b.nx+len(pb))/blockSize)
	if n == 0 {
		if (a.nx+len(pa))/blockSize == 0 {
			a.len += uint64(len(pa))
			a.nx += copy(a.x[a.nx:], pa)
			return len(pa), 0
		}
		b.len += uint64(len(pb))
		b.nx += copy(b.x[b.nx:], pb)
		return 0, len(pb)
	}
	na, nb = n*blockSize-a.nx, n*blockSize-b.nx
	a.len += uint64(na)
	b.len += uint64(nb)
	pa, pb = pa[:na], pb[:nb]
	if a.nx == 0 && b.nx == 0 {
		blocks2(&a.h, &b.h, pa, pb)
		return na, nb
	}
	// The first two blocks: a partial block completed, or a whole one.
	fa, pa := a.first(pa)
	fb, pb := b.first(pb)
	blocks2(&a.h, &b.h, fa, fb)
	if len(pa) > 0 {
		blocks2(&a.h, &b.h, pa, pb)
	}
	return na, nb
}

// first returns d's next block, its partial block completed from p or
// p's first block, and the rest of p.
func (d *Digest) first(p []byte) (block, rest []byte) {
	if d.nx == 0 {
		return p[:blockSize], p[blockSize:]
	}
	k := copy(d.x[d.nx:], p)
	d.nx = 0
	return d.x[:], p[k:]
}

// Sum appends the digest of the message so far to b; d is unchanged.
func (d *Digest) Sum(b []byte) []byte {
	if d.std != nil {
		return d.std.Sum(b)
	}
	c := *d
	var pad [blockSize + 8]byte
	pad[0] = 0x80
	k := (blockSize + 56 - c.nx) % blockSize // zeros and the 0x80 up to 56 mod 64
	if k == 0 {
		k = blockSize
	}
	binary.BigEndian.PutUint64(pad[k:], c.len<<3)
	c.Write(pad[:k+8])
	for _, v := range c.h {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// Size returns Size.
func (d *Digest) Size() int { return Size }

// BlockSize returns SHA-256's block size.
func (d *Digest) BlockSize() int { return blockSize }

var _ hash.Hash = (*Digest)(nil)
