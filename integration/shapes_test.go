// Issue 12's real shapes, one table: each is built with the faithful fixture
// buildpacks and the debug buildpack under the real lifecycle, then either a
// real client hits a breakpoint through the debugger the image starts, or the
// debug buildpack must have left the process alone with a WARNING naming the
// construct. Cases the buildpack cannot handle yet carry `pending` (what is
// missing) and skip; SHAPES_RUN_PENDING=1 runs them anyway, to see where the
// C work stands.
package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

type shapeOutcome int

const (
	// shapeDebugs: the default process, launched with BPL_DEBUG_PORT, has a
	// debugger on that port and a real client hits the app's breakpoint.
	shapeDebugs shapeOutcome = iota
	// shapeWarns: the build log has a WARNING naming `construct`, and the
	// process is still the other buildpack's.
	shapeWarns
)

type shape struct {
	name     string
	app      string
	fixtures []string
	env      map[string]string // platform env besides BP_DEBUG=true
	files    map[string]string // app files written over the sample app
	prepare  func(t *testing.T, ws *harness.Workspace)
	runtime  string // node, python, jvm: which client to use
	outcome  shapeOutcome
	// construct is what the WARNING must name (shapeWarns).
	construct string
	// launchEnv is added to the launch env (e.g. BPL_DEBUG_ENABLED=true,
	// which turns on Paketo's own exec.d debug helpers too).
	launchEnv map[string]string
	// oneAgent also checks that the process tree listens on the app's port
	// and the debug port only: no second agent (libjvm's debug-9 on 8000,
	// node-engine's inspector on 9229).
	oneAgent bool
	// argvWants: words the process that serves the app's port must have in
	// its argv at launch, with {PORT} standing for the app's port: proof that
	// a template word ($PORT, ${PORT:-8080}) was expanded from the launch
	// env, since the samples also read PORT from the env themselves.
	argvWants []string
	// workers: the app serves requests in that many forked workers
	// (gunicorn --workers N): the client attaches to each, as IDEs do.
	workers int
	// pending says what the buildpack still lacks; the case skips.
	pending string
}

