// A minimal Go program: tests/elf.cmake builds it in several variants
// (flags, architectures) for the ELF / Go build info reader's tests.
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
