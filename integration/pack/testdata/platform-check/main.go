// platform-check answers, with the platforms' own code, what Skaffold and
// kpack make of this project's images and examples:
//
//	platform-check transform        Skaffold's `skaffold debug` container transform
//	platform-check skaffold FILE    Skaffold's strict skaffold.yaml parser
//	platform-check manifests FILE…  kpack's and Kubernetes' types and validation
//
// Each prints JSON on stdout. This file is `transform`: it runs
// pkg/skaffold/debug.TransformContainer (what `skaffold debug` applies to
// every container of a pod) on image configurations read from stdin, and
// prints what Skaffold decided for each: which runtime it saw, which debug
// ports it exposes, and whether it rewrote the command line.
//
// stdin:  [{"name": ..., "entrypoint": [...], "cmd": [...], "env": ["K=V", ...],
//
//	"labels": {...}, "workingDir": ...}, ...]   (an OCI image config)
//
// stdout: [{"name": ..., "runtime": ..., "ports": {...}, "supportImage": ...,
//
//	"command": [...], "args": [...], "env": {...}, "error": ...}, ...]
//
// command/args/env are what Skaffold would set on the container: empty means
// it leaves the image's own entrypoint, process and environment in place.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/debug"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/debug/types"
)

type imageCase struct {
	Name       string            `json:"name"`
	Entrypoint []string          `json:"entrypoint"`
	Cmd        []string          `json:"cmd"`
	Env        []string          `json:"env"`
	Labels     map[string]string `json:"labels"`
	WorkingDir string            `json:"workingDir"`
}

type verdict struct {
	Name         string            `json:"name"`
	Runtime      string            `json:"runtime,omitempty"`
	Ports        map[string]uint32 `json:"ports,omitempty"`
	WorkingDir   string            `json:"workingDir,omitempty"`
	SupportImage string            `json:"supportImage,omitempty"`
	Command      []string          `json:"command,omitempty"`
	Args         []string          `json:"args,omitempty"`
	Env          map[string]string `json:"env,omitempty"`
	Error        string            `json:"error,omitempty"`
}

// adapter is the smallest types.ContainerAdapter: a pod container with no
// command, args or env of its own, so the image's configuration decides.
type adapter struct{ c *types.ExecutableContainer }

func (a *adapter) GetContainer() *types.ExecutableContainer { return a.c }
func (a *adapter) Apply()                                   {}

func check(ic imageCase) verdict {
	env := map[string]string{}
	for _, kv := range ic.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	config := debug.ImageConfiguration{
		Artifact:   ic.Name,
		Labels:     ic.Labels,
		Env:        env,
		Entrypoint: ic.Entrypoint,
		Arguments:  ic.Cmd,
		WorkingDir: ic.WorkingDir,
	}
	// As Skaffold's Kubernetes adapter does, start with an empty env map:
	// the transforms add to it.
	a := &adapter{c: &types.ExecutableContainer{Name: ic.Name, Env: types.ContainerEnv{Env: map[string]string{}}}}
	identity := func(port int32) int32 { return port }
	conf, image, err := debug.TransformContainer(a, config, identity)
	v := verdict{Name: ic.Name}
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Runtime, v.Ports, v.WorkingDir, v.SupportImage = conf.Runtime, conf.Ports, conf.WorkingDir, image
	v.Command, v.Args = a.c.Command, a.c.Args
	if len(a.c.Env.Order) > 0 {
		v.Env = map[string]string{}
		for _, k := range a.c.Env.Order {
			v.Env[k] = a.c.Env.Env[k]
		}
	}
	return v
}

func runTransform() error {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	var cases []imageCase
	if err := json.Unmarshal(data, &cases); err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	out := make([]verdict, 0, len(cases))
	for _, c := range cases {
		out = append(out, check(c))
	}
	return printJSON(out)
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "transform":
		err = runTransform()
	case len(os.Args) == 3 && os.Args[1] == "skaffold":
		err = runSkaffoldConfig(os.Args[2])
	case len(os.Args) >= 3 && os.Args[1] == "manifests":
		err = runManifests(os.Args[2:])
	default:
		err = fmt.Errorf("usage: platform-check transform | skaffold FILE | manifests FILE...")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "platform-check:", err)
		os.Exit(1)
	}
}