var shapes = []shape{
	{
		name: "node-start without npm-install: node launch-only", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-node-start"}, runtime: "node",
	},
	{
		name: "python-start + procfile without requirements.txt: cpython launch-only", app: "python-http",
		fixtures: []string{"paketo-cpython", "paketo-python-start", "paketo-procfile"},
		files:    map[string]string{"Procfile": "web: python server.py\n"}, runtime: "python",
	},
	{
		name: "heroku procfile bash -c with $PORT (python)", app: "python-http",
		fixtures: []string{"paketo-cpython", "paketo-python-start", "heroku-procfile"},
		files:    map[string]string{"Procfile": "web: exec python server.py --port $PORT\n"}, runtime: "python",
		argvWants: []string{"server.py", "--port", "{PORT}"},
	},
	{
		name: "heroku procfile bash -c with ${PORT:-8080} (node)", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-node-start", "heroku-procfile"},
		files:    map[string]string{"Procfile": "web: node server.js --port=${PORT:-8080}\n"}, runtime: "node",
		argvWants: []string{"server.js", "--port={PORT}"},
	},
	{
		name: "heroku procfile bash -c java -Dserver.port=$PORT", app: "java-http",
		fixtures: []string{"paketo-bellsoft-liberica", "paketo-executable-jar", "heroku-procfile"},
		files:    map[string]string{"Procfile": "web: java -Dserver.port=$PORT sample.Server\n"}, runtime: "jvm",
		prepare: func(t *testing.T, ws *harness.Workspace) { ws.Javac("src/sample/Server.java") },
	},
	{
		name: "paketo procfile shell process gunicorn --bind 0.0.0.0:$PORT with workers", app: "python-wsgi",
		fixtures: []string{"paketo-cpython", "paketo-pip", "paketo-pip-install", "paketo-python-start", "paketo-procfile"},
		files:    map[string]string{"Procfile": "web: gunicorn app:app --workers 2 --bind 0.0.0.0:$PORT\n"}, runtime: "python", workers: 2,
		prepare: vendorGunicorn, argvWants: []string{"--bind", "0.0.0.0:{PORT}"},
	},
	{
		// gunicorn binds 0.0.0.0:$PORT itself when PORT is set (its config's
		// default bind), so this needs no expansion at launch.
		name: "paketo procfile shell process gunicorn with workers (bind from PORT)", app: "python-wsgi",
		fixtures: []string{"paketo-cpython", "paketo-pip", "paketo-pip-install", "paketo-python-start", "paketo-procfile"},
		files:    map[string]string{"Procfile": "web: gunicorn app:app --workers 2\n"}, runtime: "python", workers: 2,
		prepare: vendorGunicorn,
	},
	{
		name: "heroku python + procfile bash -c python server.py", app: "python-http",
		fixtures: []string{"heroku-python", "heroku-procfile"},
		files:    map[string]string{"Procfile": "web: python server.py\n"}, runtime: "python",
	},
	{
		name: "heroku python venv + procfile bash -c gunicorn with workers and $PORT", app: "python-wsgi",
		fixtures: []string{"heroku-python", "heroku-procfile"},
		files:    map[string]string{"Procfile": "web: gunicorn app:app --workers 2 --bind 0.0.0.0:$PORT\n"}, runtime: "python", workers: 2,
		prepare: vendorGunicorn, argvWants: []string{"--bind", "0.0.0.0:{PORT}"},
	},
	{
		name: "heroku procfile bash -c ./run.sh (an opaque script): left alone with a WARNING", app: "python-http",
		fixtures: []string{"paketo-cpython", "paketo-python-start", "heroku-procfile"},
		files:    map[string]string{"Procfile": "web: ./run.sh\n"},
		prepare: func(t *testing.T, ws *harness.Workspace) {
			ws.WriteAppFile("run.sh", "#!/bin/sh\nexec python server.py\n", 0o755)
		},
		outcome: shapeWarns, construct: "run.sh",
	},
	{
		name: "node-start under tini (BP_LAUNCH_WITH_TINI)", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-tini", "paketo-node-start"},
		env:      map[string]string{"BP_LAUNCH_WITH_TINI": "true"}, runtime: "node",
	},
	{
		name: "node-start reload: watchexec --restart --watch APP --shell none -- node server.js", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-watchexec", "paketo-node-start"},
		env:      map[string]string{"BP_LIVE_RELOAD_ENABLED": "true"}, runtime: "node",
		prepare: fixtureWatchexec,
	},
	{
		name: "npm-start sh start.sh", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-npm-start"}, runtime: "node",
	},
	{
		name: "npm-start start.sh with cd DIR && and prestart/poststart", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-npm-start"}, runtime: "node",
		env: map[string]string{"BP_NODE_PROJECT_PATH": "web"},
		prepare: func(t *testing.T, ws *harness.Workspace) {
			for _, f := range []string{"server.js"} {
				data, err := os.ReadFile(filepath.Join(ws.App, f))
				if err != nil {
					t.Fatal(err)
				}
				ws.WriteAppFile(filepath.Join("web", f), string(data), 0o644)
			}
			ws.WriteAppFile("web/package.json", `{"name":"web","version":"1.0.0","private":true,"scripts":{"prestart":"echo prestart","start":"node server.js","poststart":"echo poststart"}}`+"\n", 0o644)
		},
	},
	{
		name: "heroku nodejs [npm, start]", app: "node-http",
		fixtures: []string{"heroku-nodejs"}, runtime: "node",
	},
	{
		name: "heroku nodejs [yarn, start] (yarn 1)", app: "node-http",
		fixtures: []string{"heroku-nodejs"}, runtime: "node",
		files:   map[string]string{"package.json": nodePackageJSON("yarn@1.22.22")},
		prepare: nodePackageManager("yarn@1.22.22"),
	},
	{
		name: "heroku nodejs [yarn, start] (yarn 4, berry, PnP)", app: "node-http",
		fixtures: []string{"heroku-nodejs"}, runtime: "node",
		files:   map[string]string{"package.json": nodePackageJSON("yarn@4.5.3"), "yarn.lock": berryLock},
		prepare: nodePackageManager("@yarnpkg/cli-dist@4.5.3"),
	},
	{
		name: "heroku nodejs [pnpm, start]", app: "node-http",
		fixtures: []string{"heroku-nodejs"}, runtime: "node",
		files:   map[string]string{"package.json": nodePackageJSON("pnpm@9.15.9")},
		prepare: nodePackageManager("pnpm@9.15.9"),
	},
	{
		name: "paketo yarn-start bash -c <start script>", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-yarn", "paketo-yarn-start"}, runtime: "node",
		files:   map[string]string{"yarn.lock": "# yarn lockfile v1\n\n\n"},
		prepare: nodePackageManager("yarn@1.22.22"),
	},
	{
		name: "node-engine's inspector helper on (BPL_DEBUG_ENABLED=true), node-start", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-node-start"}, runtime: "node",
		launchEnv: map[string]string{"BPL_DEBUG_ENABLED": "true"}, oneAgent: true,
	},
	{
		name: "node-engine's inspector helper on (BPL_DEBUG_ENABLED=true), procfile npm start", app: "node-http",
		fixtures: []string{"paketo-node-engine", "paketo-procfile"}, runtime: "node",
		files:     map[string]string{"Procfile": "web: npm start\n"},
		launchEnv: map[string]string{"BPL_DEBUG_ENABLED": "true"}, oneAgent: true,
	},
	{
		name: "libjvm's debug-9 helper on (BPL_DEBUG_ENABLED=true), executable-jar", app: "java-http",
		fixtures: []string{"paketo-bellsoft-liberica", "paketo-executable-jar"}, runtime: "jvm",
		prepare:   func(t *testing.T, ws *harness.Workspace) { ws.Javac("src/sample/Server.java") },
		launchEnv: map[string]string{"BPL_DEBUG_ENABLED": "true"}, oneAgent: true,
	},
}

