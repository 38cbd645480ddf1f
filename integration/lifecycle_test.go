// The lifecycle plumbing, end to end on the host: the real lifecycle builds
// the sample apps with fixture buildpacks (the launch.toml shapes of real
// Paketo and Heroku buildpacks) followed by the debug buildpack, and the
// tests check what the lifecycle produced: the detector's group, metadata.toml,
// the exported image's config and labels, and the app run by the launcher.
package integration

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// summary collects one line per scenario so a run ends with a readable table.
type summary struct {
	mu    sync.Mutex
	lines []string
}

func (s *summary) add(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, fmt.Sprintf(format, args...))
}

func (s *summary) log(t *testing.T, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.Strings(s.lines)
	t.Logf("%s\n  %s", title, strings.Join(s.lines, "\n  "))
}

func TestDetect(t *testing.T) {
	env := harness.Require(t)
	debugBP := env.DebugBuildpack(t)
	cases := []struct {
		name        string
		platformEnv map[string]string // <platform>/env, what pack build --env writes
		phaseEnv    map[string]string // env of the lifecycle process itself
		required    bool              // listed explicitly (pack build --buildpack), not optional
		wantStatus  string            // the detector's result for the debug buildpack
		wantExit0   bool              // whether the detector as a whole passes
		wantOutput  []string          // in the debug buildpack's detect output
		// the builder phase must fail with one line naming the variable and the spellings
		wantBuildError bool
	}{
		{name: "BP_DEBUG=true passes", platformEnv: map[string]string{"BP_DEBUG": "true"},
			wantStatus: "pass", wantExit0: true, wantOutput: []string{"BP_DEBUG"}},
		{name: "BP_DEBUG_ENABLED=TRUE (Paketo alias) passes", platformEnv: map[string]string{"BP_DEBUG_ENABLED": "TRUE"},
			wantStatus: "pass", wantExit0: true},
		{name: "BP_DEBUG unset skips", wantStatus: "skip", wantExit0: true, wantOutput: []string{"BP_DEBUG"}},
		{name: "BP_DEBUG=false skips", platformEnv: map[string]string{"BP_DEBUG": "false"},
			wantStatus: "skip", wantExit0: true},
		// Only <platform>/env reaches buildpacks: an env var on the lifecycle
		// process itself (not how platforms pass --env) must not enable it.
		{name: "BP_DEBUG on the lifecycle process only skips", phaseEnv: map[string]string{"BP_DEBUG": "true"},
			wantStatus: "skip", wantExit0: true},
		// An optional buildpack whose detect errors is silently dropped from
		// the group (lifecycle v0.21.0 phase/detector.go), so a typo would give
		// an image without a debugger. detect passes instead, naming the
		// problem, and the builder phase fails with the same message.
		{name: "BP_DEBUG=yes-please fails the build, optional", platformEnv: map[string]string{"BP_DEBUG": "yes-please"},
			wantStatus: "pass", wantExit0: true, wantOutput: []string{"BP_DEBUG", "yes-please"}, wantBuildError: true},
		{name: "BP_DEBUG=yes-please fails the build, required", platformEnv: map[string]string{"BP_DEBUG": "yes-please"}, required: true,
			wantStatus: "pass", wantExit0: true, wantOutput: []string{"BP_DEBUG", "yes-please"}, wantBuildError: true},
	}
	var sum summary
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ws := harness.NewWorkspace(t, env)
				ws.CopyApp("node-http")
				ws.AddFixtures("paketo-node-engine", "paketo-node-start")
				if tc.required {
					ws.AddBuildpacks(debugBP)
				} else {
					ws.AddDebugBuildpack()
				}
				for k, v := range tc.platformEnv {
					ws.SetPlatformEnv(k, v)
				}
				for k, v := range tc.phaseEnv {
					ws.PhaseEnv[k] = v
				}
				if p := ws.Analyze(); !p.OK() {
					t.Fatalf("%s\n%s", p, p.Output)
				}
				d := ws.Detect()
				if got := d.Status(debugBP); got != tc.wantStatus {
					t.Errorf("detector result for %s = %q, want %q\n%s", debugBP, got, tc.wantStatus, d.Output)
				}
				if d.OK() != tc.wantExit0 {
					t.Errorf("detector exit %d, want success=%v\n%s", d.ExitCode, tc.wantExit0, d.Output)
				}
				out := d.Outputs[debugBP.String()]
				for _, want := range tc.wantOutput {
					if !strings.Contains(out, want) {
						t.Errorf("detect output of %s does not mention %q: %q", debugBP, want, out)
					}
				}
				if d.OK() {
					var ids []string
					for _, g := range d.Group {
						ids = append(ids, g.ID)
					}
					want := []string{"paketo-buildpacks/node-engine", "paketo-buildpacks/node-start"}
					if tc.wantStatus == "pass" {
						want = append(want, harness.DebugBuildpackID)
					}
					if !reflect.DeepEqual(ids, want) {
						t.Errorf("group.toml = %v, want %v", ids, want)
					}
				}
				if tc.wantBuildError {
					b := ws.RunBuilder()
					if b.OK() {
						t.Fatalf("builder passed with BP_DEBUG=yes-please\n%s", b.Output)
					}
					for _, want := range []string{`BP_DEBUG="yes-please" is not a boolean`, "true/false", "on/off"} {
						if !strings.Contains(b.Output, want) {
							t.Errorf("builder output does not say %q:\n%s", want, b.Output)
						}
					}
				}
				sum.add("%-45s -> %s (detector exit %d) %q", tc.name, d.Status(debugBP), d.ExitCode, strings.TrimSpace(out))
			})
		}
	})
	sum.log(t, "detect summary:")
}

