// Unit tests of the harness's parsers, on output captured from lifecycle
// v0.21.0 on this machine; they need neither root nor the lifecycle.
package harness

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestLayoutPath(t *testing.T) {
	cases := map[string]string{
		"probe.local/app:latest":       "/l/probe.local/app/latest",
		"probe.local/team/app:v1":      "/l/probe.local/team/app/v1",
		"probe.local/app":              "/l/probe.local/app/latest",
		"probe.local:5000/app:2":       "/l/probe.local:5000/app/2",
		"probe.local:5000/app":         "/l/probe.local:5000/app/latest",
		"probe.local/cnbdebug-run:abc": "/l/probe.local/cnbdebug-run/abc",
	}
	for name, want := range cases {
		if got := layoutPath("/l", name); got != want {
			t.Errorf("layoutPath(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCommandDecodesStringOrArray(t *testing.T) {
	var md Metadata
	doc := `
buildpack-default-process-type = "web"
[[processes]]
  type = "web"
  command = ["node", "--inspect"]
  args = ["server.js"]
  direct = true
  buildpack-id = "a"
[[processes]]
  type = "legacy"
  command = "python server.py"
  buildpack-id = "b"
`
	if _, err := toml.Decode(doc, &md); err != nil {
		t.Fatal(err)
	}
	if got := md.Processes[0].Argv(); !reflect.DeepEqual(got, []string{"node", "--inspect", "server.js"}) {
		t.Errorf("array command argv = %q", got)
	}
	if got := md.Processes[1].Command; !reflect.DeepEqual(got, Command{"python server.py"}) {
		t.Errorf("string command = %q", got)
	}
	if _, err := toml.Decode("[[processes]]\ncommand = 3\n", &Metadata{}); err == nil {
		t.Error("a numeric command decoded without error")
	}

	var procs []Process
	if err := json.Unmarshal([]byte(`[{"type":"a","command":["x","y"]},{"type":"b","command":"z"}]`), &procs); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(procs[0].Command, Command{"x", "y"}) || !reflect.DeepEqual(procs[1].Command, Command{"z"}) {
		t.Errorf("JSON commands = %q, %q", procs[0].Command, procs[1].Command)
	}
	if err := json.Unmarshal([]byte(`[{"command":{"a":1}}]`), &procs); err == nil {
		t.Error("an object command decoded without error")
	}
}

func TestMetadataLabelLastWins(t *testing.T) {
	md := Metadata{Labels: []Label{{"k", "1"}, {"other", "x"}, {"k", "2"}}}
	if v, ok := md.Label("k"); !ok || v != "2" {
		t.Errorf("Label(k) = %q, %v; want the last value 2", v, ok)
	}
	if _, ok := md.Label("missing"); ok {
		t.Error("Label(missing) found")
	}
}

const detectorLog = `Starting detector...
Checking for match against descriptor: {linux amd64  []}
======== Output: cnbdebug/debug@0.1.0 ========
cnbdebug/debug: BP_DEBUG="nope" is not a boolean; use true/false, 1/0, yes/no, on/off (any case)
======== Output: paketo-buildpacks/cpython@1.0.0 ========
using /usr/bin/python3
======== Results ========
pass: paketo-buildpacks/cpython@1.0.0
skip: fixture/other@1.0.0
err:  cnbdebug/debug@0.1.0 (1)
Resolving plan... (try #1)
2 of 3 buildpacks participating
`

func TestParseDetectOutput(t *testing.T) {
	results, outputs := parseDetectOutput(detectorLog)
	wantResults := map[string]string{
		"paketo-buildpacks/cpython@1.0.0": "pass",
		"fixture/other@1.0.0":             "skip",
		"cnbdebug/debug@0.1.0":            "err",
	}
	if !reflect.DeepEqual(results, wantResults) {
		t.Errorf("results = %v, want %v", results, wantResults)
	}
	wantOutputs := map[string]string{
		"cnbdebug/debug@0.1.0":            "cnbdebug/debug: BP_DEBUG=\"nope\" is not a boolean; use true/false, 1/0, yes/no, on/off (any case)\n",
		"paketo-buildpacks/cpython@1.0.0": "using /usr/bin/python3\n",
	}
	if !reflect.DeepEqual(outputs, wantOutputs) {
		t.Errorf("outputs = %q, want %q", outputs, wantOutputs)
	}
}

const builderLog = `Starting builder...
Running build for buildpack paketo-buildpacks/go-build@1.0.0
Looking up buildpack
Running build command
Fixture: Paketo Buildpack for Go Build 1.0.0
  Executing build process
Processing layers
Finished running build for buildpack paketo-buildpacks/go-build@1.0.0
Running build for buildpack cnbdebug/debug@0.1.0
Looking up buildpack
Preparing paths
Running build command
Debug Buildpack 0.1.0
cnbdebug/debug: /l/fixture_x/launch.toml: process 'web' has an empty command
Timer: Builder ran for 7ms and ended at 2026-11-23T19:19:34Z
ERROR: failed to build: exit status 1
`

func TestBuildpackOutput(t *testing.T) {
	p := &Phase{Output: builderLog}
	goBuild := Buildpack{ID: "paketo-buildpacks/go-build", Version: "1.0.0"}
	if got, want := p.BuildpackOutput(goBuild), "Fixture: Paketo Buildpack for Go Build 1.0.0\n  Executing build process\n"; got != want {
		t.Errorf("go-build output = %q, want %q", got, want)
	}
	// A failed bin/build is followed by the lifecycle's timer and ERROR lines.
	debug := Buildpack{ID: "cnbdebug/debug", Version: "0.1.0"}
	got := p.BuildpackOutput(debug)
	want := "Debug Buildpack 0.1.0\ncnbdebug/debug: /l/fixture_x/launch.toml: process 'web' has an empty command\n"
	if got != want {
		t.Errorf("debug output = %q, want %q", got, want)
	}
	if got := p.BuildpackOutput(Buildpack{ID: "not/run", Version: "1"}); got != "" {
		t.Errorf("output of a buildpack that did not run = %q", got)
	}
}

func TestExportedLayers(t *testing.T) {
	p := &Phase{Output: `Reusing layers from image '/x'
Adding layer 'cnbdebug/debug:debug-tools'
Reusing layer 'paketo-buildpacks/go-build:targets'
Reusing layer 'buildpacksio/lifecycle:launcher'
Adding cache layer 'paketo-buildpacks/go-build:gocache'
Reusing cache layer 'cnbdebug/debug:downloads'
`}
	want := map[string]string{
		"cnbdebug/debug:debug-tools":               "added",
		"paketo-buildpacks/go-build:targets":       "reused",
		"buildpacksio/lifecycle:launcher":          "reused",
		"cache:paketo-buildpacks/go-build:gocache": "added",
		"cache:cnbdebug/debug:downloads":           "reused",
	}
	if got := p.ExportedLayers(); !reflect.DeepEqual(got, want) {
		t.Errorf("ExportedLayers = %v, want %v", got, want)
	}
}
