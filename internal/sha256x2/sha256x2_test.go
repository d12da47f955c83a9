package sha256x2

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// TestKnownAnswers checks the digests of FIPS 180-2's examples and of
// messages whose padding falls on every boundary.
func TestKnownAnswers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	} {
		d := New()
		d.Write([]byte(c.in))
		if got := hexOf(d.Sum(nil)); got != c.want {
			t.Errorf("SHA-256(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	msg := make([]byte, 300)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	for n := range len(msg) {
		d := New()
		d.Write(msg[:n])
		if want := sha256.Sum256(msg[:n]); !bytes.Equal(d.Sum(nil), want[:]) {
			t.Fatalf("length %d: %x, want %x", n, d.Sum(nil), want)
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestWriteTwoMatchesStandard writes random pieces of two messages, paired
// and alone in random order, and compares both sums with crypto/sha256's,
// also midway (Sum must not disturb the digest).
func TestWriteTwoMatchesStandard(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var ma, mb []byte
		a, b := New(), New()
		for range rng.IntN(40) {
			pa := randBytes(rng, pieceLen(rng))
			pb := randBytes(rng, pieceLen(rng))
			switch rng.IntN(4) {
			case 0:
				a.Write(pa)
				b.Write(pb)
			case 1:
				writeTwo(b, pb, a, pa)
			default:
				writeTwo(a, pa, b, pb)
			}
			ma, mb = append(ma, pa...), append(mb, pb...)
			if rng.IntN(8) == 0 {
				check(t, round, a, ma)
			}
		}
		check(t, round, a, ma)
		check(t, round, b, mb)
	}
}

// writeTwo writes all of pa and pb, paired while both have bytes.
func writeTwo(a *Digest, pa []byte, b *Digest, pb []byte) {
	for len(pa) > 0 && len(pb) > 0 {
		na, nb := WriteTwo(a, pa, b, pb)
		if na == 0 && nb == 0 {
			panic("WriteTwo took nothing")
		}
		pa, pb = pa[na:], pb[nb:]
	}
	a.Write(pa)
	b.Write(pb)
}

func pieceLen(rng *rand.Rand) int {
	switch rng.IntN(4) {
	case 0:
		return rng.IntN(70)
	case 1:
		return 64 * rng.IntN(4)
	default:
		return rng.IntN(3000)
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func check(t *testing.T, round int, d *Digest, msg []byte) {
	t.Helper()
	want := sha256.Sum256(msg)
	if got := d.Sum(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("round %d, %d bytes: %x, want %x", round, len(msg), got, want)
	}
}

// FuzzWriteTwo splits two messages at fuzzed points and pairs the pieces.
func FuzzWriteTwo(f *testing.F) {
	f.Add([]byte("abc"), []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefXYZ"), uint16(3), uint16(65))
	f.Fuzz(func(t *testing.T, ma, mb []byte, ka, kb uint16) {
		a, b := New(), New()
		ia, ib := int(ka)%(len(ma)+1), int(kb)%(len(mb)+1)
		writeTwo(a, ma[:ia], b, mb[:ib])
		writeTwo(a, ma[ia:], b, mb[ib:])
		check(t, 0, a, ma)
		check(t, 0, b, mb)
	})
}

func BenchmarkWrite(b *testing.B) {
	p := make([]byte, 1448)
	d := New()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		d.Write(p)
	}
}

// BenchmarkWriteTwo reports bytes of both messages per second.
func BenchmarkWriteTwo(b *testing.B) {
	p, q := make([]byte, 1448), make([]byte, 1448)
	x, y := New(), New()
	b.SetBytes(int64(len(p) + len(q)))
	for b.Loop() {
		writeTwo(x, p, y, q)
	}
}

func BenchmarkStandard(b *testing.B) {
	p := make([]byte, 1448)
	d := sha256.New()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		d.Write(p)
	}
}
