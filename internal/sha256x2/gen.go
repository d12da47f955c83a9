//go:build ignore

// gen writes block_amd64.s: SHA-256 block functions for one message and
// for two messages at once, with the SHA extensions (SHA-NI).
//
//	go run gen.go > block_amd64.s
//
// The rounds follow Intel's reference (S. Gulley et al., "New
// Instructions Supporting the Secure Hash Algorithm on Intel
// Architecture Processors", 2013), as Go's crypto/sha256 does. SHA256RNDS2
// takes its message words from X0 implicitly and each pair of rounds
// depends on the one before, so one message keeps the unit waiting on
// the latency of every round; two independent messages, their steps
// alternated, fill those waits. X0 is shared (each step uses it only
// between loading its words and its second round), and so are the
// scratch register and the byte-swap mask; each message has its own
// state and message-schedule registers, and the state to add back after
// each block is kept on the stack.
package main

import (
	"fmt"
	"os"
	"strings"
)

type lane struct {
	s0, s1         string    // state: ABEF, CDGH
	m              [4]string // message schedule
	data, dig, arg string    // data pointer register; digest pointer register; its argument
	save           int       // stack offset of the saved state
}

var w strings.Builder

func ins(format string, args ...any) { fmt.Fprintf(&w, "\t"+format+"\n", args...) }

const (
	msg  = "X0"  // SHA256RNDS2's implicit operand
	tmp  = "X13" // scratch
	mask = "X14" // byte-swap mask
)

// roundsLoad is rounds 4c..4c+3 for c < 4: load and swap the words, then
// the rounds; msg1 schedules words 16+ from them (not for c == 0).
func roundsLoad(l *lane, c int, prev string) {
	m := l.m[c]
	ins("VMOVDQU %d(%s), %s", c*16, l.data, msg)
	ins("PSHUFB %s, %s", mask, msg)
	ins("VMOVDQA %s, %s", msg, m)
	ins("VPADDD %d(AX), %s, %s", c*16, msg, msg)
	ins("SHA256RNDS2 %s, %s, %s", msg, l.s0, l.s1)
	if c == 3 {
		// the first rounds that also complete a scheduled word
		ins("VMOVDQA %s, %s", m, tmp)
		ins("PALIGNR $0x04, %s, %s", l.m[2], tmp)
		ins("PADDD %s, %s", tmp, l.m[0])
		ins("SHA256MSG2 %s, %s", m, l.m[0])
	}
	ins("PSHUFD $0x0e, %s, %s", msg, msg)
	ins("SHA256RNDS2 %s, %s, %s", msg, l.s1, l.s0)
	if prev != "" {
		ins("SHA256MSG1 %s, %s", m, prev)
	}
}

// roundsSched is rounds 4c..4c+3 for 4 <= c < 16, on scheduled words.
func roundsSched(l *lane, c int) {
	m := l.m[c%4]
	a := l.m[(c+3)%4] // the words before m
	t := l.m[(c+1)%4] // the words to complete next
	ins("VPADDD %d(AX), %s, %s", c*16, m, msg)
	ins("SHA256RNDS2 %s, %s, %s", msg, l.s0, l.s1)
	if c < 15 {
		ins("VMOVDQA %s, %s", m, tmp)
		ins("PALIGNR $0x04, %s, %s", a, tmp)
		ins("PADDD %s, %s", tmp, t)
		ins("SHA256MSG2 %s, %s", m, t)
	}
	ins("PSHUFD $0x0e, %s, %s", msg, msg)
	ins("SHA256RNDS2 %s, %s, %s", msg, l.s1, l.s0)
	if c < 13 {
		ins("SHA256MSG1 %s, %s", m, a)
	}
}

func load(l *lane) {
	ins("MOVQ %s, %s", l.arg, l.dig)
	ins("VMOVDQU (%s), %s", l.dig, l.s0)
	ins("VMOVDQU 16(%s), %s", l.dig, l.s1)
	ins("PSHUFD $0xb1, %s, %s", l.s0, l.s0) // CDAB
	ins("PSHUFD $0x1b, %s, %s", l.s1, l.s1) // EFGH
	ins("VMOVDQA %s, %s", l.s0, tmp)
	ins("PALIGNR $0x08, %s, %s", l.s1, l.s0) // ABEF
	ins("PBLENDW $0xf0, %s, %s", tmp, l.s1)  // CDGH
}

