// The demo behind integration/demo.sh (skipped unless BP_DEBUG_DEMO=1):
// builds the go-http sample with the real lifecycle and the debug
// buildpack, shows what the buildpack did (its build log, the rewritten
// process, the image labels), starts the image's default process through
// the real launcher, says how to attach, and proves it by attaching itself
// and stopping in the HTTP handler. DEMO_SECONDS keeps it running after.
package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// say prints to the terminal as it happens, unindented, for people.
func say(format string, args ...any) { fmt.Fprintf(os.Stdout, format+"\n", args...) }

func section(title string) { say("\n==> %s", title) }

// portOr returns want when nothing listens on it, else a free port.
func portOr(t *testing.T, want int) int {
	ls, err := harness.Listeners()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Port == want {
			return harness.FreePort(t)
		}
	}
	return want
}

func TestDemo(t *testing.T) {
	if os.Getenv("BP_DEBUG_DEMO") != "1" {
		t.Skip("the demo runs from integration/demo.sh (BP_DEBUG_DEMO=1)")
	}
	env := harness.Require(t)
	start := time.Now()

	section("Building the go-http sample: go-build fixture, then cnbdebug/debug, BP_DEBUG=true")
	say("app built with BP_GO_BUILD_FLAGS=\"-gcflags=all=-N -l\" (the README's advice); lifecycle %s on this host, tools from the packaged dependencies/", harness.LifecycleVersion)
	b := buildDebugApp(t, env, debugApp{app: "go-http", fixtures: []string{"paketo-go-build"}, prepare: goDebugBinaries, offline: true})
	say("%s", b.res.Summary())

	section("cnbdebug/debug build log")
	say("%s", strings.TrimRight(b.log, "\n"))

	section("The image's default process, as the exported image records it (io.buildpacks.build.metadata)")
	bm, err := b.img.BuildMetadata()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range bm.Processes {
		if p.Type == bm.BuildpackDefaultProcessType {
			say("%s (default, from %s, direct=%v):", p.Type, p.BuildpackID, p.Direct)
			say("  %s", strings.Join(p.Argv(), " \\\n    "))
		}
	}
	say("entrypoint: %s", strings.Join(b.img.Config.Entrypoint, " "))

	section("Debug labels of the exported image")
	var keys []string
	for k := range b.img.Config.Labels {
		if strings.HasPrefix(k, "dev.cnbdebug.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := b.img.Config.Labels[k]
		var pretty any
		if json.Unmarshal([]byte(v), &pretty) == nil {
			if out, err := json.MarshalIndent(pretty, "  ", "  "); err == nil && strings.HasPrefix(v, "{") {
				v = string(out)
			}
		}
		say("%s = %s", k, v)
	}

	section("Starting the default process through the lifecycle's launcher (as the container would)")
	dlvPort, appPort := portOr(t, dlvDefaultPort), portOr(t, 8080)
	launchEnv := map[string]string{"PORT": strconv.Itoa(appPort)}
	if dlvPort != dlvDefaultPort {
		say("port %d is taken on this machine: moving dlv with BPL_DEBUG_PORT=%d (no rebuild needed)", dlvDefaultPort, dlvPort)
		launchEnv["BPL_DEBUG_PORT"] = strconv.Itoa(dlvPort)
	}
	p := b.ws.LaunchDefault(harness.LaunchOptions{Env: launchEnv})
	l := &launched{RunningProcess: p, port: appPort, url: fmt.Sprintf("http://127.0.0.1:%d/demo", appPort)}
	l.waitListener(t, dlvPort)
	l.waitHTTP(t, "hello from go-http")
	say("%s", strings.TrimRight(p.Output(), "\n"))
	say("process tree:\n%s", p.Tree())

	source := filepath.Join(b.ws.App, "main.go")
	line := harness.LineOf(t, source, "BREAKPOINT go-http")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(dlvPort))
	section("How to attach")
	say("Delve CLI:   dlv connect %s", addr)
	say("             (dlv) break %s:%d", source, line)
	say("             (dlv) continue")
	say("VS Code:     launch.json {\"name\": \"Attach to the image\", \"type\": \"go\", \"request\": \"attach\", \"mode\": \"remote\",")
	say("                          \"host\": \"127.0.0.1\", \"port\": %d, \"substitutePath\": [{\"from\": \"${workspaceFolder}\", \"to\": \"%s\"}]}", dlvPort, b.ws.App)
	say("GoLand:      Run > Edit Configurations > Go Remote, host 127.0.0.1, port %d", dlvPort)
	say("then:        curl %s", l.url)
	say("In a container: docker run -p %d:%d -p 8080:8080 IMAGE; BPL_DEBUG_ENABLED=false runs it without dlv.", dlvDefaultPort, dlvDefaultPort)

	section("Proving it: Delve's own client (service/rpc2) breaks in the HTTP handler")
	say("break at %s:%d, then GET %s", source, line, l.url)
	got := dlvHitBreakpoint(t, addr, source, line, l.url, "hello from go-http path=/demo")
	say("%s", got)
	l.waitHTTP(t, "hello from go-http")
	say("dlv is still serving at %s and the app at %s", addr, l.url)

	if s := os.Getenv("DEMO_SECONDS"); s != "" {
		secs, err := strconv.Atoi(s)
		if err != nil || secs < 0 {
			t.Fatalf("DEMO_SECONDS=%q is not a number of seconds", s)
		}
		section(fmt.Sprintf("Staying up for %ds (DEMO_SECONDS): attach now", secs))
		select {
		case <-time.After(time.Duration(secs) * time.Second):
		case <-waitExit(p):
			say("the process exited")
		}
	}
	section(fmt.Sprintf("Done in %s", time.Since(start).Round(time.Millisecond)))
}

// waitExit closes when p exits.
func waitExit(p *harness.RunningProcess) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for !p.Exited() {
			time.Sleep(200 * time.Millisecond)
		}
		close(ch)
	}()
	return ch
}
