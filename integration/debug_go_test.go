// Go under Delve, end to end: the go-http sample built by the go-build
// fixture with `-gcflags=all=-N -l`, the debug buildpack's tools served by a
// loopback mirror, the default process launched through the real launcher,
// Delve's own client breaking in the HTTP handler; then the BPL_DEBUG_*
// launch settings, SIGTERM and an app that exits under dlv, the labels, a
// rebuild, and the build-time diagnosis of binaries that debug badly.
package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
	"github.com/go-delve/delve/service/api"
)

const dlvDefaultPort = 56268

// goDebugFlags build the sample unoptimized, as go-build does with
// BP_GO_BUILD_FLAGS='-gcflags="all=-N -l"' (or the cnbdebug/debug-flags
// companion), but keeping absolute file paths (no -trimpath).
var goDebugFlags = []string{"-buildmode=pie", "-gcflags=all=-N -l"}

func goDebugBinaries(ws *harness.Workspace) { ws.GoBuild(goDebugFlags, ".", "./cmd/hello") }

func TestDebugGo(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	var tm timings
	start := time.Now()
	b := buildDebugApp(t, env, debugApp{app: "go-http", fixtures: []string{"paketo-go-build"}, prepare: goDebugBinaries})
	tm.add("build", b.elapse)
	t.Logf("debug buildpack log:\n%s", b.log)

	appBin := filepath.Join(b.ws.LayerDir("paketo-buildpacks/go-build", "targets"), "bin", "go-http")
	dlvBin := b.layerPath("dlv/dlv")
	source := filepath.Join(b.ws.App, "main.go")
	line := harness.LineOf(t, source, "BREAKPOINT go-http")
	const want = "hello from go-http path=/probe"

	t.Run("build", func(t *testing.T) {
		// dlv came from the loopback mirror, and nothing else was fetched.
		if got := b.srv.Downloaded(); len(got) != 1 || !strings.HasPrefix(got[0], "dlv-") {
			t.Errorf("the mirror served %v, want only the dlv archive\n%s", got, b.srv)
		}
		for _, want := range []string{"Dependency mirror found", "Downloading from " + b.srv.URL + "/"} {
			if !strings.Contains(b.log, want) {
				t.Errorf("build log lacks %q:\n%s", want, b.log)
			}
		}
		// A faithful debug build gets no diagnosis.
		if w := grepLines(b.log, regexp.MustCompile(`WARNING: process`)); len(w) != 0 {
			t.Errorf("warnings for a -gcflags=all=-N -l build: %q", w)
		}
		p, ok := b.md.Process("go-http")
		if !ok || p.BuildpackID != harness.DebugBuildpackID {
			t.Fatalf("the default process was not taken over: %+v", p)
		}
		argv := p.Argv()
		wantArgv := []string{b.layerPath("wrap/dlv"), "exec", "--headless", "--continue", "--accept-multiclient",
			"--api-version=2", "--only-same-user=false", fmt.Sprintf("--listen=0.0.0.0:%d", dlvDefaultPort), appBin, "--"}
		if strings.Join(argv, " ") != strings.Join(wantArgv, " ") {
			t.Errorf("rewritten process = %q\nwant %q", argv, wantArgv)
		}
		if !p.Direct {
			t.Errorf("the rewritten process is not direct: it must run without a shell")
		}
	})

	tm.step(t, "breakpoint on the default port", func(t *testing.T) {
		lockPort(t, dlvDefaultPort)
		l := b.launch(t, "go-http", nil)
		ln := l.waitListener(t, dlvDefaultPort)
		if !ln.IP.IsUnspecified() {
			t.Errorf("dlv listens on %s, want all interfaces (the build-time default 0.0.0.0)", ln.Addr())
		}
		if exe, _ := harness.Exe(ln.PID); !sameFile(exe, dlvBin) {
			t.Errorf("port %d is held by %s, want dlv (%s)\n%s", dlvDefaultPort, exe, dlvBin, l.Tree())
		}
		// The wrapper stays as dlv's parent (it passes signals on to the app
		// and ends with it, see the SIGTERM step).
		if ppid := parentPid(t, ln.PID); ppid != l.Pid() {
			t.Errorf("dlv (pid %d) is the child of %d, want the launched wrapper %d\n%s", ln.PID, ppid, l.Pid(), l.Tree())
		}
		// The labels of the exported image name the port dlv really listens on.
		entry := b.checkLabels(t, "go-http", "go", "dlv", ln.Port)
		if entry.Tools["dlv"] != dlvBin || !entry.Managed || entry.Wait || entry.Bind != "0.0.0.0" || !strings.HasPrefix(entry.RuntimeVersion, "go1.") {
			t.Errorf("label entry %+v: want tools.dlv=%s, managed, not waiting, bind 0.0.0.0, a Go version", entry, dlvBin)
		}
		if src := entry.Source; src.Module != "example.com/go-http" || src.Trimpath == nil || *src.Trimpath {
			t.Errorf("label source %+v: want module example.com/go-http, trimpath false", src)
		}
		// dlv --continue starts the target after it opens its port: a client
		// that halts before that races dlv's own continue.
		l.waitHTTP(t, want)
		got := dlvHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", dlvDefaultPort), source, line, l.url, want)
		t.Log(got)
		// The client left with the target running: dlv and the app serve on.
		l.waitHTTP(t, want)
		l.waitListener(t, dlvDefaultPort)

		// A second client ends the session: Detach(false) stops the dlv
		// server, and the wrapper (a container's pid 1) ends with dlv's
		// status, so the process ends cleanly.
		appPid := childRunning(t, l, appBin)
		if tracer := tracerPid(t, appPid); tgidOf(t, tracer) != ln.PID {
			t.Errorf("the app (pid %d) is traced by %d, want a thread of dlv (%d)", appPid, tracer, ln.PID)
		}
		d := dialDlv(t, fmt.Sprintf("127.0.0.1:%d", dlvDefaultPort))
		if _, err := d.Halt(); err != nil {
			t.Fatalf("halt: %v", err)
		}
		if err := d.Detach(false); err != nil {
			t.Fatalf("Detach(false): %v", err)
		}
		code, err := l.Wait(10 * time.Second)
		if err != nil || code != 0 {
			t.Fatalf("dlv after Detach(false): exit %d, %v", code, err)
		}
		t.Logf("Detach(false): dlv exited 0; the app (pid %d) alive afterwards: %v", appPid, pidAlive(appPid))
	})

	testLaunchSettings(t, &tm, launchSettings{
		app: b, debugger: "dlv", defaultPort: dlvDefaultPort, process: "go-http", want: want,
		appLine: func(line string) bool { return strings.Contains(line, "go-http listening") },
		bare: func(t testing.TB, l *launched) {
			if exe, err := harness.Exe(l.Pid()); err != nil || !sameFile(exe, appBin) {
				t.Errorf("the launched process runs %s (%v), want the app itself %s\n%s", exe, err, appBin, l.Tree())
			}
			if tree := harness.Descendants(l.Pid()); len(tree) != 1 {
				t.Errorf("the app has child processes:\n%s", l.Tree())
			}
			l.onlyAppPort(t)
		},
		attach: func(t testing.TB, l *launched, port int) {
			d := dialDlv(t, fmt.Sprintf("127.0.0.1:%d", port))
			if _, err := d.Halt(); err != nil {
				t.Fatalf("halt: %v", err)
			}
			appPid := d.ProcessPid()
			if exe, _ := harness.Exe(appPid); !sameFile(exe, appBin) {
				t.Errorf("dlv on port %d debugs pid %d (%s), want the app %s", port, appPid, exe, appBin)
			}
			if err := d.Disconnect(true); err != nil {
				t.Errorf("disconnect: %v", err)
			}
		},
		release: func(t testing.TB, l *launched, port int) {
			ln := l.waitListener(t, port)
			appPid := childRunning(t, l, appBin)
			if tracer := tracerPid(t, appPid); tgidOf(t, tracer) != ln.PID {
				t.Errorf("the waiting app (pid %d) is traced by %d, want a thread of dlv (%d)", appPid, tracer, ln.PID)
			}
			d := dialDlv(t, fmt.Sprintf("127.0.0.1:%d", port))
			if err := d.Disconnect(true); err != nil {
				t.Fatalf("disconnect(continue): %v", err)
			}
		},
	})

	tm.step(t, "SIGTERM", func(t *testing.T) {
		// Debugger off: the app is the launched process (a container's
		// pid 1): its own handler runs and it exits 0.
		off := b.launch(t, "go-http", map[string]string{"BPL_DEBUG_ENABLED": "false"})
		off.waitHTTP(t, want)
		if code := off.sigtermExit(t, 10*time.Second, "the app"); code != 0 || !strings.Contains(off.Output(), "go-http: SIGTERM received") {
			t.Fatalf("the app after SIGTERM: exit %d; output:\n%s", code, off.Output())
		}

		// Debugger on: the wrapper is pid 1, dlv its child and the app
		// dlv's. Delve alone would kill the app on SIGTERM; the wrapper
		// sends it to the app instead, Delve passes it on, the app's own
		// handler runs, and when the app ends the wrapper stops dlv and
		// exits with the app's code.
		port := harness.FreePort(t)
		l := b.launch(t, "go-http", map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port)})
		ln := l.waitListener(t, port)
		l.waitHTTP(t, want)
		appPid := childRunning(t, l, appBin)
		sent := time.Now()
		code := l.sigtermExit(t, 15*time.Second, "the wrapper")
		waitGone(t, appPid, 5*time.Second, "the app under dlv")
		waitGone(t, ln.PID, 5*time.Second, "dlv")
		if left := l.Processes(); len(left) != 0 {
			t.Errorf("processes outlived the wrapper:\n%s", l.Tree())
		}
		if !strings.Contains(l.Output(), "go-http: SIGTERM received") || !strings.Contains(l.Output(), "go-http stopped") {
			t.Errorf("the app's SIGTERM handler did not run under dlv; output:\n%s", l.Output())
		}
		if code != 0 || !strings.Contains(l.Stderr(), "exited with code 0; dlv stopped") {
			t.Errorf("exit %d after SIGTERM, want the app's 0; output:\n%s", code, l.Output())
		}
		t.Logf("SIGTERM under dlv: the app's handler ran; wrapper, dlv and app gone in %s, exit %d",
			time.Since(sent).Round(time.Millisecond), code)
	})

	tm.step(t, "SIGTERM while dlv waits for a client", func(t *testing.T) {
		// BPL_DEBUG_SUSPEND=true: the app is held stopped by dlv (ptrace)
		// until a client continues it, so it cannot run a SIGTERM handler.
		// The container must still stop within a second, with 143 (issue 13),
		// and nothing of dlv's may outlive the wrapper.
		port := harness.FreePort(t)
		l := b.launch(t, "go-http", map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port), "BPL_DEBUG_SUSPEND": "true"})
		l.waitListener(t, port)
		appPid := childRunning(t, l, appBin)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(l.Stderr(), "dlv listening on") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(l.Stderr(), "dlv listening on") {
			t.Errorf("no 'dlv listening on' once the port listened; output:\n%s", l.Output())
		}
		sent := time.Now()
		code := l.sigtermExit(t, 5*time.Second, "the wrapper")
		took := time.Since(sent)
		if code != 143 || took > time.Second {
			t.Errorf("exit %d after %s, want 143 within 1s; output:\n%s", code, took, l.Output())
		}
		waitGone(t, appPid, 2*time.Second, "the app under dlv")
		if left := l.Processes(); len(left) != 0 {
			t.Errorf("processes outlived the wrapper:\n%s", l.Tree())
		}
		t.Logf("SIGTERM with dlv waiting: stopped in %s, exit %d", took.Round(time.Millisecond), code)
	})

	tm.step(t, "the app exits by itself", func(t *testing.T) {
		// An app that ends (here: go-http cannot listen on PORT=-1 and
		// exits 1 through log.Fatal) must end the container, though dlv
		// itself would keep running with "Stop reason: exited".
		port := harness.FreePort(t)
		l := b.launch(t, "go-http", map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port), "PORT": "-1"})
		code, err := l.Wait(20 * time.Second)
		if err != nil {
			t.Fatalf("the wrapper still runs after the app ended: %v\n%s\noutput:\n%s", err, l.Tree(), l.Output())
		}
		if code != 1 || !strings.Contains(l.Stderr(), "exited with code 1; dlv stopped") {
			t.Errorf("exit %d, want the app's 1 (log.Fatal); output:\n%s", code, l.Output())
		}
		// As in the SIGTERM step, dlv's own helpers (its telemetry process)
		// may take a moment to go after the wrapper has exited.
		for _, pid := range l.Processes() {
			waitGone(t, pid, 5*time.Second, "a process of the launched tree")
		}
	})

	tm.step(t, "rebuild reuses the layer and downloads nothing", func(t *testing.T) {
		b.srv.ResetRequests()
		res := b.ws.Rebuild()
		if p := res.Failed(); p != nil {
			t.Fatalf("rebuild failed in %s:\n%s", p, p.Output)
		}
		log := res.Builder().BuildpackOutput(b.bp)
		if !regexp.MustCompile(`Reusing cached layer \S*debug-tools`).MatchString(log) {
			t.Errorf("rebuild log lacks `Reusing cached layer ...debug-tools`:\n%s", log)
		}
		if strings.Contains(log, "Downloading") {
			t.Errorf("the rebuild downloaded:\n%s", log)
		}
		if reqs := b.srv.Requests(); len(reqs) != 0 {
			t.Errorf("the mirror saw %d requests on the rebuild: %s", len(reqs), b.srv)
		}
		if got := res.Phase("exporter").ExportedLayers()[harness.DebugBuildpackID+":debug-tools"]; got != "reused" {
			t.Errorf("exporter: debug-tools layer %q, want reused", got)
		}
	})
	t.Logf("go summary [%s]: %s", time.Since(start).Round(time.Millisecond), tm.String())
}

