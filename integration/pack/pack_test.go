// pack build through podman, then the image under podman: the debug
// buildpack installs dlv (packaged offline, or from a dependency mirror),
// a breakpoint in a real HTTP handler is hit from the host, a rebuild
// reuses the layer, and BP_DEBUG / BPL_DEBUG_ENABLED switch it all off.
package pack

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// The rewritten process runs a dlv in the debug-tools layer (the launch
// wrapper, named dlv so Skaffold recognises it) on the fixture's binary.
const (
	debugToolsDir = "/layers/cnbdebug_debug/debug-tools/"
	goBinary      = "/layers/paketo-buildpacks_go-build/targets/bin/go-http"
)

func TestPackBuild(t *testing.T) {
	start := time.Now()
	p := requirePlatform(t)
	t.Logf("setup: %s", strings.Join(p.setupTimes, "; "))
	t.Cleanup(func() { t.Logf("TestPackBuild ran in %s (setup included)", time.Since(start).Round(time.Second)) })

	var firstDebugTools map[string]any
	ok := t.Run("offline .cnb with BP_DEBUG=true", func(t *testing.T) {
		// --network none: the offline package must need no network at all.
		out, err := p.packBuild(t, imageDebugOffline, "--buildpack", p.offlineCNB, "--env", "BP_DEBUG=true",
			"--clear-cache", "--network", "none")
		if err != nil {
			t.Fatalf("%v", err)
		}
		for _, want := range []string{"Debug Buildpack", "Installing Delve " + harness.DelveVersion, "Using the packaged copy", "Adding layer 'cnbdebug/debug:debug-tools'"} {
			if !strings.Contains(out, want) {
				t.Errorf("pack build output lacks %q:\n%s", want, out)
			}
		}
		img := p.inspect(t, imageDebugOffline)
		checkDebugProcess(t, img)
		layers := img.layers(t, debugBuildpackID)
		if _, ok := layers[debugToolsLayer]; !ok {
			t.Fatalf("io.buildpacks.lifecycle.metadata: %s has no %s layer: %v", debugBuildpackID, debugToolsLayer, layers)
		}
		firstDebugTools = layers[debugToolsLayer]
	})
	if !ok {
		t.Fatal("the debug image was not built; the rest depends on it")
	}

	t.Run("breakpoint in the HTTP handler from the host", func(t *testing.T) {
		c := p.runContainer(t, imageDebugOffline)
		body := c.waitHTTP(t, "/")
		if !strings.Contains(body, "hello from go-http path=/") {
			t.Fatalf("GET / = %q", body)
		}
		if !c.listening(t, dlvPort) {
			t.Fatalf("nothing listens on %d in the container", dlvPort)
		}
		hitBreakpoint(t, p, c)
	})

	t.Run("rebuild reuses the debug-tools layer", func(t *testing.T) {
		out, err := p.packBuild(t, imageDebugOffline, "--buildpack", p.offlineCNB, "--env", "BP_DEBUG=true")
		if err != nil {
			t.Fatalf("%v", err)
		}
		for _, want := range []string{"Reusing cached layer /layers/cnbdebug_debug/debug-tools", "Reusing layer 'cnbdebug/debug:debug-tools'"} {
			if !strings.Contains(out, want) {
				t.Errorf("rebuild output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "Installing Delve") {
			t.Errorf("the rebuild installed Delve again:\n%s", out)
		}
		layers := p.inspect(t, imageDebugOffline).layers(t, debugBuildpackID)
		if got, want := layers[debugToolsLayer]["sha"], firstDebugTools["sha"]; got == nil || got != want {
			t.Errorf("debug-tools layer digest changed on rebuild: %v, first build %v", got, want)
		}
	})

	t.Run("BPL_DEBUG_ENABLED=false runs the bare app", func(t *testing.T) {
		c := p.runContainer(t, imageDebugOffline, "-e", "BPL_DEBUG_ENABLED=false")
		body := c.waitHTTP(t, "/off")
		if !strings.Contains(body, "path=/off") {
			t.Fatalf("GET /off = %q", body)
		}
		if !c.listening(t, appPort) {
			t.Fatalf("the app's port %d is not in the container's /proc/net/tcp: the check itself is broken", appPort)
		}
		if c.listening(t, dlvPort) {
			t.Errorf("something listens on the debugger port %d with BPL_DEBUG_ENABLED=false", dlvPort)
		}
		// The wrapper execs the app itself: no debugger process in between.
		if exe := c.exec(t, "readlink", "/proc/1/exe"); exe != goBinary {
			t.Errorf("PID 1 runs %q, want the app %s", exe, goBinary)
		}
		if _, _, err := dialDlv(fmt.Sprintf("127.0.0.1:%d", c.dlvHostPort), 3*time.Second); err == nil {
			t.Errorf("a debugger answered on the published port with BPL_DEBUG_ENABLED=false")
		}
	})

	t.Run("dlv from BP_DEPENDENCY_MIRROR", func(t *testing.T) {
		mirror := startMirror(t, p)
		out, err := p.packBuild(t, imageDebugOnline, "--buildpack", p.onlineCNB, "--env", "BP_DEBUG=true",
			"--env", "BP_DEPENDENCY_MIRROR="+mirror.URL, "--network", "host", "--clear-cache")
		if err != nil {
			t.Fatalf("%v", err)
		}
		want := fmt.Sprintf("/cnbdebug/debug-buildpack/releases/download/deps/dlv-%s-linux-%s.tar.gz", harness.DelveVersion, runtime.GOARCH)
		if got := mirror.requests(); !slices.Contains(got, want) {
			t.Fatalf("the mirror was asked for %v, want %s; build output:\n%s", got, want, out)
		}
		if !strings.Contains(out, "Dependency mirror found") || strings.Contains(out, "Using the packaged copy") {
			t.Errorf("build output does not show the mirror download:\n%s", out)
		}
		img := p.inspect(t, imageDebugOnline)
		checkDebugProcess(t, img)
		c := p.runContainer(t, imageDebugOnline)
		if body := c.waitHTTP(t, "/"); !strings.Contains(body, "hello from go-http") {
			t.Fatalf("GET / = %q", body)
		}
		client, version, err := dialDlv(fmt.Sprintf("127.0.0.1:%d", c.dlvHostPort), 30*time.Second)
		if err != nil {
			t.Fatalf("%v\n%s", err, c.logs(t))
		}
		_ = client.Disconnect(false)
		if v := version.DelveVersion; !strings.Contains(v, harness.DelveVersion) {
			t.Errorf("GetVersion = %v, want Delve %s", version, harness.DelveVersion)
		}
	})

	// pack makes the --buildpack list one group with no optional member, and
	// the debug buildpack's detect fails without BP_DEBUG: such a build stops
	// at detect. A builder whose order holds it as optional makes both kinds.
	t.Run("--buildpack without BP_DEBUG fails detection", func(t *testing.T) {
		out, err := p.packBuild(t, imagePlain, "--buildpack", p.offlineCNB)
		if err == nil || !strings.Contains(out, "fail: cnbdebug/debug") || !strings.Contains(out, "BP_DEBUG") {
			t.Fatalf("pack build with --buildpack debug and no BP_DEBUG: err %v, output:\n%s", err, out)
		}
	})

	var orderBuilder string
	t.Run("builder order, no BP_DEBUG: the image is untouched", func(t *testing.T) {
		orderBuilder = p.builderWithOptionalDebug(t)
		out, err := p.packBuildWith(t, imagePlain, orderBuilder, true, "--clear-cache")
		if err != nil {
			t.Fatalf("%v", err)
		}
		img := p.inspect(t, imagePlain)
		md := img.buildMetadata(t)
		proc := md.process(t, md.DefaultProcessType)
		if md.DefaultProcessType != "go-http" || !slices.Equal(proc.Command, []string{goBinary}) ||
			proc.BuildpackID != "paketo-buildpacks/go-build" {
			t.Errorf("default process = %q %+v, want go-http: %s from paketo-buildpacks/go-build", md.DefaultProcessType, proc, goBinary)
		}
		for _, bp := range md.Buildpacks {
			if bp.ID == debugBuildpackID {
				t.Errorf("%s is in the build group without BP_DEBUG: %+v", debugBuildpackID, md.Buildpacks)
			}
		}
		if layers := img.layers(t, debugBuildpackID); len(layers) != 0 {
			t.Errorf("%s contributed layers without BP_DEBUG: %v", debugBuildpackID, layers)
		}
		for key := range img.Config.Labels {
			if strings.HasPrefix(key, "dev.cnbdebug.") {
				t.Errorf("label %s on an image built without BP_DEBUG", key)
			}
		}
		if strings.Contains(out, "debug-tools") {
			t.Errorf("the debug buildpack built without BP_DEBUG:\n%s", out)
		}
		c := p.runContainer(t, imagePlain)
		if body := c.waitHTTP(t, "/plain"); !strings.Contains(body, "path=/plain") {
			t.Fatalf("GET /plain = %q", body)
		}
		if exe := c.exec(t, "readlink", "/proc/1/exe"); exe != goBinary {
			t.Errorf("PID 1 runs %q, want the app %s", exe, goBinary)
		}
	})

	t.Run("builder order, BP_DEBUG=true: the debug image", func(t *testing.T) {
		if orderBuilder == "" {
			t.Skip("the builder with the optional debug buildpack was not created")
		}
		if _, err := p.packBuildWith(t, imageViaOrder, orderBuilder, true, "--env", "BP_DEBUG=true", "--clear-cache"); err != nil {
			t.Fatalf("%v", err)
		}
		img := p.inspect(t, imageViaOrder)
		checkDebugProcess(t, img)
		if _, ok := img.layers(t, debugBuildpackID)[debugToolsLayer]; !ok {
			t.Errorf("no %s layer from %s", debugToolsLayer, debugBuildpackID)
		}
	})

	// Without --trust-builder pack runs analyzer, detector, restorer, builder
	// and exporter as separate containers, the phases from the lifecycle image.
	t.Run("untrusted build: five phases from the lifecycle image", func(t *testing.T) {
		out, err := p.packBuildWith(t, imageUntrusted, p.builder, false, "--buildpack", p.fixture,
			"--buildpack", p.offlineCNB, "--env", "BP_DEBUG=true", "--clear-cache")
		if err != nil {
			t.Fatalf("%v", err)
		}
		for _, phase := range []string{"ANALYZING", "DETECTING", "RESTORING", "BUILDING", "EXPORTING"} {
			if !strings.Contains(out, "===> "+phase) {
				t.Errorf("untrusted build output lacks the %s phase:\n%s", phase, out)
			}
		}
		checkDebugProcess(t, p.inspect(t, imageUntrusted))
	})

	t.Run("skaffold debug leaves the rewritten process alone", func(t *testing.T) {
		img := p.inspect(t, imageDebugOffline)
		v := skaffoldVerdicts(t, []skaffoldCase{caseFromImage("pack-go", img.Config.Entrypoint, img.Config.Cmd,
			img.Config.Env, img.Config.Labels, img.Config.WorkingDir)})[0]
		checkUntouched(t, v, "go", map[string]uint32{"dlv": dlvPort})
	})
}

// checkDebugProcess checks the image's default process is the debug
// buildpack's dlv shape around the fixture's binary.
func checkDebugProcess(t *testing.T, img imageInfo) {
	t.Helper()
	md := img.buildMetadata(t)
	if md.DefaultProcessType != "go-http" {
		t.Errorf("default process type = %q, want go-http", md.DefaultProcessType)
	}
	proc := md.process(t, "go-http")
	argv := append(append([]string{}, proc.Command...), proc.Args...)
	if len(argv) == 0 || !strings.HasPrefix(argv[0], debugToolsDir) || !strings.HasSuffix(argv[0], "/dlv") {
		t.Fatalf("process go-http = %q, want a dlv under %s first", argv, debugToolsDir)
	}
	want := []string{argv[0], "exec", "--headless", "--continue", "--accept-multiclient", "--api-version=2",
		"--only-same-user=false", fmt.Sprintf("--listen=0.0.0.0:%d", dlvPort), goBinary, "--"}
	if !slices.Equal(argv, want) || proc.BuildpackID != debugBuildpackID || !proc.Direct {
		t.Errorf("process go-http = %+v (argv %q), want direct %q from %s", proc, argv, want, debugBuildpackID)
	}
	if len(img.Config.Entrypoint) != 1 || img.Config.Entrypoint[0] != "/cnb/process/go-http" {
		t.Errorf("entrypoint = %q, want /cnb/process/go-http", img.Config.Entrypoint)
	}
}

// hitBreakpoint sets a breakpoint on the handler's marked line through
// Delve's JSON-RPC API, drives it with a request, and checks the request
// waits while the app is stopped and finishes after continue.
func hitBreakpoint(t *testing.T, p *platform, c *container) {
	t.Helper()
	client, version, err := dialDlv(fmt.Sprintf("127.0.0.1:%d", c.dlvHostPort), 30*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, c.logs(t))
	}
	t.Logf("dlv: %s (API %d, target %s)", strings.ReplaceAll(version.DelveVersion, "\n", " "), version.APIVersion, version.TargetGoVersion)

	// --continue keeps the app running; halt it to set the breakpoint.
	if _, err := client.Halt(); err != nil {
		t.Fatalf("halt: %v", err)
	}
	bp, err := client.CreateBreakpoint(&api.Breakpoint{File: p.appSource, Line: p.appBreakAt})
	if err != nil {
		t.Fatalf("CreateBreakpoint %s:%d: %v", p.appSource, p.appBreakAt, err)
	}
	stopped := client.Continue()

	type answer struct {
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 90 * time.Second}).Get(c.url("/breakpoint"))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- answer{string(body), err}
	}()

	select {
	case st := <-stopped:
		if st == nil || st.Err != nil || st.Exited {
			t.Fatalf("continue ended with %+v", st)
		}
		th := st.CurrentThread
		if th == nil || th.Breakpoint == nil || th.Breakpoint.ID != bp.ID || th.File != p.appSource ||
			th.Line != p.appBreakAt || th.Function == nil || th.Function.Name() != "main.hello" {
			t.Fatalf("stopped at %+v, want breakpoint %d at %s:%d in main.hello", th, bp.ID, p.appSource, p.appBreakAt)
		}
		t.Logf("hit breakpoint %d at %s:%d in %s (goroutine %d)", bp.ID, th.File, th.Line, th.Function.Name(), th.GoroutineID)
	case a := <-answered:
		t.Fatalf("the request finished (%q, %v) without stopping at the breakpoint", a.body, a.err)
	case <-time.After(60 * time.Second):
		t.Fatalf("no breakpoint hit within 60s\n%s", c.logs(t))
	}

	select {
	case a := <-answered:
		t.Fatalf("the request answered (%q, %v) while the app was stopped", a.body, a.err)
	case <-time.After(time.Second):
	}
	if _, err := client.ClearBreakpoint(bp.ID); err != nil {
		t.Fatalf("ClearBreakpoint: %v", err)
	}
	resumed := client.Continue()
	select {
	case a := <-answered:
		if a.err != nil || !strings.Contains(a.body, "path=/breakpoint") {
			t.Fatalf("after continue: %q, %v", a.body, a.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the request did not finish after continue")
	}
	// End the pending continue, then leave with the app running.
	if _, err := client.Halt(); err != nil {
		t.Fatalf("halt before disconnect: %v", err)
	}
	select {
	case <-resumed:
	case <-time.After(10 * time.Second):
		t.Fatalf("halt did not end the continue")
	}
	if err := client.Disconnect(true); err != nil {
		t.Errorf("disconnect: %v", err)
	}
	if body := c.waitHTTP(t, "/after-detach"); !strings.Contains(body, "path=/after-detach") {
		t.Errorf("after the debugger left: GET /after-detach = %q", body)
	}
}

// container is an app image running under podman with its HTTP and
// debugger ports published on the host's loopback.
type container struct {
	p           *platform
	name        string
	appHostPort int
	dlvHostPort int
	logsOf      func() string // the container's output, where podman did not run it
}

var containerSeq struct {
	sync.Mutex
	n int
}

func (p *platform) runContainer(t *testing.T, image string, extra ...string) *container {
	t.Helper()
	containerSeq.Lock()
	containerSeq.n++
	c := &container{p: p, name: fmt.Sprintf("cnbdebug-pack-it-%d-%d", os.Getpid(), containerSeq.n),
		appHostPort: harness.FreePort(t), dlvHostPort: harness.FreePort(t)}
	containerSeq.Unlock()
	args := []string{"run", "-d", "--name", c.name,
		"-p", fmt.Sprintf("127.0.0.1:%d:%d", c.appHostPort, appPort),
		"-p", fmt.Sprintf("127.0.0.1:%d:%d", c.dlvHostPort, dlvPort)}
	args = append(append(args, extra...), image)
	if out, err := p.podman(args...); err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("container %s output:\n%s", c.name, c.logs(t))
		}
		_, _ = p.podman("rm", "-f", "-t", "0", c.name)
	})
	return c
}

