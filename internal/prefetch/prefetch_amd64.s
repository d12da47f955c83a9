//go:build !purego

#include "textflag.h"

// func Lines(p *byte)
TEXT ·Lines(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ p+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	RET