// TestDebugGoDiagnosis builds Go binaries that debug badly and checks the
// debug buildpack says so in the build log, naming the fix; strict mode
// turns the worst into a build failure.
func TestDebugGoDiagnosis(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	cases := []struct {
		name       string
		flags      []string
		strict     bool
		want       []string // in the debug buildpack's output
		wantNot    []string
		wantFail   bool
		substitute bool // also break through the substitute-path rule the warning gives
		stripped   bool // also show dlv refuses a file:line breakpoint, as the warning says
	}{
		{name: "stripped DWARF (-ldflags=-w)", flags: []string{"-gcflags=all=-N -l", "-ldflags=-w"},
			want: []string{"WARNING:", "-ldflags=-w", "no DWARF", "BP_GO_BUILD_LDFLAGS"}, wantNot: []string{"-gcflags=all=-N -l\""},
			stripped: true},
		{name: "stripped DWARF, BP_DEBUG_STRICT=true", flags: []string{"-gcflags=all=-N -l", "-ldflags=-w"}, strict: true,
			want: []string{"-ldflags=-w", "no DWARF", "BP_GO_BUILD_LDFLAGS", "BP_DEBUG_STRICT"}, wantFail: true},
		{name: "optimized (go build defaults)", flags: []string{"-buildmode=pie"},
			want: []string{"WARNING:", "optimizations", `BP_GO_BUILD_FLAGS='-gcflags="all=-N -l"'`, "cnbdebug/debug-flags"}, wantNot: []string{"-trimpath", "DWARF"}},
		{name: "-trimpath", flags: []string{"-buildmode=pie", "-trimpath", "-gcflags=all=-N -l"},
			want: []string{"WARNING:", "-trimpath", "substitute-path", `"from": "example.com/go-http"`}, wantNot: []string{"optimizations", "DWARF"},
			substitute: true},
	}
	var sum summary
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := debugApp{app: "go-http", fixtures: []string{"paketo-go-build"}, wantFail: tc.wantFail,
				prepare: func(ws *harness.Workspace) { ws.GoBuild(tc.flags, ".") }}
			if tc.strict {
				spec.platformEnv = map[string]string{"BP_DEBUG_STRICT": "true"}
			}
			b := buildDebugApp(t, env, spec)
			out := b.log
			if tc.wantFail {
				failed := b.res.Failed()
				if failed == nil || failed.Name != "builder" {
					t.Fatalf("want the builder to fail, got:\n%s", b.res.Summary())
				}
				out = failed.BuildpackOutput(b.bp)
				if strings.TrimSpace(out) == "" {
					t.Fatalf("the debug buildpack printed nothing; builder output:\n%s", failed.Output)
				}
				errLines := grepLines(out, regexp.MustCompile(`^cnbdebug/debug: `))
				if len(errLines) != 1 {
					t.Errorf("want one error line from the debug buildpack, got %q:\n%s", errLines, out)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the debug buildpack's output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("the debug buildpack's output mentions %q, which does not apply:\n%s", w, out)
				}
			}
			if tc.stripped {
				// What the warning claims: dlv starts, but cannot break by line.
				_, addr := b.launchDebugging(t, "go-http", "hello from go-http")
				d := dialDlv(t, addr)
				if _, err := d.Halt(); err != nil {
					t.Fatal(err)
				}
				source := filepath.Join(b.ws.App, "main.go")
				_, err := d.CreateBreakpoint(&api.Breakpoint{File: source, Line: harness.LineOf(t, source, "BREAKPOINT go-http")})
				if err == nil || !strings.Contains(err.Error(), "stripped") {
					t.Errorf("dlv on a binary built with -ldflags=-w: CreateBreakpoint error %v, want `binary is stripped`", err)
				}
				t.Logf("-ldflags=-w: dlv refuses the breakpoint: %v", err)
				_ = d.Disconnect(true)
			}
			if tc.substitute {
				// The hint works: with the rule it names, a breakpoint on
				// the checkout's path binds in a -trimpath binary.
				t.Log(dlvBreakWithSubstitutePath(t, b, "example.com/go-http"))
				// The label tells an IDE the same: the module and -trimpath.
				if src := b.label(t, "go-http").Source; src.Module != "example.com/go-http" || src.Trimpath == nil || !*src.Trimpath {
					t.Errorf("label source %+v: want module example.com/go-http, trimpath true", src)
				}
			}
			var said []string
			for _, l := range grepLines(out, regexp.MustCompile(`WARNING: process|^cnbdebug/debug: `)) {
				said = append(said, l)
			}
			sum.add("%-40s %s", tc.name, strings.Join(said, " | "))
		})
	}
	t.Cleanup(func() { sum.log(t, "go diagnosis summary:") })
}