// wantProcess is a fixture's process as the lifecycle must record it in
// metadata.toml; {layers} and {app} stand for the workspace's dirs.
type wantProcess struct {
	Type, BuildpackID string
	Command, Args     []string
	Direct            bool
}

// launchCheck runs one process through the launcher.
type launchCheck struct {
	Type    string   // process type; "" is the default
	Command []string // instead of a type: a user command run by the launcher
	Args    []string // user args
	HTTP    bool     // serve on PORT and answer GET /probe
	Want    string   // in the HTTP body, or in the output of a process that exits
}

type scenario struct {
	name        string
	app         string
	fixtures    []string
	platformEnv map[string]string // besides BP_DEBUG=true
	prepare     func(ws *harness.Workspace)
	defaultType string
	processes   []wantProcess
	launches    []launchCheck
}

func goBinaries(ws *harness.Workspace) { ws.GoBuild(nil, ".", "./cmd/hello") }

var scenarios = []scenario{
	{
		name: "paketo-go-build", app: "go-http", fixtures: []string{"paketo-go-build"}, prepare: goBinaries,
		defaultType: "go-http",
		processes: []wantProcess{
			{Type: "go-http", BuildpackID: "paketo-buildpacks/go-build", Command: []string{"{layers}/paketo-buildpacks_go-build/targets/bin/go-http"}, Direct: true},
			{Type: "hello", BuildpackID: "paketo-buildpacks/go-build", Command: []string{"{layers}/paketo-buildpacks_go-build/targets/bin/hello"}, Direct: true},
		},
		launches: []launchCheck{
			{HTTP: true, Want: "hello from go-http path=/probe"},
			{Type: "hello", Args: []string{"a", "b c"}, Want: "hello from cmd/hello args=[a b c]"},
			// The launcher puts each layer's bin/ on PATH for user commands too.
			{Command: []string{"--", "hello", "from-path"}, Want: "hello from cmd/hello args=[from-path]"},
		},
	},
	{
		name: "heroku-go (API 0.10)", app: "go-http", fixtures: []string{"heroku-go"}, prepare: goBinaries,
		defaultType: "web",
		processes: []wantProcess{
			{Type: "go-http", BuildpackID: "heroku/go", Command: []string{"go-http"}, Direct: true},
			{Type: "hello", BuildpackID: "heroku/go", Command: []string{"hello"}, Direct: true},
			{Type: "web", BuildpackID: "heroku/go", Command: []string{"go-http"}, Direct: true},
		},
		launches: []launchCheck{{HTTP: true, Want: "hello from go-http path=/probe"}},
	},
	{
		name: "paketo-node-start", app: "node-http", fixtures: []string{"paketo-node-engine", "paketo-node-start"},
		defaultType: "web",
		processes: []wantProcess{
			{Type: "web", BuildpackID: "paketo-buildpacks/node-start", Command: []string{"node"}, Args: []string{"server.js"}, Direct: true},
		},
		launches: []launchCheck{{HTTP: true, Want: "hello from node-http path=/probe"}},
	},
	{
		name: "paketo-npm-start", app: "node-http", fixtures: []string{"paketo-node-engine", "paketo-npm-start"},
		defaultType: "web",
		processes: []wantProcess{
			{Type: "web", BuildpackID: "paketo-buildpacks/npm-start", Command: []string{"sh"}, Args: []string{"{app}/start.sh"}, Direct: true},
		},
		launches: []launchCheck{{HTTP: true, Want: "hello from node-http path=/probe"}},
	},
	{
		// python-start's process is the REPL; users pass the script as args.
		name: "paketo-python-start (API 0.8)", app: "python-http", fixtures: []string{"paketo-cpython", "paketo-python-start"},
		defaultType: "web",
		processes: []wantProcess{
			{Type: "web", BuildpackID: "paketo-buildpacks/python-start", Command: []string{"python"}, Direct: true},
		},
		launches: []launchCheck{{Args: []string{"server.py"}, HTTP: true, Want: "hello from python-http path=/probe"}},
	},
	{
		name: "paketo-procfile (shell processes)", app: "python-http", fixtures: []string{"paketo-cpython", "paketo-procfile"},
		defaultType: "web",
		processes: []wantProcess{
			{Type: "module", BuildpackID: "paketo-buildpacks/procfile", Command: []string{"python -m webapp"}, Direct: false},
			{Type: "web", BuildpackID: "paketo-buildpacks/procfile", Command: []string{"python server.py"}, Direct: false},
		},
		launches: []launchCheck{
			{HTTP: true, Want: "hello from python-http path=/probe"},
			{Type: "module", HTTP: true, Want: "hello from webapp path=/probe"},
		},
	},
	{
		name: "heroku-procfile (API 0.10 command arrays)", app: "python-http", fixtures: []string{"paketo-cpython", "heroku-procfile"},
		defaultType: "web",
		processes: []wantProcess{
			{Type: "web", BuildpackID: "heroku/procfile", Command: []string{"bash", "-c"}, Args: []string{"python server.py"}, Direct: true},
			{Type: "module", BuildpackID: "heroku/procfile", Command: []string{"bash", "-c"}, Args: []string{"python -m webapp"}, Direct: true},
		},
		launches: []launchCheck{{HTTP: true, Want: "hello from python-http path=/probe"}},
	},
	{
		name: "paketo-executable-jar", app: "java-http", fixtures: []string{"paketo-bellsoft-liberica", "paketo-executable-jar"},
		prepare:     func(ws *harness.Workspace) { ws.Javac("src/sample/Server.java") },
		defaultType: "web",
		processes: []wantProcess{
			{Type: "executable-jar", BuildpackID: "paketo-buildpacks/executable-jar", Command: []string{"java"}, Args: []string{"sample.Server"}, Direct: true},
			{Type: "task", BuildpackID: "paketo-buildpacks/executable-jar", Command: []string{"java"}, Args: []string{"sample.Server"}, Direct: true},
			{Type: "web", BuildpackID: "paketo-buildpacks/executable-jar", Command: []string{"java"}, Args: []string{"sample.Server"}, Direct: true},
		},
		launches: []launchCheck{{HTTP: true, Want: "hello from java-http path=/probe"}},
	},
	{
		// No .NET runtime on this machine: the shape is checked, nothing runs.
		// vsdbg is only ever fetched from Microsoft's URI, which is out of
		// reach offline, so the process is not selected for debugging.
		name: "paketo-dotnet-execute (API 0.8)", app: "dotnet-app", fixtures: []string{"paketo-dotnet-execute"},
		platformEnv: map[string]string{"BP_DEBUG_PROCESS_TYPES": "no-such-type"},
		defaultType: "App",
		processes: []wantProcess{
			{Type: "App", BuildpackID: "paketo-buildpacks/dotnet-execute", Command: []string{"dotnet"}, Args: []string{"{app}/App.dll"}, Direct: true},
		},
	},
}