func (c *container) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", c.appHostPort, path)
}

func (c *container) waitHTTP(t *testing.T, path string) string {
	t.Helper()
	body, err := harness.WaitHTTP(c.url(path), 60*time.Second, nil)
	if err != nil {
		t.Fatalf("%v\ncontainer output:\n%s", err, c.logs(t))
	}
	return body
}

func (c *container) logs(t *testing.T) string {
	if c.logsOf != nil {
		return c.logsOf()
	}
	out, _ := c.p.podman("logs", c.name)
	return out
}

func (c *container) exec(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := c.p.podman(append([]string{"exec", c.name}, argv...)...)
	if err != nil {
		t.Fatalf("podman exec %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

// listening reports whether a socket in the container listens on port, from
// the kernel's own tables (the run image has no netstat or ss).
func (c *container) listening(t *testing.T, port int) bool {
	t.Helper()
	return len(tcpListeners(c.exec(t, "cat", "/proc/net/tcp", "/proc/net/tcp6"), port)) > 0
}

// tcpListener is a listening socket as /proc/net/tcp{,6} shows it.
type tcpListener struct {
	addr  string // the local address in the kernel's hex, 0100007F for 127.0.0.1
	inode string // the socket's inode, as /proc/PID/fd links name it: socket:[INODE]
}

// tcpListeners reads the rows of /proc/net/tcp{,6} text that listen (state
// 0A) on port.
func tcpListeners(tables string, port int) []tcpListener {
	re := regexp.MustCompile(fmt.Sprintf(`(?m)^\s*\d+: ([0-9A-F]+):%04X [0-9A-F]+:0000 0A (?:\S+\s+){5}(\d+)`, port))
	var found []tcpListener
	for _, m := range re.FindAllStringSubmatch(tables, -1) {
		found = append(found, tcpListener{addr: m[1], inode: m[2]})
	}
	return found
}

// mirror is a loopback HTTP server standing in for a dependency mirror: it
// serves files by their base name and records the paths it was asked for.
type mirror struct {
	URL  string
	mu   sync.Mutex
	seen []string
}

func (m *mirror) requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.seen...)
}

// startMirror serves the dlv archive tools/build-dlv.sh builds (the same
// bytes as buildpack.toml's checksum) on 127.0.0.1, which the build reaches
// through `pack build --network host`.
func startMirror(t *testing.T, p *platform) *mirror {
	t.Helper()
	dir := t.TempDir()
	out, err := runCmd(p.env, p.repo, filepath.Join(p.repo, "tools", "build-dlv.sh"), harness.DelveVersion, runtime.GOARCH, dir)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Logf("build-dlv.sh: %s", strings.TrimSpace(strings.Split(string(out), "\n")[0]))
	m := &mirror{}
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.seen = append(m.seen, r.URL.Path)
		m.mu.Unlock()
		r.URL.Path = "/" + path.Base(r.URL.Path)
		files.ServeHTTP(w, r)
	}))
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}
