// Fixture stand-in for cpython's exec.d helper `env`, written from
// paketo-buildpacks/cpython cmd/env/internal/run.go (lines 11-35) and
// cmd/env/main.go: unless PYTHONPYCACHEPREFIX is set, set it to
// $HOME/.pycache; TOML on fd 3.
package main

import (
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

func main() {
	var home string
	for _, v := range os.Environ() {
		if strings.HasPrefix(v, "HOME=") {
			home = strings.TrimPrefix(v, "HOME=")
		}
		if strings.HasPrefix(v, "PYTHONPYCACHEPREFIX=") {
			return
		}
	}
	err := toml.NewEncoder(os.NewFile(3, "/dev/fd/3")).Encode(map[string]string{
		"PYTHONPYCACHEPREFIX": filepath.Join(home, ".pycache"),
	})
	if err != nil {
		log.Fatal(err)
	}
}
