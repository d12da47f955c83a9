//go:build !linux

package capture

import (
	"errors"
	"os"
)

// Elsewhere files are read with system calls (Open).

func mmapFile(*os.File, int64) ([]byte, error) { return nil, errors.ErrUnsupported }
func munmap([]byte) error                      { return nil }
func dropPages([]byte)                         {}