func store(l *lane) {
	ins("PSHUFD $0x1b, %s, %s", l.s0, l.s0)
	ins("PSHUFD $0xb1, %s, %s", l.s1, l.s1)
	ins("VMOVDQA %s, %s", l.s0, tmp)
	ins("PBLENDW $0xf0, %s, %s", l.s1, l.s0)
	ins("PALIGNR $0x08, %s, %s", tmp, l.s1)
	ins("VMOVDQU %s, (%s)", l.s0, l.dig)
	ins("VMOVDQU %s, 16(%s)", l.s1, l.dig)
}

// each emits f for every lane in turn: the lanes' steps alternate.
func each(lanes []*lane, f func(*lane)) {
	for _, l := range lanes {
		f(l)
	}
}

func block(name string, lanes []*lane) {
	frame := 32 * len(lanes)
	fmt.Fprintf(&w, "\n// func %s\nTEXT ·%s(SB), NOSPLIT, $%d-%d\n", name, name, frame, 8*(len(lanes)*2+1))
	each(lanes, load)
	for i, l := range lanes {
		ins("MOVQ %s, %s", []string{"pa+" + fmt.Sprint(8*len(lanes)) + "(FP)", "pb+" + fmt.Sprint(8*len(lanes)+8) + "(FP)"}[i], l.data)
	}
	ins("MOVQ n+%d(FP), CX", 8*len(lanes)*2)
	ins("TESTQ CX, CX")
	ins("JEQ done")
	ins("VMOVDQU flipMask<>(SB), %s", mask)
	ins("LEAQ k256<>(SB), AX")
	fmt.Fprintf(&w, "loop:\n")
	each(lanes, func(l *lane) {
		ins("VMOVDQU %s, %d(SP)", l.s0, l.save)
		ins("VMOVDQU %s, %d(SP)", l.s1, l.save+16)
	})
	for c := 0; c < 16; c++ {
		each(lanes, func(l *lane) {
			switch {
			case c == 0:
				roundsLoad(l, c, "")
			case c < 4:
				roundsLoad(l, c, l.m[c-1])
			default:
				roundsSched(l, c)
			}
		})
	}
	each(lanes, func(l *lane) {
		ins("VPADDD %d(SP), %s, %s", l.save, l.s0, l.s0)
		ins("VPADDD %d(SP), %s, %s", l.save+16, l.s1, l.s1)
		ins("ADDQ $64, %s", l.data)
	})
	ins("DECQ CX")
	ins("JNE loop")
	each(lanes, store)
	fmt.Fprintf(&w, "done:\n")
	ins("RET")
}

func main() {
	a := &lane{s0: "X1", s1: "X2", m: [4]string{"X3", "X4", "X5", "X6"}, data: "SI", dig: "R8", arg: "a+0(FP)", save: 0}
	b := &lane{s0: "X7", s1: "X8", m: [4]string{"X9", "X10", "X11", "X12"}, data: "DI", dig: "R9", arg: "b+8(FP)", save: 32}
	w.WriteString("// Code generated by gen.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n")
	block("block1", []*lane{a})
	a1 := *a
	a1.arg = "a+0(FP)"
	block("block2", []*lane{&a1, b})
	w.WriteString("\n// Bytes of each 32-bit word reversed: the message is big-endian.\n")
	for i, v := range []uint64{0x0405060700010203, 0x0c0d0e0f08090a0b} {
		fmt.Fprintf(&w, "DATA flipMask<>+%d(SB)/8, $0x%016x\n", 8*i, v)
	}
	w.WriteString("GLOBL flipMask<>(SB), RODATA|NOPTR, $16\n\n// The round constants, four to a step.\n")
	for i, k := range k256 {
		fmt.Fprintf(&w, "DATA k256<>+%d(SB)/4, $0x%08x\n", 4*i, k)
	}
	w.WriteString("GLOBL k256<>(SB), RODATA|NOPTR, $256\n")
	w.WriteString(`
// func cpuid(eax, ecx uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eax+0(FP), AX
	MOVL ecx+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET
`)
	os.Stdout.WriteString(w.String())
}

var k256 = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