// TestBuildWithFixtures builds every sample app with its fixture buildpacks
// and the debug buildpack (BP_DEBUG=true), then checks the lifecycle's
// output and runs the processes through the real launcher.
func TestBuildWithFixtures(t *testing.T) {
	env := harness.Require(t)
	env.DebugBuildpack(t) // build it once, before the parallel subtests
	var sum summary
	t.Run("apps", func(t *testing.T) {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				sum.add("%s", runScenario(t, env, sc))
			})
		}
	})
	sum.log(t, "build summary (scenario: processes as recorded; launches):")
}

func runScenario(t *testing.T, env *harness.Env, sc scenario) string {
	start := time.Now()
	ws := harness.NewWorkspace(t, env)
	ws.CopyApp(sc.app)
	if sc.prepare != nil {
		sc.prepare(ws)
	}
	ws.AddFixtures(sc.fixtures...)
	debugBP := ws.AddDebugBuildpack()
	ws.SetPlatformEnv("BP_DEBUG", "true")
	for k, v := range sc.platformEnv {
		ws.SetPlatformEnv(k, v)
	}
	res := ws.MustBuild()

	// The debug buildpack ran last, after every fixture.
	group := res.Detect.Group
	if len(group) != len(sc.fixtures)+1 || group[len(group)-1].ID != harness.DebugBuildpackID {
		t.Fatalf("group.toml = %+v, want the %d fixtures then %s", group, len(sc.fixtures), harness.DebugBuildpackID)
	}
	debugLog := res.Builder().BuildpackOutput(debugBP)
	if strings.TrimSpace(debugLog) == "" {
		t.Errorf("the debug buildpack printed nothing in the builder; builder output:\n%s", res.Builder().Output)
	}
	t.Logf("debug buildpack log:\n%s", debugLog)

	md := ws.Metadata()
	checkProcesses(t, ws, sc, md)
	if md.BuildpackDefaultProcessType != sc.defaultType {
		t.Errorf("metadata.toml default process type = %q, want %q", md.BuildpackDefaultProcessType, sc.defaultType)
	}
	checkImage(t, ws, sc, md)

	var launched []string
	for _, lc := range sc.launches {
		launched = append(launched, runLaunch(t, ws, sc, lc))
	}
	var recorded []string
	for _, p := range md.Processes {
		recorded = append(recorded, fmt.Sprintf("%s=%q(by %s)", p.Type, strings.Join(p.Argv(), " "), p.BuildpackID))
	}
	return fmt.Sprintf("%s [%s]: %s; launched: %s", sc.name, time.Since(start).Round(time.Millisecond),
		strings.Join(recorded, ", "), strings.Join(launched, ", "))
}

