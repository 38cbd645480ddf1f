// Skaffold's view of debug images, decided by Skaffold's own code: the
// testdata/platform-check program runs pkg/skaffold/debug.TransformContainer
// (Skaffold v2.24.0) on image configs, exactly as `skaffold debug` does for
// each container of a pod. The images come from the real lifecycle (on the
// host, through the harness) and from pack (pack_test.go).
package pack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// SkaffoldVersion is the Skaffold release whose debug transforms are run;
// testdata/platform-check/go.mod pins it, with kpack v0.17.1.
const SkaffoldVersion = "v2.24.0"

type skaffoldCase struct {
	Name       string            `json:"name"`
	Entrypoint []string          `json:"entrypoint"`
	Cmd        []string          `json:"cmd"`
	Env        []string          `json:"env"`
	Labels     map[string]string `json:"labels"`
	WorkingDir string            `json:"workingDir"`
}

type skaffoldVerdict struct {
	Name         string            `json:"name"`
	Runtime      string            `json:"runtime"`
	Ports        map[string]uint32 `json:"ports"`
	WorkingDir   string            `json:"workingDir"`
	SupportImage string            `json:"supportImage"`
	Command      []string          `json:"command"`
	Args         []string          `json:"args"`
	Env          map[string]string `json:"env"`
	Error        string            `json:"error"`
}

func caseFromImage(name string, entrypoint, cmd, env []string, labels map[string]string, workingDir string) skaffoldCase {
	return skaffoldCase{Name: name, Entrypoint: entrypoint, Cmd: cmd, Env: env, Labels: labels, WorkingDir: workingDir}
}

var (
	checkerOnce sync.Once
	checkerPath string
	checkerErr  error
)

// platformCheck builds testdata/platform-check once and caches the binary
// under .cache keyed by its sources (a cold build fetches Skaffold's and
// kpack's module graphs through the Go proxy: about 4 minutes on 2 cores).
func platformCheck(t *testing.T) string {
	t.Helper()
	checkerOnce.Do(func() { checkerPath, checkerErr = buildChecker() })
	if checkerErr != nil {
		t.Fatalf("platform-check: %v", checkerErr)
	}
	return checkerPath
}

func buildChecker() (string, error) {
	repo, err := harness.RepoRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(repo, "integration", "pack", "testdata", "platform-check")
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum", "main.go", "skaffold.go", "manifests.go"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
	}
	dir := filepath.Join(cacheDir(repo), "platform-check-"+hex.EncodeToString(h.Sum(nil))[:12])
	bin := filepath.Join(dir, "platform-check")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// go test runs packages in parallel; one build at a time.
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp := bin + ".tmp"
	env := append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false -mod=readonly", "GOTOOLCHAIN=local")
	if _, err := runCmd(env, src, "go", "build", "-o", tmp, "."); err != nil {
		return "", err
	}
	return bin, os.Rename(tmp, bin)
}

// skaffoldVerdicts runs Skaffold's transform on every case.
func skaffoldVerdicts(t *testing.T, cases []skaffoldCase) []skaffoldVerdict {
	t.Helper()
	input, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runPlatformCheck(t, string(input), "transform")
	if err != nil {
		t.Fatalf("platform-check transform: %v\n%s", err, stderr)
	}
	var verdicts []skaffoldVerdict
	if err := json.Unmarshal(out, &verdicts); err != nil || len(verdicts) != len(cases) {
		t.Fatalf("platform-check transform output (%v, %d verdicts for %d cases):\n%s", err, len(verdicts), len(cases), out)
	}
	for _, v := range verdicts {
		t.Logf("skaffold debug on %s: runtime=%q ports=%v supportImage=%q command=%q args=%q env=%v error=%q",
			v.Name, v.Runtime, v.Ports, v.SupportImage, v.Command, v.Args, v.Env, v.Error)
	}
	return verdicts
}

