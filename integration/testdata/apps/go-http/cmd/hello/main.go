// hello: a second binary, so the Go buildpacks emit one process per binary.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("hello from cmd/hello args=%v\n", os.Args[1:])
}
