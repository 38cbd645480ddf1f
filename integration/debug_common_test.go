// Shared by the debugger tests: build a sample app with the real lifecycle
// (fixture language buildpacks, then the debug buildpack with BP_DEBUG=true,
// its tools served by a loopback dependency mirror), launch its processes
// through the real launcher, and read what they really do from /proc and
// the exported image's labels.
package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// Label keys of the debug buildpack.
const (
	debugConfigLabel = harness.DebugConfigLabel
	debugPortPrefix  = "dev.cnbdebug.debug.port."
)

// debugApp says how to build one sample app.
type debugApp struct {
	app         string
	fixtures    []string
	prepare     func(ws *harness.Workspace)
	platformEnv map[string]string // besides BP_DEBUG=true
	// offline stages the packaged dependencies/ instead of serving them.
	offline bool
	// descriptor edits the debug buildpack's buildpack.toml before staging.
	descriptor func(t *testing.T, toml []byte, srv *harness.DependencyServer) []byte
	// wantFail expects the build to fail (in the builder).
	wantFail bool
}

// builtApp is a finished build, shared by the subtests that launch it.
type builtApp struct {
	ws     *harness.Workspace
	res    *harness.BuildResult
	bp     harness.Buildpack
	srv    *harness.DependencyServer // nil when offline
	log    string                    // the debug buildpack's build output
	md     *harness.Metadata
	img    *harness.Image
	elapse time.Duration
}

func buildDebugApp(t *testing.T, env *harness.Env, spec debugApp) *builtApp {
	t.Helper()
	start := time.Now()
	ws := harness.NewWorkspace(t, env)
	ws.CopyApp(spec.app)
	if spec.prepare != nil {
		spec.prepare(ws)
	}
	ws.AddFixtures(spec.fixtures...)
	b := &builtApp{ws: ws}
	if !spec.offline {
		b.srv = ws.ServeDependencies()
	}
	bp := env.DebugBuildpack(t)
	if spec.descriptor != nil {
		orig, err := bp.Descriptor()
		if err != nil {
			t.Fatal(err)
		}
		bp = bp.WithDescriptor(spec.descriptor(t, orig, b.srv))
	}
	b.bp = bp.AsOptional()
	ws.AddBuildpacks(b.bp)
	ws.SetPlatformEnv("BP_DEBUG", "true")
	for k, v := range spec.platformEnv {
		ws.SetPlatformEnv(k, v)
	}
	if spec.wantFail {
		b.res = ws.Build()
	} else {
		b.res = ws.MustBuild()
	}
	if builder := b.res.Builder(); builder != nil {
		b.log = builder.BuildpackOutput(b.bp)
	}
	if !spec.wantFail {
		b.md = ws.Metadata()
		b.img = ws.Image()
	}
	b.elapse = time.Since(start)
	return b
}

// layerPath is a path inside the debug-tools layer.
func (b *builtApp) layerPath(rel string) string {
	return filepath.Join(b.ws.LayerDir(harness.DebugBuildpackID, "debug-tools"), rel)
}

// debugLabelEntry is one process's entry in dev.cnbdebug.debug.config.
type debugLabelEntry struct {
	Runtime        string            `json:"runtime"`
	Ports          map[string]int    `json:"ports"`
	WorkingDir     string            `json:"workingDir"`
	Bind           string            `json:"bind"`
	Tools          map[string]string `json:"tools"`
	Wait           bool              `json:"wait"`
	Managed        bool              `json:"managed"`
	RuntimeVersion string            `json:"runtimeVersion"`
	// For IDE configs: the sources' root in the image; for Go, the build
	// info's main module and -trimpath.
	Source struct {
		Root     string `json:"root"`
		Module   string `json:"module"`
		Trimpath *bool  `json:"trimpath"`
	} `json:"source"`
}

// label reads a process's entry from the EXPORTED image's config label.
func (b *builtApp) label(t testing.TB, processType string) debugLabelEntry {
	t.Helper()
	raw, ok := b.img.Config.Labels[debugConfigLabel]
	if !ok {
		t.Fatalf("the exported image has no %s label; labels: %v", debugConfigLabel, labelKeys(b.img.Config.Labels))
	}
	var cfg map[string]debugLabelEntry
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("label %s is not JSON: %v: %s", debugConfigLabel, err, raw)
	}
	entry, ok := cfg[processType]
	if !ok {
		t.Fatalf("label %s has no entry for %q: %s", debugConfigLabel, processType, raw)
	}
	return entry
}

