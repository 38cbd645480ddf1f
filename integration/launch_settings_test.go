// The BPL_DEBUG_* launch settings, one table-driven test for every runtime
// that opens a port: debugging off, another port on loopback, suspend, and
// bad values. The steps are written once here; each runtime's row (built in
// its own TestDebug*) says only what differs: the process, the app's answer,
// the real client that proves the debugger works (Delve rpc2, go-dap, CDP,
// jdb) and how the bare app looks.
package integration

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

type launchSettings struct {
	app         *builtApp
	debugger    string // for messages: "dlv", "debugpy", ...
	defaultPort int    // the build-time port
	process     string // the process the steps launch
	want        string // its HTTP answer
	// The loopback step may use another process of the same app (Python's
	// `-m module`); "" means process.
	loopbackProcess, loopbackWant string
	// Stderr lines that are the app's own, not the wrapper's.
	appLine func(line string) bool
	// The app runs bare: no debugger in the process tree, no port but its own.
	bare func(t testing.TB, l *launched)
	// A real client drives the debugger on port (127.0.0.1).
	attach func(t testing.TB, l *launched, port int)
	// The app waits for a client on port: check how it waits, then let a real
	// client release it.
	release func(t testing.TB, l *launched, port int)
}

var badLaunchValues = []struct{ name, value, says string }{
	{"BPL_DEBUG_PORT", "http", `BPL_DEBUG_PORT="http" is not a port`},
	{"BPL_DEBUG_PORT", "70000", `BPL_DEBUG_PORT="70000" is not a port`},
	{"BPL_DEBUG_BIND", "not-an-address", `BPL_DEBUG_BIND="not-an-address"`},
	// issue 11: build and launch now read binds with one parser
	{"BPL_DEBUG_BIND", "10.0.0", `BPL_DEBUG_BIND="10.0.0"`},
}

func testLaunchSettings(t *testing.T, tm *timings, s launchSettings) {
	if s.loopbackProcess == "" {
		s.loopbackProcess, s.loopbackWant = s.process, s.want
	}
	tm.step(t, "BPL_DEBUG_ENABLED=false", func(t *testing.T) {
		lockPort(t, s.defaultPort)
		l := s.app.launch(t, s.process, map[string]string{"BPL_DEBUG_ENABLED": "false"})
		l.waitHTTP(t, s.want)
		s.bare(t, l)
		dialFails(t, s.defaultPort)
		if lines := l.debugLaunchLines(); len(lines) != 0 {
			t.Errorf("the wrapper printed %q with the debugger off", lines)
		}
	})

	tm.step(t, "BPL_DEBUG_PORT and BPL_DEBUG_BIND=127.0.0.1", func(t *testing.T) {
		l, port := s.app.launchOnLoopback(t, s.loopbackProcess, s.debugger, s.defaultPort)
		l.waitHTTP(t, s.loopbackWant)
		s.attach(t, l, port)
		// The notice, plus for dlv (which the wrapper supervises) the
		// confirmation once its port really listens.
		var lines []string
		for _, line := range l.debugLaunchLines() {
			if !strings.HasPrefix(line, "debug-launch: dlv listening on ") {
				lines = append(lines, line)
			} else if !strings.Contains(line, fmt.Sprintf("127.0.0.1:%d", port)) {
				t.Errorf("dlv's confirmation %q names another address than 127.0.0.1:%d", line, port)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf("127.0.0.1:%d", port)) {
			t.Errorf("the wrapper's notice = %q, want one line naming 127.0.0.1:%d", lines, port)
		}
	})

	tm.step(t, "BPL_DEBUG_SUSPEND=true", func(t *testing.T) {
		port := harness.FreePort(t)
		l := s.app.launch(t, s.process, map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port), "BPL_DEBUG_SUSPEND": "true"})
		l.waitListener(t, port)
		l.notAnswering(t, 2*time.Second)
		s.release(t, l, port)
		l.waitHTTP(t, s.want)
	})

	for _, bad := range badLaunchValues {
		tm.step(t, fmt.Sprintf("invalid %s=%s", bad.name, bad.value), func(t *testing.T) {
			lockPort(t, s.defaultPort)
			l := s.app.launch(t, s.process, map[string]string{bad.name: bad.value})
			l.waitHTTP(t, s.want)
			var ours []string
			for _, line := range grepLines(l.Stderr(), regexp.MustCompile(`.`)) {
				if s.appLine == nil || !s.appLine(line) {
					ours = append(ours, line)
				}
			}
			if len(ours) != 1 || !strings.Contains(ours[0], bad.says) || !strings.Contains(ours[0], "without the debugger") {
				t.Errorf("stderr (besides the app's own lines) = %q, want one line saying %q ... without the debugger", ours, bad.says)
			}
			s.bare(t, l)
		})
	}
}
