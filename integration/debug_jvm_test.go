// The JVM under JDWP, end to end: the java-http sample (an exploded JAR
// compiled with -g) with the bellsoft-liberica and executable-jar
// fixtures, whose `java sample.Server` process stays as it is while the
// debug buildpack's exec.d helper adds the JDWP agent to JAVA_TOOL_OPTIONS
// at launch; jdb attaches and breaks in the HTTP handler. Then the
// BPL_DEBUG_* launch settings, SIGTERM and the labels.
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

const jdwpDefaultPort = 5005

func TestDebugJVM(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	var tm timings
	start := time.Now()
	b := buildDebugApp(t, env, debugApp{app: "java-http", fixtures: []string{"paketo-bellsoft-liberica", "paketo-executable-jar"},
		prepare: func(ws *harness.Workspace) { ws.Javac("src/sample/Server.java") }})
	tm.add("build", b.elapse)
	t.Logf("debug buildpack log:\n%s", b.log)
	java, err := filepath.EvalSymlinks(filepath.Join(b.ws.LayerDir("paketo-buildpacks/bellsoft-liberica", "jre"), "bin", "java"))
	if err != nil {
		t.Fatal(err)
	}
	source := filepath.Join(b.ws.App, "src", "sample", "Server.java")
	line := harness.LineOf(t, source, "BREAKPOINT java-http")
	const class, want = "sample.Server", "hello from java-http path=/probe"

	t.Run("build", func(t *testing.T) {
		if reqs := b.srv.Requests(); len(reqs) != 0 {
			t.Errorf("the mirror was asked for %s", b.srv)
		}
		// The command stays the JVM buildpack's; the agent comes from exec.d.
		p, ok := b.md.Process("web")
		if !ok || p.BuildpackID != "paketo-buildpacks/executable-jar" || strings.Join(p.Argv(), " ") != "java sample.Server" {
			t.Errorf("process web = %+v, want the executable-jar's `java sample.Server` unchanged", p)
		}
		helper := b.layerPath("exec.d/web/jdwp")
		if _, err := filepath.EvalSymlinks(helper); err != nil {
			t.Errorf("no exec.d helper for web: %v", err)
		}
	})

	tm.step(t, "breakpoint on the default port", func(t *testing.T) {
		lockPort(t, jdwpDefaultPort)
		l := b.launch(t, "web", nil)
		ln := l.waitListener(t, jdwpDefaultPort)
		if !ln.IP.IsUnspecified() {
			t.Errorf("JDWP listens on %s, want all interfaces", ln.Addr())
		}
		if exe, _ := harness.Exe(ln.PID); ln.PID != l.Pid() || !sameFile(exe, java) {
			t.Errorf("JDWP is held by pid %d (%s), want the launched JVM %d (%s)", ln.PID, exe, l.Pid(), java)
		}
		entry := b.checkLabels(t, "web", "jvm", "jdwp", ln.Port)
		if !entry.Managed || entry.Wait {
			t.Errorf("label entry %+v", entry)
		}
		l.waitHTTP(t, want)
		t.Log(jdbHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", jdwpDefaultPort), class, line, l.url, want))
		l.waitHTTP(t, want)
	})

	testLaunchSettings(t, &tm, launchSettings{
		app: b, debugger: "JDWP", defaultPort: jdwpDefaultPort, process: "web", want: want,
		// every JVM says this when JAVA_TOOL_OPTIONS is set, and the JVM
		// fixture always sets it (libjvm's helpers)
		appLine: func(line string) bool { return strings.HasPrefix(line, "Picked up JAVA_TOOL_OPTIONS: ") },
		bare:    func(t testing.TB, l *launched) { checkBareJVM(t, l, java) },
		attach: func(t testing.TB, l *launched, port int) {
			t.Log(jdbHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", port), class, line, l.url, want))
		},
		release: func(t testing.TB, l *launched, port int) {
			s := startJdb(t, fmt.Sprintf("127.0.0.1:%d", port))
			// Wait for the suspended VM's start event (jdb then prompts in
			// its main thread): a `cont` sent at jdb's first prompt can
			// arrive before it and answer "Nothing suspended".
			s.expect(`VM Started:`, 30*time.Second)
			s.expect(`main\[1\] `, 30*time.Second)
			s.send("cont")
		},
	})

	// Paketo libjvm's real debug-9 exec.d helper (in the bellsoft-liberica
	// fixture) adds its own agent on *:BPL_DEBUG_PORT when
	// BPL_DEBUG_ENABLED=true; ours runs after it and must leave exactly one
	// agent, with BPL_DEBUG_BIND honoured (issue 12 item 5).
	tm.step(t, "libjvm's debug-9 agent replaced by ours", func(t *testing.T) {
		port := harness.FreePort(t)
		l := b.launch(t, "web", map[string]string{"BPL_DEBUG_ENABLED": "true", "BPL_DEBUG_PORT": strconv.Itoa(port), "BPL_DEBUG_BIND": "127.0.0.1"})
		ln := l.waitListener(t, port)
		if !ln.IP.Equal(loopbackIP) {
			t.Errorf("JDWP listens on %s, want 127.0.0.1 (BPL_DEBUG_BIND)", ln.Addr())
		}
		env, _ := harness.Environ(l.Pid())
		if n := strings.Count(env["JAVA_TOOL_OPTIONS"], "-agentlib:jdwp="); n != 1 {
			t.Errorf("JAVA_TOOL_OPTIONS=%q loads %d JDWP agents, want 1", env["JAVA_TOOL_OPTIONS"], n)
		}
		if !strings.Contains(l.Output(), "replaced the JDWP agent that Paketo libjvm's debug-9 helper put") {
			t.Errorf("no line about libjvm's agent; output:\n%s", l.Output())
		}
		l.waitHTTP(t, want)
		t.Log(jdbHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", port), class, line, l.url, want))
	})

	tm.step(t, "SIGTERM reaches the app", func(t *testing.T) {
		l, _ := b.launchDebugging(t, "web", want)
		// The JVM runs its shutdown hooks and exits 143 (128+SIGTERM).
		if code := l.sigtermExit(t, 15*time.Second, "the JVM"); code != 143 {
			t.Fatalf("the JVM after SIGTERM: exit %d, want 143; output:\n%s", code, l.Output())
		}
	})
	t.Logf("jvm summary [%s]: %s", time.Since(start).Round(time.Millisecond), tm.String())
}

// checkBareJVM asserts the launched JVM has no JDWP agent and no port but
// the app's.
func checkBareJVM(t testing.TB, l *launched, java string) {
	t.Helper()
	if exe, _ := harness.Exe(l.Pid()); !sameFile(exe, java) {
		t.Errorf("the launched process runs %s, want java %s", exe, java)
	}
	env, _ := harness.Environ(l.Pid())
	if strings.Contains(env["JAVA_TOOL_OPTIONS"], "jdwp") {
		t.Errorf("JAVA_TOOL_OPTIONS=%q loads JDWP with the debugger off", env["JAVA_TOOL_OPTIONS"])
	}
	l.onlyAppPort(t)
}
