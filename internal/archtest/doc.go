// Package archtest holds no code: its test enforces the layering the
// repository layout promises (see docs/architecture.md).
package archtest
