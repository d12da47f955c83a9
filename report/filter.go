package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mptcpdump/mptcpdump/validate"
)

// FindingFilter keeps the findings whose severity and code are listed; an
// empty list keeps all. Built once from the command line, it is the same
// predicate for every output.
type FindingFilter struct {
	severities []string
	codes      []string
}

// NewFindingFilter parses comma-separated severities and codes, rejecting
// names that do not exist (a typo must not silently hide everything).
func NewFindingFilter(severities, codes string) (FindingFilter, error) {
	var f FindingFilter
	for _, s := range split(severities) {
		switch s {
		case "error", "warning", "info":
			f.severities = append(f.severities, s)
		default:
			return f, fmt.Errorf("unknown severity %q (error, warning, info)", s)
		}
	}
	for _, c := range split(codes) {
		if _, ok := validate.RuleFor(validate.Code(c)); !ok {
			return f, fmt.Errorf("unknown finding code %q", c)
		}
		f.codes = append(f.codes, c)
	}
	return f, nil
}

// Keep reports whether a finding passes the filter.
func (f FindingFilter) Keep(x Finding) bool {
	return (len(f.severities) == 0 || slices.Contains(f.severities, x.Severity)) &&
		(len(f.codes) == 0 || slices.Contains(f.codes, x.Code))
}

// Apply returns the findings that pass, in order.
func (f FindingFilter) Apply(in []Finding) []Finding {
	out := in[:0:0]
	for _, x := range in {
		if f.Keep(x) {
			out = append(out, x)
		}
	}
	if out == nil {
		out = []Finding{}
	}
	return out
}

func split(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