func expand(ws *harness.Workspace, list []string) []string {
	out := []string{}
	for _, s := range list {
		s = strings.ReplaceAll(s, "{layers}", ws.Layers)
		out = append(out, strings.ReplaceAll(s, "{app}", ws.App))
	}
	return out
}

func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// checkProcesses: each fixture process survives in metadata.toml exactly as
// written, except the one the debug buildpack takes over: by default only
// the default process, which then carries the debug buildpack's id.
func checkProcesses(t *testing.T, ws *harness.Workspace, sc scenario, md *harness.Metadata) {
	t.Helper()
	expected := map[string]bool{}
	for _, want := range sc.processes {
		expected[want.Type] = true
		got, ok := md.Process(want.Type)
		if !ok {
			t.Errorf("metadata.toml has no %q process; processes: %+v", want.Type, md.Processes)
			continue
		}
		if got.BuildpackID == harness.DebugBuildpackID {
			if want.Type != sc.defaultType {
				t.Errorf("the debug buildpack replaced process %q, which is not the default (%q)", want.Type, sc.defaultType)
			}
			t.Logf("process %q taken over by the debug buildpack: %q", want.Type, got.Argv())
			continue
		}
		if got.BuildpackID != want.BuildpackID {
			t.Errorf("process %q is from %q, want %q", want.Type, got.BuildpackID, want.BuildpackID)
		}
		if wantCmd := expand(ws, want.Command); !reflect.DeepEqual(orEmpty(got.Command), wantCmd) {
			t.Errorf("process %q command = %q, want %q", want.Type, got.Command, wantCmd)
		}
		if wantArgs := expand(ws, want.Args); !reflect.DeepEqual(orEmpty(got.Args), wantArgs) {
			t.Errorf("process %q args = %q, want %q", want.Type, got.Args, wantArgs)
		}
		if got.Direct != want.Direct {
			t.Errorf("process %q direct = %v, want %v", want.Type, got.Direct, want.Direct)
		}
	}
	for _, p := range md.Processes {
		if !expected[p.Type] && p.BuildpackID != harness.DebugBuildpackID {
			t.Errorf("unexpected process %q from %q", p.Type, p.BuildpackID)
		}
	}
}

