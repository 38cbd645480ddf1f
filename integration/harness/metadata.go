// What the lifecycle writes into the layers dir, parsed: group.toml from the
// detector and config/metadata.toml from the builder (processes, labels).
package harness

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// GroupEntry is one buildpack of group.toml or of metadata.toml's list.
type GroupEntry struct {
	ID       string `toml:"id" json:"id"`
	Version  string `toml:"version" json:"version"`
	API      string `toml:"api" json:"api"`
	Optional bool   `toml:"optional" json:"optional"`
}

// ReadGroup parses <layers>/group.toml.
func (w *Workspace) ReadGroup() ([]GroupEntry, error) {
	var group struct {
		Group []GroupEntry `toml:"group"`
	}
	path := filepath.Join(w.Layers, "group.toml")
	if _, err := toml.DecodeFile(path, &group); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return group.Group, nil
}

// Command is a process command. The lifecycle writes it as an array on
// platform API >= 0.10 and as a single string before, in TOML and JSON alike.
type Command []string

// UnmarshalTOML accepts a string or an array of strings.
func (c *Command) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*c = Command{v}
	case []any:
		out := make(Command, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("command entry %d is %T, not a string", i, e)
			}
			out[i] = s
		}
		*c = out
	default:
		return fmt.Errorf("command is %T, not a string or an array", v)
	}
	return nil
}

// UnmarshalJSON accepts a string or an array of strings.
func (c *Command) UnmarshalJSON(data []byte) error {
	var list []string
	if err := json.Unmarshal(data, &list); err == nil {
		*c = list
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("command is neither a string nor an array of strings: %s", data)
	}
	*c = Command{s}
	return nil
}

// Process is a launch process as the lifecycle recorded it.
type Process struct {
	Type             string   `toml:"type" json:"type"`
	Command          Command  `toml:"command" json:"command"`
	Args             []string `toml:"args" json:"args"`
	Direct           bool     `toml:"direct" json:"direct"`
	Default          bool     `toml:"default" json:"default"`
	BuildpackID      string   `toml:"buildpack-id" json:"buildpackID"`
	WorkingDirectory string   `toml:"working-dir" json:"working-dir"`
}

// Argv is the command followed by the args.
func (p Process) Argv() []string { return append(append([]string(nil), p.Command...), p.Args...) }

// Label is a key/value a buildpack set in its launch.toml.
type Label struct {
	Key   string `toml:"key"`
	Value string `toml:"value"`
}

// Metadata is <layers>/config/metadata.toml, the builder's summary of the
// build that the exporter and the launcher read.
type Metadata struct {
	Buildpacks                  []GroupEntry `toml:"buildpacks"`
	Processes                   []Process    `toml:"processes"`
	Labels                      []Label      `toml:"labels"`
	BuildpackDefaultProcessType string       `toml:"buildpack-default-process-type"`
}

// ReadMetadata parses <layers>/config/metadata.toml.
func (w *Workspace) ReadMetadata() (*Metadata, error) {
	path := filepath.Join(w.Layers, "config", "metadata.toml")
	var md Metadata
	if _, err := toml.DecodeFile(path, &md); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &md, nil
}

// Metadata is ReadMetadata that fails the test on error.
func (w *Workspace) Metadata() *Metadata {
	w.t.Helper()
	md, err := w.ReadMetadata()
	if err != nil {
		w.t.Fatal(err)
	}
	return md
}

// Process returns the process of the given type.
func (m *Metadata) Process(processType string) (Process, bool) {
	for _, p := range m.Processes {
		if p.Type == processType {
			return p, true
		}
	}
	return Process{}, false
}

// Label returns the value of the last label with key (the last one wins,
// as in the image).
func (m *Metadata) Label(key string) (string, bool) {
	value, found := "", false
	for _, l := range m.Labels {
		if l.Key == key {
			value, found = l.Value, true
		}
	}
	return value, found
}
