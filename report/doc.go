// Package report renders an analysis for people and programs: a summary
// table (tablewriter) and a JSON document whose schema is documented in
// docs/json.md. Every printer takes an io.Writer and reads the model as it
// is after the analysis; none of them changes it.
//
// Strings that come from packets (addresses are formatted by net/netip, so
// nothing raw from the wire reaches the terminal) are safe to print.
package report