// checkImage: the exported image is what Skaffold and a container runtime
// read: entrypoint, the process list label, the stack id, the debug label.
func checkImage(t *testing.T, ws *harness.Workspace, sc scenario, md *harness.Metadata) {
	t.Helper()
	img := ws.Image()
	if want := []string{"/cnb/process/" + sc.defaultType}; !reflect.DeepEqual(img.Config.Entrypoint, want) {
		t.Errorf("image entrypoint = %q, want %q", img.Config.Entrypoint, want)
	}
	if _, ok := img.Config.Labels[harness.LabelStackID]; !ok {
		t.Errorf("image has no %s label (Skaffold needs it to see a buildpacks image)", harness.LabelStackID)
	}
	bm, err := img.BuildMetadata()
	if err != nil {
		t.Fatal(err)
	}
	// The label is the only copy of the process list in the image: it must
	// say what metadata.toml says.
	type proc struct {
		Type, BuildpackID string
		Argv              []string
		Direct            bool
	}
	norm := func(ps []harness.Process) []proc {
		var out []proc
		for _, p := range ps {
			out = append(out, proc{p.Type, p.BuildpackID, p.Argv(), p.Direct})
		}
		return out
	}
	if got, want := norm(bm.Processes), norm(md.Processes); !reflect.DeepEqual(got, want) {
		t.Errorf("label %s processes = %+v\nmetadata.toml processes = %+v", harness.LabelBuildMetadata, got, want)
	}
	var ids []string
	for _, b := range bm.Buildpacks {
		ids = append(ids, b.ID)
	}
	if len(ids) == 0 || ids[len(ids)-1] != harness.DebugBuildpackID {
		t.Errorf("label %s buildpacks = %v, want %s last", harness.LabelBuildMetadata, ids, harness.DebugBuildpackID)
	}

	// The debug label describes the processes the debug buildpack took over:
	// one entry per such process, and no label when it took over none (it
	// leaves alone what it cannot debug, e.g. a shell script).
	var takenOver []string
	for _, p := range md.Processes {
		if p.BuildpackID == harness.DebugBuildpackID {
			takenOver = append(takenOver, p.Type)
		}
	}
	_, inMetadata := md.Label(harness.DebugConfigLabel)
	_, inImage := img.Config.Labels[harness.DebugConfigLabel]
	if inMetadata != inImage {
		t.Errorf("label %s: in metadata.toml %v, in the image %v", harness.DebugConfigLabel, inMetadata, inImage)
	}
	if len(takenOver) == 0 {
		t.Logf("the debug buildpack took over no process; label %s present: %v", harness.DebugConfigLabel, inImage)
		if !inImage {
			return
		}
	}
	cfg, err := img.DebugConfig()
	if err != nil {
		t.Errorf("%v (labels: %v)", err, labelKeys(img.Config.Labels))
		return
	}
	for _, typ := range takenOver {
		if _, ok := cfg[typ]; !ok {
			t.Errorf("label %s has no entry for process %q, which the debug buildpack took over: %v", harness.DebugConfigLabel, typ, cfg)
		}
	}
}

