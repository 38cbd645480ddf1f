//go:build cgo

// Only in the CGO_ENABLED=1 variant: makes the linker go external (gcc),
// whose section layout differs from Go's internal linker.
package main

// static int answer(void) { return 42; }
import "C"

var _ = C.answer()
