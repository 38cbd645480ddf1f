// Fixture stand-in for node-engine's exec.d helper `optimize-memory`, written
// from paketo-buildpacks/node-engine @ bbb47a7 cmd/optimize-memory/internal/run.go
// (lines 15-60): MEMORY_AVAILABLE from the cgroup limit (v2 memory.max, else
// v1 memory.limit_in_bytes) in MiB, and with OPTIMIZE_MEMORY set,
// --max_old_space_size=75% of it appended to NODE_OPTIONS. Like upstream it
// fails (and so fails the launch) when the cgroup file cannot be read.
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

func main() {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if _, ok := env["MEMORY_AVAILABLE"]; !ok {
		path := "/sys/fs/cgroup/memory.max"
		if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); errors.Is(err, os.ErrNotExist) {
			path = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
		} else if err != nil {
			log.Fatal(err)
		}
		content, err := os.ReadFile(path)
		if err != nil {
			log.Fatal(err)
		}
		env["MEMORY_AVAILABLE"] = strings.TrimSpace(string(content))
	}
	vars := map[string]string{}
	if m := env["MEMORY_AVAILABLE"]; m != "" && m != "max" {
		memory, err := strconv.Atoi(m)
		if err != nil {
			log.Fatal(err)
		}
		vars["MEMORY_AVAILABLE"] = strconv.Itoa(memory / (1024 * 1024))
	}
	if _, ok := env["OPTIMIZE_MEMORY"]; ok {
		if avail, ok := vars["MEMORY_AVAILABLE"]; ok {
			max, _ := strconv.Atoi(avail)
			options := fmt.Sprintf("--max_old_space_size=%d", max*75/100)
			if opts, ok := env["NODE_OPTIONS"]; ok {
				options = opts + " " + options
			}
			vars["NODE_OPTIONS"] = options
		}
	}
	if err := toml.NewEncoder(os.NewFile(3, "/dev/fd/3")).Encode(vars); err != nil {
		log.Fatal(err)
	}
}