func labelKeys(labels map[string]string) []string {
	var keys []string
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runLaunch starts a process through the real launcher with debugging off
// at launch (BPL_DEBUG_ENABLED=false), so it must behave as the app itself.
func runLaunch(t *testing.T, ws *harness.Workspace, sc scenario, lc launchCheck) string {
	t.Helper()
	processType := lc.Type
	if processType == "" {
		processType = sc.defaultType
	}
	opts := harness.LaunchOptions{Args: lc.Args, Env: map[string]string{"BPL_DEBUG_ENABLED": "false"}}
	if lc.Command != nil {
		p := ws.LaunchCommand(lc.Command, opts)
		code, err := p.Wait(30 * time.Second)
		if err != nil || code != 0 || !strings.Contains(p.Output(), lc.Want) {
			t.Errorf("launcher %q: exit %d, err %v, want output containing %q; output:\n%s", lc.Command, code, err, lc.Want, p.Output())
		}
		return fmt.Sprintf("launcher %q ran", lc.Command)
	}
	if !lc.HTTP {
		p := ws.Launch(processType, opts)
		code, err := p.Wait(30 * time.Second)
		if err != nil || code != 0 || !strings.Contains(p.Output(), lc.Want) {
			t.Errorf("launch %s: exit %d, err %v, want output containing %q; output:\n%s", processType, code, err, lc.Want, p.Output())
		}
		return processType + " ran"
	}
	port := harness.FreePort(t)
	opts.Env["PORT"] = fmt.Sprint(port)
	p := ws.Launch(processType, opts)
	body, err := harness.WaitHTTP(fmt.Sprintf("http://127.0.0.1:%d/probe", port), 30*time.Second, p)
	if err != nil {
		t.Errorf("launch %s: %v", processType, err)
		return processType + " FAILED"
	}
	if !strings.Contains(body, lc.Want) {
		t.Errorf("launch %s: body %q, want %q", processType, body, lc.Want)
	}
	p.Kill()
	return processType + " answered HTTP"
}

// TestRebuildReusesLayers builds the same app twice in one workspace, as a
// platform does: the second build restores the cache and the exporter reuses
// the unchanged launch layer of the previous image.
func TestRebuildReusesLayers(t *testing.T) {
	env := harness.Require(t)
	ws := harness.NewWorkspace(t, env)
	ws.CopyApp("go-http")
	goBinaries(ws)
	ws.AddFixtures("paketo-go-build")
	debugBP := ws.AddDebugBuildpack()
	ws.SetPlatformEnv("BP_DEBUG", "true")

	first := ws.MustBuild()
	firstMD, err := ws.Image().LifecycleMetadata()
	if err != nil {
		t.Fatal(err)
	}
	second := ws.Rebuild()
	if p := second.Failed(); p != nil {
		t.Fatalf("rebuild failed in %s\n%s", p, p.Output)
	}
	secondMD, err := ws.Image().LifecycleMetadata()
	if err != nil {
		t.Fatal(err)
	}

	restorer := second.Phase("restorer").Output
	if want := `Restoring data for "paketo-buildpacks/go-build:gocache" from cache`; !strings.Contains(restorer, want) {
		t.Errorf("restorer output lacks %q:\n%s", want, restorer)
	}
	fixtureLog := second.Builder().BuildpackOutput(env.Fixture(t, "paketo-go-build"))
	if !strings.Contains(fixtureLog, "Reusing cached layer gocache (build 2)") {
		t.Errorf("the go-build fixture did not see its restored cache layer:\n%s", fixtureLog)
	}
	if got := second.Phase("exporter").ExportedLayers()["paketo-buildpacks/go-build:targets"]; got != "reused" {
		t.Errorf("exporter: layer paketo-buildpacks/go-build:targets was %q, want reused\n%s", got, second.Phase("exporter").Output)
	}
	a, _ := firstMD.Layer("paketo-buildpacks/go-build", "targets")
	b, _ := secondMD.Layer("paketo-buildpacks/go-build", "targets")
	if a.SHA == "" || a.SHA != b.SHA {
		t.Errorf("targets layer digest changed across the rebuild: %q -> %q", a.SHA, b.SHA)
	}

	// The debug buildpack's own layers: reported here, asserted by the tests
	// that own its layer policy.
	var ours []string
	for layer, how := range second.Phase("exporter").ExportedLayers() {
		if strings.HasPrefix(layer, harness.DebugBuildpackID+":") || strings.HasPrefix(layer, "cache:"+harness.DebugBuildpackID+":") {
			ours = append(ours, layer+"="+how)
		}
	}
	sort.Strings(ours)
	t.Logf("rebuild summary: first %s; second %s; debug buildpack layers on rebuild: %v\ndebug buildpack log on rebuild:\n%s",
		phaseTimes(first), phaseTimes(second), ours, second.Builder().BuildpackOutput(debugBP))
}

func phaseTimes(r *harness.BuildResult) string {
	var parts []string
	for _, p := range r.Phases {
		parts = append(parts, fmt.Sprintf("%s %s", p.Name, p.Duration.Round(time.Millisecond)))
	}
	return strings.Join(parts, ", ")
}

// TestMalformedLaunchTOML: a buildpack before the debug buildpack writes a
// bad launch.toml. What the lifecycle itself rejects fails the build before
// the debug buildpack runs; what it accepts reaches the debug buildpack,
// which must fail the build with one line naming the file.
func TestMalformedLaunchTOML(t *testing.T) {
	env := harness.Require(t)
	debugBP := env.DebugBuildpack(t)
	cases := []struct {
		variant       string
		lifecycleSays string // "" when the lifecycle accepts the file
	}{
		{variant: "syntax", lifecycleSays: `toml: line 3 (last key "processes.command")`},
		{variant: "string-command", lifecycleSays: `toml: line 3 (last key "processes.command"): incompatible types`},
		{variant: "empty-command"},
		{variant: "no-type"},
	}
	var sum summary
	t.Run("variants", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.variant, func(t *testing.T) {
				t.Parallel()
				ws := harness.NewWorkspace(t, env)
				ws.CopyApp("python-http")
				ws.AddFixtures("broken-launch-toml")
				ws.AddDebugBuildpack()
				ws.SetPlatformEnv("BP_DEBUG", "true")
				ws.SetPlatformEnv("BROKEN_LAUNCH_TOML", tc.variant)
				res := ws.Build()
				failed := res.Failed()
				if failed == nil || failed.Name != "builder" {
					t.Fatalf("want the builder to fail, got:\n%s", res.Summary())
				}
				ran := strings.Contains(failed.Output, "Running build for buildpack "+debugBP.String())
				if tc.lifecycleSays != "" {
					if ran {
						t.Errorf("the debug buildpack ran although the lifecycle rejected the file")
					}
					errLines := grepLines(failed.Output, regexp.MustCompile(`^ERROR: `))
					if len(errLines) != 1 || !strings.Contains(errLines[0], tc.lifecycleSays) {
						t.Errorf("want one lifecycle ERROR line containing %q, got %q", tc.lifecycleSays, errLines)
					}
					sum.add("%-15s rejected by the lifecycle: %s", tc.variant, strings.Join(errLines, " | "))
					return
				}
				if !ran {
					t.Fatalf("the debug buildpack did not run:\n%s", failed.Output)
				}
				file := filepath.Join(ws.LayerDir("fixture/broken-launch-toml", ""), "launch.toml")
				ours := failed.BuildpackOutput(debugBP)
				naming := grepLines(ours, regexp.MustCompile(regexp.QuoteMeta("fixture_broken-launch-toml/launch.toml")))
				if len(naming) != 1 {
					t.Errorf("want exactly one line of the debug buildpack's output naming %s, got %q; its output:\n%s", file, naming, ours)
				}
				sum.add("%-15s rejected by the debug buildpack: %s", tc.variant, strings.Join(naming, " | "))
			})
		}
	})
	sum.log(t, "malformed launch.toml summary:")
}

