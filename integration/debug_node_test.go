// Node.js under the V8 inspector, end to end: the node-http sample with the
// node-engine and node-start fixtures (`node server.js`), and with the
// procfile fixture (`npm start`, and a process already started with
// --inspect), each launched through the real launcher and driven over the
// Chrome DevTools Protocol (WebSocket) into a breakpoint in its HTTP
// handler; then the BPL_DEBUG_* launch settings, SIGTERM and the labels.
package integration

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

const (
	inspectorDefaultPort = 9229
	// The port the procfile's already debug-enabled process chose itself.
	ownInspectPort = 9300
)

// nodeProcfile: npm's start script is `node server.js` (package.json); the
// second process already runs under the inspector on a port of its own.
var nodeProcfile = fmt.Sprintf("web: npm start\ninspect: node --inspect=0.0.0.0:%d server.js\n", ownInspectPort)

func TestDebugNode(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	var tm timings
	start := time.Now()
	b := buildDebugApp(t, env, debugApp{app: "node-http", fixtures: []string{"paketo-node-engine", "paketo-node-start"}})
	tm.add("build node-start", b.elapse)
	t.Logf("debug buildpack log (node-start):\n%s", b.log)
	node, err := filepath.EvalSymlinks(filepath.Join(b.ws.LayerDir("paketo-buildpacks/node-engine", "node"), "bin", "node"))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(b.ws.App, "server.js")
	line := harness.LineOf(t, script, "BREAKPOINT node-http")
	const want = "hello from node-http path=/probe"

	t.Run("build", func(t *testing.T) {
		// The inspector is part of node: nothing to download.
		if reqs := b.srv.Requests(); len(reqs) != 0 {
			t.Errorf("the mirror was asked for %s", b.srv)
		}
		p, ok := b.md.Process("web")
		wantArgv := []string{b.layerPath("wrap/node"), fmt.Sprintf("--inspect=0.0.0.0:%d", inspectorDefaultPort), "server.js"}
		if !ok || p.BuildpackID != harness.DebugBuildpackID || strings.Join(p.Argv(), " ") != strings.Join(wantArgv, " ") || !p.Direct {
			t.Errorf("process web = %+v, want %q direct, by %s", p, wantArgv, harness.DebugBuildpackID)
		}
	})

	tm.step(t, "node: breakpoint on the default port", func(t *testing.T) {
		lockPort(t, inspectorDefaultPort)
		l := b.launch(t, "web", nil)
		ln := l.waitListener(t, inspectorDefaultPort)
		if !ln.IP.IsUnspecified() {
			t.Errorf("the inspector listens on %s, want all interfaces", ln.Addr())
		}
		if ln.PID != l.Pid() {
			t.Errorf("the inspector is held by pid %d, not the launched node %d\n%s", ln.PID, l.Pid(), l.Tree())
		}
		if exe, _ := harness.Exe(l.Pid()); !sameFile(exe, node) {
			t.Errorf("the launched process runs %s, want node %s", exe, node)
		}
		entry := b.checkLabels(t, "web", "nodejs", "devtools", ln.Port)
		if !entry.Managed || entry.Wait || entry.Bind != "0.0.0.0" {
			t.Errorf("label entry %+v", entry)
		}
		l.waitHTTP(t, want)
		t.Log(cdpHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", inspectorDefaultPort), script, line, l.url, want, cdpRunning))
		l.waitHTTP(t, want)
	})

	testLaunchSettings(t, &tm, launchSettings{
		app: b, debugger: "the inspector", defaultPort: inspectorDefaultPort, process: "web", want: want,
		bare: func(t testing.TB, l *launched) { checkBareNode(t, l, node, "server.js") },
		attach: func(t testing.TB, l *launched, port int) {
			t.Log(cdpHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", port), script, line, l.url, want, cdpRunning))
		},
		release: func(t testing.TB, l *launched, port int) {
			argv, _ := harness.Cmdline(l.Pid())
			if len(argv) < 2 || argv[1] != fmt.Sprintf("--inspect-brk=0.0.0.0:%d", port) {
				t.Errorf("node argv = %q, want --inspect-brk=0.0.0.0:%d", argv, port)
			}
			// The breakpoint is set while node waits, then it runs to it.
			t.Log(cdpHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", port), script, line, l.url, want, cdpBreakOnStart))
		},
	})

	tm.step(t, "SIGTERM reaches the app", func(t *testing.T) {
		l, _ := b.launchDebugging(t, "web", want)
		// server.js closes its server and exits 0 on SIGTERM.
		if code := l.sigtermExit(t, 10*time.Second, "node under the inspector"); code != 0 {
			t.Fatalf("node under the inspector after SIGTERM: exit %d, want 0; output:\n%s", code, l.Output())
		}
	})

	// npm start and an already debug-enabled process, from a Procfile.
	p := buildDebugApp(t, env, debugApp{app: "node-http", fixtures: []string{"paketo-node-engine", "paketo-procfile"},
		prepare:     func(ws *harness.Workspace) { ws.WriteAppFile("Procfile", nodeProcfile, 0o644) },
		platformEnv: map[string]string{"BP_DEBUG_PROCESS_TYPES": "*"}})
	tm.add("build procfile", p.elapse)
	t.Logf("debug buildpack log (procfile):\n%s", p.log)
	t.Run("build procfile (npm start, node --inspect)", func(t *testing.T) {
		web, _ := p.md.Process("web")
		if web.BuildpackID != harness.DebugBuildpackID || len(web.Argv()) < 3 || web.Argv()[0] != p.layerPath("wrap/npm") ||
			web.Argv()[1] != fmt.Sprintf("--inspect=0.0.0.0:%d", inspectorDefaultPort) || web.Argv()[2] != "start" {
			t.Errorf("process web = %+v, want wrap/npm --inspect=0.0.0.0:%d start", web, inspectorDefaultPort)
		}
		inspect, _ := p.md.Process("inspect")
		if inspect.BuildpackID != "paketo-buildpacks/procfile" {
			t.Errorf("the already debug-enabled process was rewritten: %+v", inspect)
		}
	})
	pScript := filepath.Join(p.ws.App, "server.js")

	tm.step(t, "npm start: only the app's node gets the inspector", func(t *testing.T) {
		port := harness.FreePort(t)
		l := p.launch(t, "web", map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port)})
		ln := l.waitListener(t, port)
		l.waitHTTP(t, want)
		argv, _ := harness.Cmdline(ln.PID)
		if len(argv) == 0 || filepath.Base(argv[len(argv)-1]) != "server.js" {
			t.Errorf("the inspector port is held by pid %d %q, want the app's `node server.js`\n%s", ln.PID, argv, l.Tree())
		}
		// npm's own node (the launched process) has no inspector and no port.
		npmArgv, _ := harness.Cmdline(l.Pid())
		if !strings.Contains(strings.Join(npmArgv, " "), "npm") {
			t.Errorf("the launched process is %q, want npm", npmArgv)
		}
		if envs, _ := harness.Environ(l.Pid()); strings.Contains(envs["NODE_OPTIONS"], "--inspect") {
			t.Errorf("npm's own node has NODE_OPTIONS=%q", envs["NODE_OPTIONS"])
		}
		inspectors := 0
		ls, _ := l.ListenersOf()
		for _, s := range ls {
			if s.PID == l.Pid() {
				t.Errorf("npm's own node listens on %s", s.Addr())
			}
			if s.Port != l.port {
				inspectors++
			}
		}
		if inspectors != 1 {
			t.Errorf("%d inspector ports in the npm tree, want 1: %v\n%s", inspectors, ls, l.Tree())
		}
		p.checkLabels(t, "web", "nodejs", "devtools", inspectorDefaultPort)
		t.Log(cdpHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", port), pScript, line, l.url, want, cdpRunning))
	})

	tm.step(t, "already debug-enabled process is left alone and labelled", func(t *testing.T) {
		entry := p.checkLabels(t, "inspect", "nodejs", "devtools", ownInspectPort)
		if entry.Managed {
			t.Errorf("label entry %+v: an already debug-enabled process is not managed by the buildpack", entry)
		}
		lockPort(t, ownInspectPort)
		l := p.launch(t, "inspect", nil)
		ln := l.waitListener(t, ownInspectPort)
		if !ln.IP.IsUnspecified() {
			t.Errorf("the process's own inspector listens on %s", ln.Addr())
		}
		l.waitHTTP(t, want)
		t.Log(cdpHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", ownInspectPort), pScript, line, l.url, want, cdpRunning))
	})
	t.Logf("node summary [%s]: %s", time.Since(start).Round(time.Millisecond), tm.String())
}

// checkBareNode asserts the launched process is node running script with
// no inspector and no port but the app's.
func checkBareNode(t testing.TB, l *launched, node, script string) {
	t.Helper()
	if exe, _ := harness.Exe(l.Pid()); !sameFile(exe, node) {
		t.Errorf("the launched process runs %s, want node %s", exe, node)
	}
	argv, _ := harness.Cmdline(l.Pid())
	if len(argv) != 2 || argv[1] != script {
		t.Errorf("node argv = %q, want node %s (no --inspect)", argv, script)
	}
	l.onlyAppPort(t)
}