// WatchexecVersion is the watchexec-cli the reload shapes run, built from
// source with cargo (no prebuilt binary): see fixtureWatchexec.
const WatchexecVersion = "2.3.2"

// fixtureWatchexec puts watchexec in the app's .fixture-watchexec/, where the
// watchexec fixture takes it from. It skips unless the binary is in the tools
// cache: `cargo install watchexec-cli --version 2.3.2 --locked --root
// $BP_DEBUG_CACHE/watchexec-v2.3.2` (about 15 minutes on 2 cores).
func fixtureWatchexec(t *testing.T, ws *harness.Workspace) {
	t.Helper()
	bin := filepath.Join(ws.Env().Cache, "watchexec-v"+WatchexecVersion, "bin", "watchexec")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Skipf("no watchexec %s in the tools cache (build it with cargo install watchexec-cli --version %s --locked --root %s): %v",
			WatchexecVersion, WatchexecVersion, filepath.Dir(filepath.Dir(bin)), err)
	}
	ws.WriteAppFile(filepath.Join(".fixture-watchexec", "watchexec"), string(data), 0o755)
}

// berryLock is the yarn.lock yarn 4.5.3 writes for node-http (no
// dependencies), so `yarn install --immutable` passes offline.
const berryLock = `# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"node-http@workspace:.":
  version: 0.0.0-use.local
  resolution: "node-http@workspace:."
  languageName: unknown
  linkType: soft
`

// nodePackageJSON is node-http's package.json with a packageManager field.
func nodePackageJSON(pm string) string {
	return `{"name":"node-http","version":"1.0.0","private":true,"packageManager":"` + pm + `","scripts":{"start":"node server.js"}}` + "\n"
}

// nodePackageManager puts the npm tarball of pm ("yarn@1.22.22") in the
// app's .fixture-pm/ (harness Env.NPMPackage).
func nodePackageManager(pm string) func(t *testing.T, ws *harness.Workspace) {
	return func(t *testing.T, ws *harness.Workspace) {
		t.Helper()
		path := ws.Env().NPMPackage(t, pm)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ws.WriteAppFile(filepath.Join(".fixture-pm", filepath.Base(path)), string(data), 0o644)
	}
}

