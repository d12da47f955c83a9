package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// terminalWidth returns the width of the terminal w writes to, or 0 when
// it is not a terminal (a file, a pipe, a test buffer): then tables are
// printed whole.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		return 0
	}
	return width
}