func grepLines(text string, re *regexp.Regexp) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if re.MatchString(line) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestHarnessBuildpackStaging checks the harness stages only the buildpack's
// runtime files and its embedded dependencies, which is what a packaged
// buildpack contains.
func TestHarnessBuildpackStaging(t *testing.T) {
	env := harness.Require(t)
	ws := harness.NewWorkspace(t, env)
	bp := ws.AddDebugBuildpack()
	staged := filepath.Join(ws.Buildpacks, bp.EscapedID(), bp.Version)
	for _, f := range []string{"buildpack.toml", "bin/detect", "bin/build"} {
		info, err := os.Stat(filepath.Join(staged, f))
		if err != nil {
			t.Errorf("staged buildpack lacks %s: %v", f, err)
			continue
		}
		if strings.HasPrefix(f, "bin/") && info.Mode()&0o111 == 0 {
			t.Errorf("staged %s is not executable", f)
		}
	}
	for _, f := range []string{"src", "CMakeLists.txt", "integration", "tests"} {
		if _, err := os.Stat(filepath.Join(staged, f)); err == nil {
			t.Errorf("staged buildpack contains %s, which is source", f)
		}
	}
	// dependencies/<sha256>/<file>: each file must hash to its directory name.
	files, _ := filepath.Glob(filepath.Join(staged, "dependencies", "*", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if sum := fmt.Sprintf("%x", sha256.Sum256(data)); sum != filepath.Base(filepath.Dir(f)) {
			t.Errorf("staged %s has sha256 %s", strings.TrimPrefix(f, staged+"/"), sum)
		}
	}
	t.Logf("staged %s with %d embedded dependencies", bp, len(files))
}