// shapeWheels caches gunicorn and its one dependency, fetched with pip (as the
// debug buildpack's debugpy wheels are), once per test process.
var (
	shapeWheelsOnce sync.Once
	shapeWheelsDir  string
	shapeWheelsErr  error
)

// vendorGunicorn fills the app's vendor/ so the pip-install fixture installs
// offline, as the real pip-install does when vendor/ exists.
func vendorGunicorn(t *testing.T, ws *harness.Workspace) {
	t.Helper()
	shapeWheelsOnce.Do(func() {
		shapeWheelsDir = filepath.Join(ws.Env().Cache, "shape-wheels-gunicorn-23.0.0")
		if _, err := os.Stat(filepath.Join(shapeWheelsDir, "gunicorn-23.0.0-py3-none-any.whl")); err == nil {
			return
		}
		tmp := shapeWheelsDir + ".tmp"
		_ = os.RemoveAll(tmp)
		out, err := exec.Command("pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp,
			"gunicorn==23.0.0", "packaging==24.2").CombinedOutput()
		if err != nil {
			shapeWheelsErr = fmt.Errorf("pip download: %v\n%s", err, out)
			return
		}
		shapeWheelsErr = os.Rename(tmp, shapeWheelsDir)
	})
	if shapeWheelsErr != nil {
		t.Skipf("gunicorn wheels unavailable: %v", shapeWheelsErr)
	}
	entries, err := os.ReadDir(shapeWheelsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(shapeWheelsDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		ws.WriteAppFile(filepath.Join("vendor", e.Name()), string(data), 0o644)
	}
}

func TestShapes(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	runPending := os.Getenv("SHAPES_RUN_PENDING") != ""
	for _, sc := range shapes {
		sc := sc
		t.Run(sc.name, func(t *testing.T) {
			if sc.pending != "" && !runPending {
				t.Skip("pending: " + sc.pending)
			}
			runShape(t, env, sc)
		})
	}
}

func runShape(t *testing.T, env *harness.Env, sc shape) {
	b := buildDebugApp(t, env, debugApp{app: sc.app, fixtures: sc.fixtures, platformEnv: sc.env,
		prepare: func(ws *harness.Workspace) {
			for name, content := range sc.files {
				ws.WriteAppFile(name, content, 0o644)
			}
			if sc.prepare != nil {
				sc.prepare(t, ws)
			}
		}})
	t.Logf("debug buildpack log:\n%s", b.log)
	typ := b.md.BuildpackDefaultProcessType
	proc, ok := b.md.Process(typ)
	if !ok {
		t.Fatalf("no default process %q in metadata.toml", typ)
	}
	switch sc.outcome {
	case shapeWarns:
		warned := false
		for _, line := range strings.Split(b.log, "\n") {
			if strings.Contains(line, "WARNING") && strings.Contains(line, sc.construct) {
				warned = true
			}
		}
		if !warned {
			t.Errorf("no WARNING naming %q in the debug buildpack's log", sc.construct)
		}
		if proc.BuildpackID == harness.DebugBuildpackID {
			t.Errorf("process %s was rewritten (%q) although the build warned it cannot be debugged", typ, proc.Argv())
		}
	case shapeDebugs:
		port := harness.FreePort(t)
		launchEnv := map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port), "BPL_DEBUG_BIND": "127.0.0.1"}
		for k, v := range sc.launchEnv {
			launchEnv[k] = v
		}
		l := b.launch(t, typ, launchEnv)
		if ln := l.waitListener(t, port); !ln.IP.Equal(loopbackIP) {
			t.Errorf("the debugger listens on %s, want 127.0.0.1 (BPL_DEBUG_BIND)", ln.Addr())
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		switch sc.runtime {
		case "node":
			file := filepath.Join(b.ws.App, "server.js")
			if sc.env["BP_NODE_PROJECT_PATH"] != "" {
				file = filepath.Join(b.ws.App, sc.env["BP_NODE_PROJECT_PATH"], "server.js")
			}
			cdpHitBreakpoint(t, addr, file, harness.LineOf(t, file, "BREAKPOINT node-http"), l.url, "hello from node-http", cdpRunning)
		case "python":
			file, marker, want := filepath.Join(b.ws.App, "server.py"), "BREAKPOINT python-http", "hello from python-http"
			if sc.app == "python-wsgi" {
				file, marker, want = filepath.Join(b.ws.App, "app.py"), "BREAKPOINT python-wsgi", "hello from python-wsgi"
			}
			if sc.workers > 0 {
				t.Log(dapHitBreakpointInWorkers(t, addr, file, harness.LineOf(t, file, marker), sc.workers, l.url, want))
			} else {
				dapHitBreakpoint(t, addr, file, harness.LineOf(t, file, marker), l.url, want)
			}
		case "jvm":
			file := filepath.Join(b.ws.App, "src", "sample", "Server.java")
			jdbHitBreakpoint(t, addr, "sample.Server", harness.LineOf(t, file, "BREAKPOINT java-http"), l.url, "hello from java-http")
		default:
			t.Fatalf("unknown runtime %q", sc.runtime)
		}
		if len(sc.argvWants) > 0 {
			checkAppArgv(t, l, sc.argvWants)
		}
		if sc.oneAgent {
			ls, err := l.ListenersOf()
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ls {
				if s.Port != port && s.Port != l.port {
					t.Errorf("a second listener besides the app (%d) and the debugger (%d): %s held by pid %d\n%s", l.port, port, s.Addr(), s.PID, l.Tree())
				}
			}
		}
	}
}

