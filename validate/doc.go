// Package validate turns the events of the endpoint model into findings:
// what was wrong or notable in a capture, each with a stable code, a
// severity, the RFC section it rests on and the packets that show it.
//
// The catalogue of codes is in catalogue.go and documented, with an example
// each, in docs/findings.md. A Checker subscribes to a reassembly.Tracker as
// its Observer; it never modifies the model. Repeated findings about the
// same thing (the same code on the same subflow, or the same unknown token)
// are merged into one finding whose Count grows and whose Packets list is
// capped at MaxPacketsPerFinding, so a flood of bad packets costs constant
// memory per distinct problem.
package validate