// runPlatformCheck runs the checker with args and stdin, returning stdout,
// stderr and the exit error.
func runPlatformCheck(t *testing.T, stdin string, args ...string) ([]byte, string, error) {
	t.Helper()
	cmd := exec.Command(platformCheck(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

// checkUntouched asserts Skaffold recognised the runtime and debug port and
// kept the image's own process (no command or args of its own).
func checkUntouched(t *testing.T, v skaffoldVerdict, runtime string, ports map[string]uint32) {
	t.Helper()
	if v.Error != "" {
		t.Fatalf("%s: skaffold debug failed: %s", v.Name, v.Error)
	}
	if v.Runtime != runtime || fmt.Sprint(v.Ports) != fmt.Sprint(ports) {
		t.Errorf("%s: skaffold sees runtime %q ports %v, want %q %v", v.Name, v.Runtime, v.Ports, runtime, ports)
	}
	if len(v.Command) != 0 || len(v.Args) != 0 {
		t.Errorf("%s: skaffold rewrote the process: command %q args %q", v.Name, v.Command, v.Args)
	}
}

// lifecycleImage is a sample app built on the host with the real lifecycle,
// the fixture buildpacks and the debug buildpack (BP_DEBUG=true).
func lifecycleImage(t *testing.T, env *harness.Env, name, app string, prepare func(*harness.Workspace), fixtures ...string) (skaffoldCase, *harness.Workspace) {
	t.Helper()
	ws := harness.NewWorkspace(t, env)
	ws.CopyApp(app)
	if prepare != nil {
		prepare(ws)
	}
	ws.AddFixtures(fixtures...)
	ws.AddDebugBuildpack()
	ws.SetPlatformEnv("BP_DEBUG", "true")
	ws.MustBuild()
	c := ws.Image().Config
	var md struct {
		Processes []process `json:"processes"`
	}
	if err := json.Unmarshal([]byte(c.Labels[harness.LabelBuildMetadata]), &md); err == nil {
		for _, p := range md.Processes {
			t.Logf("%s: process %s = %q %q (from %s)", name, p.Type, p.Command, p.Args, p.BuildpackID)
		}
	}
	return caseFromImage(name, c.Entrypoint, c.Cmd, c.Env, c.Labels, c.WorkingDir), ws
}

// TestSkaffoldDebugOnDebugImages: for every runtime whose debugger listens
// on a port, Skaffold must see the debug buildpack's process as already
// debug-enabled (leave it alone, expose its port). For the JVM, whose agent
// is set by exec.d at launch where Skaffold cannot see it, Skaffold adds its
// own JAVA_TOOL_OPTIONS to the pod; the app must then start with exactly
// that one agent (see examples/skaffold/README.md).
func TestSkaffoldDebugOnDebugImages(t *testing.T) {
	env := harness.Require(t)
	platformCheck(t) // fail fast, before the builds
	goBins := func(ws *harness.Workspace) { ws.GoBuild([]string{"-gcflags=all=-N -l"}, ".") }
	goCase, _ := lifecycleImage(t, env, "go (paketo-go-build)", "go-http", goBins, "paketo-go-build")
	nodeCase, _ := lifecycleImage(t, env, "node (paketo-node-start)", "node-http", nil, "paketo-node-engine", "paketo-node-start")
	pyCase, _ := lifecycleImage(t, env, "python (heroku-procfile)", "python-http", nil, "paketo-cpython", "heroku-procfile")
	jvmCase, jvmWS := lifecycleImage(t, env, "jvm (paketo-executable-jar)", "java-http",
		func(ws *harness.Workspace) { ws.Javac("src/sample/Server.java") }, "paketo-bellsoft-liberica", "paketo-executable-jar")

	verdicts := skaffoldVerdicts(t, []skaffoldCase{goCase, nodeCase, pyCase, jvmCase})
	checkUntouched(t, verdicts[0], "go", map[string]uint32{"dlv": 56268})
	checkUntouched(t, verdicts[1], "nodejs", map[string]uint32{"devtools": 9229})
	checkUntouched(t, verdicts[2], "python", map[string]uint32{"dap": 5678})
	jvm := verdicts[3]
	if jvm.Error != "" || jvm.Runtime != "jvm" || jvm.Ports["jdwp"] != 5005 || len(jvm.Command) != 0 || len(jvm.Args) != 0 {
		t.Fatalf("jvm: skaffold verdict %+v, want runtime jvm, jdwp 5005, process untouched", jvm)
	}
	jto := jvm.Env["JAVA_TOOL_OPTIONS"]
	if !strings.Contains(jto, "-agentlib:jdwp=") || !strings.Contains(jto, "address=5005") {
		t.Fatalf("jvm: skaffold sets JAVA_TOOL_OPTIONS=%q, want its own jdwp agent on 5005", jto)
	}

	// Start the JVM app with the pod env Skaffold wrote. Skaffold's port
	// allocator hands out a free port when 5005 is taken; do the same here.
	jdwpPort, appPort := harness.FreePort(t), harness.FreePort(t)
	podJTO := strings.Replace(jto, "address=5005", fmt.Sprintf("address=%d", jdwpPort), 1)
	proc := jvmWS.LaunchDefault(harness.LaunchOptions{Env: map[string]string{
		"JAVA_TOOL_OPTIONS": podJTO, "PORT": fmt.Sprint(appPort)}})
	body, err := harness.WaitHTTP(fmt.Sprintf("http://127.0.0.1:%d/skaffold", appPort), 60*time.Second, proc)
	if err != nil {
		t.Fatalf("jvm app with Skaffold's JAVA_TOOL_OPTIONS: %v", err)
	}
	if !strings.Contains(body, "path=/skaffold") {
		t.Errorf("GET /skaffold = %q", body)
	}
	if err := jdwpHandshake(fmt.Sprintf("127.0.0.1:%d", jdwpPort)); err != nil {
		t.Errorf("Skaffold's JDWP agent on %d: %v\n%s", jdwpPort, err, proc.Output())
	}
	// The JVM echoes the options it picked up: one agent, Skaffold's.
	picked := regexp.MustCompile(`Picked up JAVA_TOOL_OPTIONS: (.*)`).FindStringSubmatch(proc.Output())
	if picked == nil || strings.Count(picked[1], "-agentlib:jdwp") != 1 || !strings.Contains(picked[1], fmt.Sprintf("address=%d", jdwpPort)) {
		t.Errorf("the JVM picked up %q, want exactly Skaffold's agent on %d; output:\n%s", picked, jdwpPort, proc.Output())
	}
}

// jdwpHandshake performs the JDWP handshake: the agent echoes the 14 bytes.
func jdwpHandshake(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("JDWP-Handshake")); err != nil {
		return err
	}
	reply := make([]byte, 14)
	if _, err := io.ReadFull(conn, reply); err != nil {
		return err
	}
	if string(reply) != "JDWP-Handshake" {
		return fmt.Errorf("handshake reply %q", reply)
	}
	return nil
}
