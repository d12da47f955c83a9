package plot

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
	"unicode/utf8"
)

// svgBuf accumulates the document. Every piece of text that comes from the
// caller goes through esc.
type svgBuf struct{ b []byte }

func (s *svgBuf) raw(v string) { s.b = append(s.b, v...) }

// esc writes v escaped for XML text and attribute values (quotes
// included); characters that XML cannot carry become U+FFFD.
func (s *svgBuf) esc(v string) {
	simple := true
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		s.b = append(s.b, v...)
		return
	}
	var w bytes.Buffer
	_ = xml.EscapeText(&w, []byte(v)) // a bytes.Buffer never fails
	s.b = append(s.b, w.Bytes()...)
}

// num writes a coordinate with at most two decimals.
func (s *svgBuf) num(v float64) { s.b = appendNum(s.b, v) }

func appendNum(b []byte, v float64) []byte {
	if !finite(v) {
		v = 0
	}
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no -0
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// attr writes ` name="value"` with value escaped.
func (s *svgBuf) attr(name, value string) {
	s.b = append(s.b, ' ')
	s.b = append(s.b, name...)
	s.b = append(s.b, '=', '"')
	s.esc(value)
	s.b = append(s.b, '"')
}

// numAttr writes ` name="number"`.
func (s *svgBuf) numAttr(name string, v float64) {
	s.b = append(s.b, ' ')
	s.b = append(s.b, name...)
	s.b = append(s.b, '=', '"')
	s.num(v)
	s.b = append(s.b, '"')
}

// title writes a <title> child (tooltip) when text is not empty.
func (s *svgBuf) title(text string) {
	if text == "" {
		return
	}
	s.raw("<title>")
	s.esc(text)
	s.raw("</title>")
}

// Text sizes, in pixels.
const (
	titleSize      = 16
	panelTitleSize = 13
	labelSize      = 12
	tickSize       = 11
	legendSize     = 12
	annotSize      = 10
	noteSize       = 11
)

// fontFamily is the family of every text. textWidth is calibrated for
// DejaVu Sans / Verdana, the widest common sans-serif fonts, so the
// estimates err on the safe side with narrower ones.
const fontFamily = "DejaVu Sans, Verdana, Arial, sans-serif"

// textWidth estimates the rendered width of s in pixels at size px.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}