// portLabels are the image's dev.cnbdebug.debug.port.* labels.
func (b *builtApp) portLabels() map[string]string {
	out := map[string]string{}
	for k, v := range b.img.Config.Labels {
		if strings.HasPrefix(k, debugPortPrefix) {
			out[strings.TrimPrefix(k, debugPortPrefix)] = v
		}
	}
	return out
}

// checkLabels asserts the image labels describe processType as debugged
// by runtime on protocol:port, the port also in its own label.
func (b *builtApp) checkLabels(t testing.TB, processType, runtime, protocol string, port int) debugLabelEntry {
	t.Helper()
	entry := b.label(t, processType)
	if entry.Runtime != runtime {
		t.Errorf("label %s[%s].runtime = %q, want %q", debugConfigLabel, processType, entry.Runtime, runtime)
	}
	if got := entry.Ports[protocol]; got != port || len(entry.Ports) != 1 {
		t.Errorf("label %s[%s].ports = %v, want {%s: %d}", debugConfigLabel, processType, entry.Ports, protocol, port)
	}
	if root := entry.Source.Root; !filepath.IsAbs(root) || (entry.WorkingDir != "" && root != entry.WorkingDir) {
		t.Errorf("label %s[%s].source.root = %q, want the absolute working dir (workingDir %q)", debugConfigLabel, processType, root, entry.WorkingDir)
	}
	key := processType + "." + protocol
	if got := b.portLabels()[key]; got != strconv.Itoa(port) {
		t.Errorf("label %s%s = %q, want %d (all port labels: %v)", debugPortPrefix, key, got, port, b.portLabels())
	}
	return entry
}

// The debuggers' default ports are shared by every test (and any other
// suite on the machine): launches that use one take its lock.
var portLocks sync.Map

func lockPort(t testing.TB, port int) {
	t.Helper()
	m, _ := portLocks.LoadOrStore(port, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	t.Cleanup(mu.Unlock)
	// Another program may hold it: wait a while, then say who.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ls, err := harness.Listeners()
		if err != nil {
			t.Fatal(err)
		}
		var holders []string
		for _, l := range ls {
			if l.Port == port {
				holders = append(holders, l.Addr())
			}
		}
		if len(holders) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %d is held by another program (%v) for 60s; the test needs the debugger's default port", port, holders)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// launched is a process started through the launcher, serving HTTP on port.
type launched struct {
	*harness.RunningProcess
	port int
	url  string
}

// launch starts processType through the real launcher with env (plus a
// free PORT for the app).
func (b *builtApp) launch(t testing.TB, processType string, env map[string]string, args ...string) *launched {
	t.Helper()
	port := harness.FreePort(t)
	all := map[string]string{"PORT": strconv.Itoa(port)}
	for k, v := range env {
		all[k] = v
	}
	p := b.ws.Launch(processType, harness.LaunchOptions{Env: all, Args: args})
	// The workspace kills it when the whole test ends; a subtest's process
	// must go with the subtest (it may hold a default port).
	t.Cleanup(p.Kill)
	return &launched{RunningProcess: p, port: port, url: fmt.Sprintf("http://127.0.0.1:%d/probe", port)}
}

// launchOnLoopback starts processType with BPL_DEBUG_PORT set to a free port
// and BPL_DEBUG_BIND=127.0.0.1, and checks that the debugger listens there,
// on loopback only, and not also on its build-time port. It returns the
// process and the debugger's port.
func (b *builtApp) launchOnLoopback(t testing.TB, processType, debugger string, buildTimePort int) (*launched, int) {
	t.Helper()
	port := harness.FreePort(t)
	l := b.launch(t, processType, map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port), "BPL_DEBUG_BIND": "127.0.0.1"})
	ln := l.waitListener(t, port)
	if !ln.IP.Equal(loopbackIP) {
		t.Errorf("%s listens on %s, want 127.0.0.1 only", debugger, ln.Addr())
	}
	ls, _ := l.ListenersOf()
	for _, s := range ls {
		if s.Port == buildTimePort {
			t.Errorf("%s also listens on the build-time port: %s", debugger, s.Addr())
		}
	}
	return l, port
}