// checkAppArgv finds the process listening on the app's port and checks
// that its argv holds wants in order, {PORT} replaced by that port.
func checkAppArgv(t *testing.T, l *launched, wants []string) {
	t.Helper()
	ls, err := l.ListenersOf()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ls {
		if s.Port != l.port {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.PID))
		if err != nil {
			t.Fatal(err)
		}
		argv := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		next := 0
		for _, word := range argv {
			if next < len(wants) && word == strings.ReplaceAll(wants[next], "{PORT}", strconv.Itoa(l.port)) {
				next++
			}
		}
		if next < len(wants) {
			t.Errorf("the app (pid %d) runs %q: want the words %q in order ({PORT}=%d), the template expanded at launch", s.PID, argv, wants, l.port)
		}
		return
	}
	t.Errorf("no process listens on the app's port %d\n%s", l.port, l.Tree())
}

// dapHitBreakpointInWorkers: the app's requests are served by `workers`
// forked worker processes. Attach to the parent, then to each worker as
// debugpy announces it, and check that a request stops at file:line in one
// of them.
func dapHitBreakpointInWorkers(t testing.TB, addr, file string, line, workers int, url, want string) string {
	t.Helper()
	var children []json.RawMessage
	parent := dapAttachAs(t, addr, file, line, dapClient{children: &children})
	for len(children) < workers {
		ev := parent.event("debugpyAttach", 30*time.Second)
		children = append(children, ev.Body)
	}
	var sessions []*dapSession
	for _, body := range children {
		sessions = append(sessions, dapAttachAs(t, addr, file, line, dapClient{args: body}))
	}
	reply := getAsync(url)
	var hit *dapSession
	var ev dapMessage
	deadline := time.Now().Add(30 * time.Second)
	for hit == nil {
		if time.Now().After(deadline) {
			t.Fatalf("DAP: no worker stopped within 30s (%d worker sessions)", len(sessions))
		}
		for _, s := range sessions {
			select {
			case m, ok := <-s.msgs:
				if ok && m.Type == "event" && m.Event == "stopped" {
					ev, hit = m, s
				}
			default:
			}
			if hit != nil {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	top, _, body := dapStoppedAt(t, hit, ev, reply, file, line, want)
	return fmt.Sprintf("debugpy stopped in a worker at %s:%d in %s; answered %s", top.Source.Path, top.Line, top.Name, body)
}
