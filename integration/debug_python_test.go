// Python under debugpy, end to end: the python-http sample with the cpython
// and procfile fixtures (`web: python server.py`, `module: python -m
// webapp`), debugpy served by a loopback mirror, each process launched
// through the real launcher and driven over DAP (google/go-dap) into a
// breakpoint in its HTTP handler; then the BPL_DEBUG_* launch settings,
// SIGTERM and the labels.
package integration

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

const debugpyDefaultPort = 5678

func TestDebugPython(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	var tm timings
	start := time.Now()
	b := buildDebugApp(t, env, debugApp{app: "python-http", fixtures: []string{"paketo-cpython", "paketo-procfile"},
		platformEnv: map[string]string{"BP_DEBUG_PROCESS_TYPES": "web,module"}})
	tm.add("build", b.elapse)
	t.Logf("debug buildpack log:\n%s", b.log)

	python, err := filepath.EvalSymlinks(filepath.Join(b.ws.LayerDir("paketo-buildpacks/cpython", "cpython"), "bin", "python"))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(b.ws.App, "server.py")
	module := filepath.Join(b.ws.App, "webapp", "app.py")
	const wantScript, wantModule = "hello from python-http path=/probe", "hello from webapp path=/probe"

	t.Run("build", func(t *testing.T) {
		if got := b.srv.Downloaded(); len(got) != 1 || !strings.HasPrefix(got[0], "debugpy-") {
			t.Errorf("the mirror served %v, want only a debugpy wheel\n%s", got, b.srv)
		}
		for typ, target := range map[string][]string{"web": {"server.py"}, "module": {"-m", "webapp"}} {
			p, ok := b.md.Process(typ)
			if !ok || p.BuildpackID != harness.DebugBuildpackID {
				t.Errorf("process %s was not taken over: %+v", typ, p)
				continue
			}
			want := append([]string{b.layerPath("wrap/python"), "-m", "debugpy", "--listen", fmt.Sprintf("0.0.0.0:%d", debugpyDefaultPort)}, target...)
			if strings.Join(p.Argv(), " ") != strings.Join(want, " ") || !p.Direct {
				t.Errorf("process %s = %q direct=%v, want %q direct", typ, p.Argv(), p.Direct, want)
			}
		}
	})

	tm.step(t, "script: breakpoint on the default port", func(t *testing.T) {
		lockPort(t, debugpyDefaultPort)
		l := b.launch(t, "web", nil)
		ln := l.waitListener(t, debugpyDefaultPort)
		if !ln.IP.IsUnspecified() {
			t.Errorf("debugpy listens on %s, want all interfaces", ln.Addr())
		}
		if exe, _ := harness.Exe(l.Pid()); !sameFile(exe, python) {
			t.Errorf("the launched process runs %s, want the app's python %s (the wrapper must exec)", exe, python)
		}
		entry := b.checkLabels(t, "web", "python", "dap", ln.Port)
		if entry.Tools["dap"] != b.layerPath("debugpy") || !entry.Managed || entry.WorkingDir != b.ws.App {
			t.Errorf("label entry %+v", entry)
		}
		l.waitHTTP(t, wantScript)
		t.Log(dapHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", debugpyDefaultPort), script, harness.LineOf(t, script, "BREAKPOINT python-http"), l.url, wantScript))
		l.waitHTTP(t, wantScript)
	})

	testLaunchSettings(t, &tm, launchSettings{
		app: b, debugger: "debugpy", defaultPort: debugpyDefaultPort, process: "web", want: wantScript,
		// `python -m module` on loopback, the script everywhere else
		loopbackProcess: "module", loopbackWant: wantModule,
		appLine: func(line string) bool {
			return strings.Contains(line, "listening on") && !strings.HasPrefix(line, "debug-launch: ") ||
				strings.Contains(line, "GET /probe")
		},
		bare: func(t testing.TB, l *launched) { checkBarePython(t, l, python, []string{"server.py"}) },
		attach: func(t testing.TB, l *launched, port int) {
			t.Log(dapHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", port), module, harness.LineOf(t, module, "BREAKPOINT webapp"), l.url, wantModule))
		},
		release: func(t testing.TB, l *launched, port int) {
			s := dapAttach(t, fmt.Sprintf("127.0.0.1:%d", port), "", 0)
			l.waitHTTP(t, wantScript)
			s.disconnect()
		},
	})

	tm.step(t, "SIGTERM reaches the app", func(t *testing.T) {
		l, _ := b.launchDebugging(t, "web", wantScript)
		// debugpy's adapter daemonizes: it is not a child of the app.
		procs := l.Processes()
		if len(procs) < 2 {
			t.Fatalf("no debugpy adapter process besides the app:\n%s", l.Tree())
		}
		l.sigtermExit(t, 15*time.Second, "python under debugpy")
		for _, pid := range procs[1:] {
			waitGone(t, pid, 15*time.Second, "debugpy's adapter")
		}
		off := b.launch(t, "web", map[string]string{"BPL_DEBUG_ENABLED": "false"})
		off.waitHTTP(t, wantScript)
		off.sigtermExit(t, 10*time.Second, "the app")
	})
	t.Logf("python summary [%s]: %s", time.Since(start).Round(time.Millisecond), tm.String())
}

// checkBarePython asserts the launched process is the app's python running
// target with no debugpy, no child process and no port but the app's.
func checkBarePython(t testing.TB, l *launched, python string, target []string) {
	t.Helper()
	if exe, _ := harness.Exe(l.Pid()); !sameFile(exe, python) {
		t.Errorf("the launched process runs %s, want python %s", exe, python)
	}
	argv, _ := harness.Cmdline(l.Pid())
	if len(argv) < 1 || strings.Join(argv[1:], " ") != strings.Join(target, " ") {
		t.Errorf("the launched process's argv = %q, want python %q (no debugpy)", argv, target)
	}
	if tree := harness.Descendants(l.Pid()); len(tree) != 1 {
		t.Errorf("the app has child processes:\n%s", l.Tree())
	}
	l.onlyAppPort(t)
}