// waitHTTP waits for the app to answer and checks the body.
func (l *launched) waitHTTP(t testing.TB, want string) string {
	t.Helper()
	body, err := harness.WaitHTTP(l.url, 30*time.Second, l.RunningProcess)
	if err != nil {
		t.Fatalf("%v\nprocess tree:\n%s", err, l.Tree())
	}
	if !strings.Contains(body, want) {
		t.Fatalf("GET %s = %q, want %q", l.url, body, want)
	}
	return body
}

// notAnswering asserts the app does not answer HTTP for d.
func (l *launched) notAnswering(t testing.TB, d time.Duration) {
	t.Helper()
	if body, err := harness.WaitHTTP(l.url, d, nil); err == nil {
		t.Fatalf("the app answered %q while it should wait for a debugger", body)
	}
	if l.Exited() {
		t.Fatalf("the process exited while waiting for a debugger:\n%s", l.Output())
	}
}

// waitListener waits until the process tree listens on port, and returns
// the socket with the pid holding it.
func (l *launched) waitListener(t testing.TB, port int) harness.Listener {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ls, err := l.ListenersOf()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ls {
			if s.Port == port {
				return s
			}
		}
		if l.Exited() || time.Now().After(deadline) {
			t.Fatalf("the process tree does not listen on port %d (it listens on %v); output:\n%s\ntree:\n%s", port, ls, l.Output(), l.Tree())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// onlyAppPort asserts the tree listens on the app's HTTP port and nothing
// else: no debugger port is open.
func (l *launched) onlyAppPort(t testing.TB) {
	t.Helper()
	ls, err := l.ListenersOf()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ls {
		if s.Port != l.port {
			t.Errorf("the process tree listens on %s (pid %d) besides the app's port %d; tree:\n%s", s.Addr(), s.PID, l.port, l.Tree())
		}
	}
}

// debugLaunchLines are the wrapper's own stderr lines.
func (l *launched) debugLaunchLines() []string {
	return grepLines(l.Stderr(), regexp.MustCompile(`^debug-launch: `))
}

// pidAlive reports whether pid runs (a zombie has stopped running).
func pidAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func waitGone(t testing.TB, pid int, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for pidAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) still runs %s later", what, pid, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sigterm sends SIGTERM to the launched process only (not its group), as a
// container runtime does to pid 1.
func (l *launched) sigterm(t testing.TB) {
	t.Helper()
	if err := syscall.Kill(l.Pid(), syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %d: %v", l.Pid(), err)
	}
}

// sigtermExit sends SIGTERM (sigterm) and returns the exit code; the test
// fails when what (the launched process, named for the message) has not
// exited within timeout.
func (l *launched) sigtermExit(t testing.TB, timeout time.Duration, what string) int {
	t.Helper()
	l.sigterm(t)
	code, err := l.Wait(timeout)
	if err != nil {
		t.Fatalf("%s did not exit within %s after SIGTERM: %v; output:\n%s\ntree:\n%s", what, timeout, err, l.Output(), l.Tree())
	}
	return code
}

// launchDebugging launches processType with the debugger on a free port
// (BPL_DEBUG_PORT) and returns once the debugger listens there and the app
// answers want, with the debugger's address.
func (b *builtApp) launchDebugging(t testing.TB, processType, want string) (*launched, string) {
	t.Helper()
	port := harness.FreePort(t)
	l := b.launch(t, processType, map[string]string{"BPL_DEBUG_PORT": strconv.Itoa(port)})
	l.waitListener(t, port)
	l.waitHTTP(t, want)
	return l, fmt.Sprintf("127.0.0.1:%d", port)
}

// dialFails asserts nothing accepts connections on 127.0.0.1:port.
func dialFails(t testing.TB, port int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("127.0.0.1:%d accepts connections, but the debugger should be off", port)
	}
}

// sameFile reports whether two paths name the same file.
func sameFile(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

// timings collects per-step durations for the summary line of a test.
type timings struct {
	mu    sync.Mutex
	steps []string
}

func (tm *timings) add(name string, d time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.steps = append(tm.steps, fmt.Sprintf("%s %s", name, d.Round(time.Millisecond)))
}

func (tm *timings) String() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return strings.Join(tm.steps, ", ")
}

// step runs a subtest and records its duration.
func (tm *timings) step(t *testing.T, name string, f func(t *testing.T)) {
	start := time.Now()
	t.Run(name, f)
	tm.add(name, time.Since(start))
}

var loopbackIP = net.IPv4(127, 0, 0, 1)