// TestDebugOfflineDependencies: a packaged buildpack (dependencies/ inside)
// installs its tools from there, even with a mirror configured that holds
// the same files: the mirror must see no request.
func TestDebugOfflineDependencies(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	srv := harness.NewDependencyServer(t)
	if err := srv.AddDependenciesOf(env.DebugBuildpack(t)); err != nil {
		t.Fatal(err)
	}
	b := buildDebugApp(t, env, debugApp{app: "go-http", fixtures: []string{"paketo-go-build"}, prepare: goDebugBinaries,
		offline: true, platformEnv: map[string]string{"BP_DEPENDENCY_MIRROR": srv.URL}})
	staged, _ := filepath.Glob(filepath.Join(b.ws.Buildpacks, b.bp.EscapedID(), b.bp.Version, "dependencies", "*", "dlv-*"))
	if len(staged) == 0 {
		t.Fatalf("the buildpack was staged without dependencies/")
	}
	if !regexp.MustCompile(`Using the packaged copy \S*/dependencies/[0-9a-f]{64}/dlv-`).MatchString(b.log) {
		t.Errorf("build log does not say dlv came from the packaged dependencies/:\n%s", b.log)
	}
	if strings.Contains(b.log, "Downloading") {
		t.Errorf("the offline build downloaded:\n%s", b.log)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("the mirror was hit although the tools are packaged: %s", srv)
	}
	// The installed dlv is the real one and runs.
	out, err := exec.Command(b.layerPath("dlv/dlv"), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Version: "+harness.DelveVersion) {
		t.Errorf("%s version: %v\n%s", b.layerPath("dlv/dlv"), err, out)
	}
	t.Logf("offline build in %s; mirror requests: %d; %s", b.elapse.Round(time.Millisecond), len(srv.Requests()), strings.TrimSpace(string(out)))
}

