package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mptcpdump/mptcpdump/"

// imports maps each package directory (relative to the repository root)
// to the import paths of its non-test files.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLayering(t *testing.T) {
	all := imports(t)
	if len(all) < 8 {
		t.Fatalf("found only %d packages: is the walk rooted right?", len(all))
	}
	// The pipeline's stages, each allowed to import only the stages before it.
	order := []string{"seqnum", "mpcrypto", "decode", "capture", "reassembly/sorter", "reassembly", "validate", "metrics", "plot", "analyze", "report", "monitor", "tui"}
	rank := map[string]int{}
	for i, p := range order {
		rank[p] = i
	}
	for dir, ims := range all {
		for _, im := range ims {
			if (strings.Contains(im, "rivo/tview") || strings.Contains(im, "gdamore/tcell")) && dir != "tui" {
				t.Errorf("%s imports %s: only tui may use the terminal toolkit", dir, im)
			}
			if !strings.HasPrefix(im, module) {
				continue
			}
			dep := strings.TrimPrefix(im, module)
			if dep == "tui" && dir != "cmd/mptcpdump" {
				t.Errorf("%s imports tui: only the command may", dir)
			}
			r, ok := rank[dir]
			if d, dok := rank[dep]; ok && dok && d >= r {
				t.Errorf("%s imports %s: a stage may import only earlier stages (%v)", dir, dep, order)
			}
		}
	}
}
