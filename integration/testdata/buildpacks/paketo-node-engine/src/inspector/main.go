// Fixture stand-in for node-engine's exec.d helper `inspector`, written from
// paketo-buildpacks/node-engine @ bbb47a7 cmd/inspector/internal/run.go
// (lines 11-31) and cmd/inspector/main.go: with BPL_DEBUG_ENABLED=true it
// appends `--inspect` (or `--inspect=127.0.0.1:$BPL_DEBUG_PORT` when that is
// set) to NODE_OPTIONS, unless NODE_OPTIONS already contains "--inspect";
// the result is TOML on fd 3.
package main

import (
	"log"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

func main() {
	env := map[string]string{}
	for _, kv := range os.Environ() { // cmd/util/environment_map.go
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	vars := map[string]string{}
	if env["BPL_DEBUG_ENABLED"] == "true" {
		option := "--inspect"
		if port, ok := env["BPL_DEBUG_PORT"]; ok {
			option += "=127.0.0.1:" + port
		}
		if opts, ok := env["NODE_OPTIONS"]; ok {
			if strings.Contains(opts, "--inspect") {
				return // upstream returns before writing anything
			}
			option = opts + " " + option
		}
		vars["NODE_OPTIONS"] = option
	}
	if err := toml.NewEncoder(os.NewFile(3, "/dev/fd/3")).Encode(vars); err != nil {
		log.Fatal(err)
	}
}
