package plot

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// svgDoc is what checkValidSVG learns from a document.
type svgDoc struct {
	root    xml.StartElement
	count   map[string]int // elements by local name
	byClass map[string]int // elements by "name.class"
	texts   []string       // character data of every <text>
	titles  []string       // character data of every <title>
}

// checkValidSVG decodes the document with encoding/xml, checks the root
// element, and counts the elements.
func checkValidSVG(t *testing.T, b []byte) *svgDoc {
	t.Helper()
	d := &svgDoc{count: map[string]int{}, byClass: map[string]int{}}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var stack []string
	var cur strings.Builder
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("invalid XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if first {
				d.root = e.Copy()
				first = false
			}
			d.count[e.Name.Local]++
			for _, a := range e.Attr {
				if a.Name.Local == "class" {
					for _, c := range strings.Fields(a.Value) {
						d.byClass[e.Name.Local+"."+c]++
					}
				}
			}
			stack = append(stack, e.Name.Local)
			cur.Reset()
		case xml.CharData:
			cur.Write(e)
		case xml.EndElement:
			switch e.Name.Local {
			case "text":
				d.texts = append(d.texts, cur.String())
			case "title":
				d.titles = append(d.titles, cur.String())
			}
			cur.Reset()
			stack = stack[:len(stack)-1]
		}
	}
	if first {
		t.Fatal("empty document")
	}
	if d.root.Name.Local != "svg" || d.root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element is %v, want svg in the SVG namespace", d.root.Name)
	}
	for _, name := range []string{"width", "height", "viewBox"} {
		if attr(d.root, name) == "" {
			t.Errorf("root <svg> has no %s", name)
		}
	}
	if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("href")) {
		t.Error("document has a script or an external reference")
	}
	return d
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
