//go:build kpack

// The images kpack built on the test's cluster (integration/k8s/run.sh builds
// them, then runs this test inside the cluster's namespaces): the Image with
// BP_DEBUG=true runs its app under dlv, and a real Delve client stops at a
// breakpoint through `kubectl port-forward`; the Image without it is plain.
package k8s

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

const (
	debugBuildpackID = "cnbdebug/debug"
	debugToolsDir    = "/layers/cnbdebug_debug/debug-tools/"
	goBinary         = "/layers/bpdebug-test_go-build/targets/bin/go-http"
	dlvPort          = 56268
	appPort          = 8080
)

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set (integration/k8s/run.sh sets it)", name)
	}
	return v
}

func run(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// imageConfig is the part of an OCI image config the checks read.
type imageConfig struct {
	Config struct {
		Entrypoint []string          `json:"Entrypoint"`
		Labels     map[string]string `json:"Labels"`
	} `json:"config"`
}

type process struct {
	Type        string   `json:"type"`
	Command     any      `json:"command"` // a string or a list, by platform API
	Args        []string `json:"args"`
	Direct      bool     `json:"direct"`
	BuildpackID string   `json:"buildpackID"`
}

func (p process) argv() []string {
	var argv []string
	switch c := p.Command.(type) {
	case string:
		argv = []string{c}
	case []any:
		for _, s := range c {
			argv = append(argv, fmt.Sprint(s))
		}
	}
	return append(argv, p.Args...)
}

type builtImage struct {
	ref        string
	config     imageConfig
	processes  map[string]process
	defaultPT  string
	buildpacks []string                             // ids in the build group
	layers     map[string]map[string]map[string]any // buildpack id -> layer name -> metadata
}

// inspect reads the image's config from the cluster's registry with skopeo.
func inspect(t *testing.T, ref string) builtImage {
	t.Helper()
	img := builtImage{ref: ref, processes: map[string]process{}, layers: map[string]map[string]map[string]any{}}
	raw := run(t, nil, "skopeo", "inspect", "--tls-verify=false", "--config", "docker://"+ref)
	if err := json.Unmarshal([]byte(raw), &img.config); err != nil {
		t.Fatalf("config of %s: %v", ref, err)
	}
	var build struct {
		Processes  []process `json:"processes"`
		Buildpacks []struct {
			ID string `json:"id"`
		} `json:"buildpacks"`
	}
	if err := json.Unmarshal([]byte(img.config.Config.Labels["io.buildpacks.build.metadata"]), &build); err != nil {
		t.Fatalf("%s: label io.buildpacks.build.metadata: %v", ref, err)
	}
	for _, p := range build.Processes {
		img.processes[p.Type] = p
	}
	for _, bp := range build.Buildpacks {
		img.buildpacks = append(img.buildpacks, bp.ID)
	}
	var lc struct {
		Buildpacks []struct {
			Key    string                    `json:"key"`
			Layers map[string]map[string]any `json:"layers"`
		} `json:"buildpacks"`
	}
	if err := json.Unmarshal([]byte(img.config.Config.Labels["io.buildpacks.lifecycle.metadata"]), &lc); err != nil {
		t.Fatalf("%s: label io.buildpacks.lifecycle.metadata: %v", ref, err)
	}
	for _, bp := range lc.Buildpacks {
		img.layers[bp.Key] = bp.Layers
	}
	if ep := img.config.Config.Entrypoint; len(ep) == 1 && strings.HasPrefix(ep[0], "/cnb/process/") {
		img.defaultPT = strings.TrimPrefix(ep[0], "/cnb/process/")
	}
	return img
}

// runPod starts the image as a pod (kubectl apply) and waits until it is Ready.
func runPod(t *testing.T, name, ref string) {
	t.Helper()
	pod := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: default}
spec:
  terminationGracePeriodSeconds: 5
  containers:
    - name: app
      image: %s
      env: [{name: PORT, value: "%d"}]
      ports: [{containerPort: %d}]
      readinessProbe:
        tcpSocket: {port: %d}
        periodSeconds: 1
`, name, ref, appPort, appPort, appPort)
	run(t, []byte(pod), "kubectl", "apply", "-f", "-")
	t.Cleanup(func() { exec.Command("kubectl", "delete", "pod", name, "--wait=false").Run() })
	if _, err := exec.Command("kubectl", "wait", "--for=condition=Ready", "pod/"+name, "--timeout=180s").CombinedOutput(); err != nil {
		desc, _ := exec.Command("kubectl", "describe", "pod", name).CombinedOutput()
		logs, _ := exec.Command("kubectl", "logs", name).CombinedOutput()
		t.Fatalf("pod %s not Ready in 180 s:\n%s\nlogs:\n%s", name, desc, logs)
	}
}

// portForward runs `kubectl port-forward` to the pod's ports and returns the
// local addresses kubectl picked, in order.
func portForward(t *testing.T, pod string, ports ...int) []string {
	t.Helper()
	args := []string{"port-forward", "--address", "127.0.0.1", "pod/" + pod}
	for _, p := range ports {
		args = append(args, fmt.Sprintf(":%d", p))
	}
	cmd := exec.Command("kubectl", args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// "Forwarding from 127.0.0.1:41234 -> 56268"
	re := regexp.MustCompile(`^Forwarding from (127\.0\.0\.1:\d+) -> (\d+)$`)
	found := map[string]string{}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for len(found) < len(ports) {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("kubectl port-forward ended: %s", stderr.String())
			}
			if m := re.FindStringSubmatch(line); m != nil {
				found[m[2]] = m[1]
			}
		case <-deadline:
			t.Fatalf("kubectl port-forward printed no address in 60 s: %s", stderr.String())
		}
	}
	go func() {
		for range lines { // keep kubectl's stdout drained
		}
	}()
	var addrs []string
	for _, p := range ports {
		addrs = append(addrs, found[fmt.Sprint(p)])
	}
	return addrs
}

func get(url string, timeout time.Duration) (string, error) {
	resp, err := (&http.Client{Timeout: timeout}).Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// dialDlv connects Delve's JSON-RPC 2 client and retries until it answers
// (as integration/pack/dlv_test.go does against a container's port).
func dialDlv(t *testing.T, addr string) *rpc2.RPCClient {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			lastErr = err
			time.Sleep(300 * time.Millisecond)
			continue
		}
		answered := make(chan *rpc2.RPCClient, 1)
		go func() {
			c := rpc2.NewClientFromConn(conn)
			if v := c.GetVersion(); v != nil && v.DelveVersion != "" {
				t.Logf("dlv: %s (API %d)", strings.Join(strings.Fields(v.DelveVersion), " "), v.APIVersion)
				answered <- c
				return
			}
			answered <- nil
		}()
		select {
		case c := <-answered:
			if c != nil {
				return c
			}
			lastErr = fmt.Errorf("connected, but GetVersion gave no answer")
		case <-time.After(10 * time.Second):
			lastErr = fmt.Errorf("connected, but no answer to GetVersion in 10 s")
		}
		conn.Close()
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("dlv at %s: %v", addr, lastErr)
	return nil
}

// breakpointLine finds the line marked "BREAKPOINT go-http" in the app's source.
func breakpointLine(t *testing.T) int {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(env(t, "BP_K8S_APP_DIR"), "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "BREAKPOINT go-http") {
			return i + 1
		}
	}
	t.Fatalf("no BREAKPOINT go-http marker in main.go")
	return 0
}

func TestKpackDebugImage(t *testing.T) {
	ref := env(t, "BP_K8S_DEBUG_IMAGE")
	img := inspect(t, ref)
	t.Logf("image %s: group %v, default process %s", ref, img.buildpacks, img.defaultPT)

	t.Run("default process runs the app under dlv", func(t *testing.T) {
		p, ok := img.processes["go-http"]
		if img.defaultPT != "go-http" || !ok {
			t.Fatalf("default process %q, processes %v: want go-http", img.defaultPT, img.processes)
		}
		argv := p.argv()
		want := []string{"exec", "--headless", "--continue", "--accept-multiclient", "--api-version=2",
			"--only-same-user=false", fmt.Sprintf("--listen=0.0.0.0:%d", dlvPort), goBinary, "--"}
		if len(argv) != len(want)+1 || !strings.HasPrefix(argv[0], debugToolsDir) || !strings.HasSuffix(argv[0], "/dlv") ||
			strings.Join(argv[1:], " ") != strings.Join(want, " ") || p.BuildpackID != debugBuildpackID {
			t.Errorf("process go-http = %q from %s, want %s.../dlv %q from %s", argv, p.BuildpackID, debugToolsDir, want, debugBuildpackID)
		}
		if _, ok := img.layers[debugBuildpackID]["debug-tools"]; !ok {
			t.Errorf("no debug-tools layer from %s: %v", debugBuildpackID, img.layers)
		}
	})

	t.Run("a Delve client stops at a breakpoint through kubectl port-forward", func(t *testing.T) {
		runPod(t, "go-http-debug", ref)
		if cmdline := run(t, nil, "kubectl", "exec", "go-http-debug", "--", "cat", "/proc/1/cmdline"); !strings.Contains(cmdline, "/dlv\x00") {
			t.Errorf("PID 1 of the debug container runs %q, want the debug buildpack's dlv", strings.ReplaceAll(cmdline, "\x00", " "))
		}
		addrs := portForward(t, "go-http-debug", dlvPort, appPort)
		dlvAddr, appAddr := addrs[0], addrs[1]
		t.Logf("kubectl port-forward: dlv at %s, app at %s", dlvAddr, appAddr)
		client := dialDlv(t, dlvAddr)
		defer client.Disconnect(false)

		// --continue keeps the app running; halt it to set the breakpoint.
		if _, err := client.Halt(); err != nil {
			t.Fatalf("halt: %v", err)
		}
		sources, err := client.ListSources(`/main\.go$`)
		if err != nil {
			t.Fatalf("ListSources: %v", err)
		}
		file := ""
		for _, s := range sources {
			if !strings.Contains(s, "/go/src/") && !strings.Contains(s, "/pkg/mod/") {
				file = s
			}
		}
		if file != "/workspace/main.go" {
			t.Errorf("the app's main.go is %q (of %v), want /workspace/main.go (kpack's workspace)", file, sources)
		}
		line := breakpointLine(t)
		bp, err := client.CreateBreakpoint(&api.Breakpoint{File: file, Line: line})
		if err != nil {
			t.Fatalf("CreateBreakpoint %s:%d: %v", file, line, err)
		}
		stopped := client.Continue()
		type answer struct {
			body string
			err  error
		}
		answered := make(chan answer, 1)
		go func() {
			body, err := get("http://"+appAddr+"/kpack", 120*time.Second)
			answered <- answer{body, err}
		}()
		select {
		case st := <-stopped:
			if st == nil || st.Err != nil || st.Exited {
				t.Fatalf("continue ended with %+v", st)
			}
			th := st.CurrentThread
			if th == nil || th.Breakpoint == nil || th.Breakpoint.ID != bp.ID || th.Line != line ||
				th.Function == nil || th.Function.Name() != "main.hello" {
				t.Fatalf("stopped at %+v, want breakpoint %d at %s:%d in main.hello", th, bp.ID, file, line)
			}
			t.Logf("hit breakpoint %d at %s:%d in %s", bp.ID, th.File, th.Line, th.Function.Name())
		case a := <-answered:
			t.Fatalf("the request finished (%q, %v) without stopping at the breakpoint", a.body, a.err)
		case <-time.After(90 * time.Second):
			t.Fatalf("no breakpoint hit in 90 s")
		}
		select {
		case a := <-answered:
			t.Fatalf("the request answered (%q, %v) while the app was stopped", a.body, a.err)
		case <-time.After(time.Second):
		}
		if _, err := client.ClearBreakpoint(bp.ID); err != nil {
			t.Fatalf("ClearBreakpoint: %v", err)
		}
		client.Continue()
		select {
		case a := <-answered:
			if a.err != nil || !strings.Contains(a.body, "path=/kpack") {
				t.Fatalf("after continue: %q, %v", a.body, a.err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("the request did not finish after continue")
		}
		// Leave the app running: halt ends the pending continue, detach keeps it.
		client.Halt()
	})
}

func TestKpackPlainImage(t *testing.T) {
	ref := env(t, "BP_K8S_PLAIN_IMAGE")
	img := inspect(t, ref)
	t.Logf("image %s: group %v, default process %s", ref, img.buildpacks, img.defaultPT)

	t.Run("the optional debug buildpack stayed out", func(t *testing.T) {
		p := img.processes["go-http"]
		if img.defaultPT != "go-http" || strings.Join(p.argv(), " ") != goBinary || p.BuildpackID != "bpdebug-test/go-build" {
			t.Errorf("default process %q = %q from %s, want go-http = %s from bpdebug-test/go-build",
				img.defaultPT, p.argv(), p.BuildpackID, goBinary)
		}
		for _, id := range img.buildpacks {
			if id == debugBuildpackID {
				t.Errorf("%s is in the build group without BP_DEBUG: %v", debugBuildpackID, img.buildpacks)
			}
		}
		if layers := img.layers[debugBuildpackID]; len(layers) != 0 {
			t.Errorf("%s contributed layers without BP_DEBUG: %v", debugBuildpackID, layers)
		}
		for key := range img.config.Config.Labels {
			if strings.HasPrefix(key, "dev.cnbdebug.") {
				t.Errorf("label %s on an image built without BP_DEBUG", key)
			}
		}
	})

	t.Run("the app is PID 1 and serves", func(t *testing.T) {
		runPod(t, "go-http-plain", ref)
		if exe := run(t, nil, "kubectl", "exec", "go-http-plain", "--", "readlink", "/proc/1/exe"); exe != goBinary {
			t.Errorf("PID 1 runs %q, want the app %s", exe, goBinary)
		}
		addr := portForward(t, "go-http-plain", appPort)[0]
		body, err := get("http://"+addr+"/plain", 30*time.Second)
		if err != nil || !strings.Contains(body, "path=/plain") {
			t.Errorf("GET /plain through port-forward = %q, %v", body, err)
		}
	})
}