// childRunning finds the process below l that runs exe (the app under its
// debugger).
func childRunning(t testing.TB, l *launched, exe string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, pid := range harness.Descendants(l.Pid())[1:] {
			if got, _ := harness.Exe(pid); sameFile(got, exe) {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process runs %s below pid %d:\n%s", exe, l.Pid(), l.Tree())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// parentPid is pid's parent, from /proc/<pid>/stat.
func parentPid(t testing.TB, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	n, _ := strconv.Atoi(fields[1])
	return n
}

// tgidOf is the process a thread id belongs to (ptrace tracers are threads).
func tgidOf(t testing.TB, tid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Tgid:\s*(\d+)`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("/proc/%d/status has no Tgid", tid)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// tracerPid is the pid ptrace-attached to pid (0: none).
func tracerPid(t testing.TB, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^TracerPid:\s*(\d+)`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("/proc/%d/status has no TracerPid", pid)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// dlvBreakWithSubstitutePath launches a -trimpath build under dlv and sets
// a breakpoint by the checkout's path: refused without a rule (the binary
// knows only module paths), bound with the rule {module -> checkout}, and
// hit by a request.
func dlvBreakWithSubstitutePath(t *testing.T, b *builtApp, module string) string {
	t.Helper()
	source := filepath.Join(b.ws.App, "main.go")
	line := harness.LineOf(t, source, "BREAKPOINT go-http")
	loc := fmt.Sprintf("%s:%d", source, line)
	l, addr := b.launchDebugging(t, "go-http", "hello from go-http")
	d := dialDlv(t, addr)
	rules := [][2]string{{module, b.ws.App}}
	bp := dlvBreakThroughRules(t, d, source, line, rules)
	th, body := dlvStopAndLeave(t, d, bp, l.url, module+"/main.go", line, "hello from go-http")
	return fmt.Sprintf("-trimpath: break %s with substitute-path %v stopped at %s:%d; answered %s", loc, rules, th.File, th.Line, body)
}
