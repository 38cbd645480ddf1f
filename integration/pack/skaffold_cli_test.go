// The Skaffold CLI for real (v2.24.0, built from its module by
// integration/build-tools.sh): `skaffold build` and `skaffold debug -p docker`
// of examples/skaffold through podman's Docker API. The builder, run image and
// Skaffold's Go debug-support image come from a Debian docker-registry the
// test starts on 127.0.0.1; a Delve rpc2 client attaches through the port
// Skaffold forwards and hits a breakpoint; the container Skaffold ran is
// inspected to record what Skaffold adds to it.
package pack

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// registry is Debian's docker-registry (distribution v2) on 127.0.0.1, with
// its storage in a temp dir; podman.sh's registries.conf makes 127.0.0.1
// plain HTTP for the podman service.
type registry struct {
	host   string // 127.0.0.1:PORT
	config string // docker-registry's config.yml: the address and the storage
}

// startRegistry serves at podman.sh's CNBDEBUG_REGISTRY: a fixed address per
// podman dir, because podman's registries.conf mirrors the lifecycle image
// from there.
func startRegistry(t *testing.T, p *platform) *registry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry is not installed (integration/install-deps.sh installs Debian's package)")
	}
	dir := t.TempDir()
	host := p.getenv("CNBDEBUG_REGISTRY")
	if host == "" {
		t.Fatal("podman.sh printed no CNBDEBUG_REGISTRY")
	}
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
http:
  addr: %s
`, filepath.Join(dir, "data"), host)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runRegistry(t, "docker-registry", exec.Command(bin, "serve", config), host, http.DefaultClient); err != nil {
		t.Fatal(err)
	}
	return &registry{host: host, config: config}
}

// runRegistry starts a docker-registry command and waits until host answers
// /v2/ through client; the test's cleanup stops it. The registry's own exit
// is an error at once, with its log: a registry that cannot bind its port
// (another test's holds it) must not pass for ready because the other answers.
func runRegistry(t *testing.T, what string, cmd *exec.Cmd, host string, client *http.Client) error {
	t.Helper()
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%s log:\n%s", what, tail(logs.String(), 40))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			return fmt.Errorf("%s on %s exited (%v): %s", what, host, err, tail(logs.String(), 5))
		default:
		}
		// Only once this very process holds the listening socket does an
		// answer on host come from it.
		var err error
		if !listens(cmd.Process.Pid, host) {
			err = fmt.Errorf("pid %d does not listen on %s yet", cmd.Process.Pid, host)
		} else if resp, gerr := client.Get("http://" + host + "/v2/"); gerr != nil {
			err = gerr
		} else {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s on %s did not answer /v2/: %v: %s", what, host, err, tail(logs.String(), 5))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// listens reports whether process pid holds a TCP socket listening on
// host (127.0.0.1:PORT), from the kernel's tables in the process's own
// network namespace and the sockets among its file descriptors.
func listens(pid int, host string) bool {
	_, portText, _ := strings.Cut(host, ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		return false
	}
	tables, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return false
	}
	inodes := map[string]bool{}
	for _, l := range tcpListeners(string(tables), port) {
		if l.addr == "0100007F" {
			inodes["socket:["+l.inode+"]"] = true
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && inodes[link] {
			return true
		}
	}
	return false
}

// push tags a local image under the registry and pushes it there.
func (r *registry) push(t *testing.T, p *platform, local, repo string) string {
	t.Helper()
	ref := r.host + "/" + repo
	if out, err := p.podman("tag", local, ref); err != nil {
		t.Fatalf("podman tag %s %s: %v\n%s", local, ref, err, out)
	}
	if out, err := p.podman("push", "-q", "--tls-verify=false", ref); err != nil {
		t.Fatalf("podman push %s: %v\n%s", ref, err, out)
	}
	t.Cleanup(func() { _, _ = p.podman("rmi", "-f", ref) })
	return ref
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// skaffoldCLI builds (or finds cached) the skaffold binary at the version
// platform-check pins.
func skaffoldCLI(t *testing.T, p *platform) string {
	t.Helper()
	bin := filepath.Join(cacheDir(p.repo), "skaffold-"+SkaffoldVersion, "skaffold")
	if _, err := os.Stat(bin); err != nil {
		start := time.Now()
		env := append(append([]string{}, p.env...), "SKAFFOLD_VERSION="+strings.TrimPrefix(SkaffoldVersion, "v"))
		if out, err := runCmd(env, p.repo, filepath.Join(p.repo, "integration", "build-tools.sh"), "skaffold"); err != nil {
			t.Fatalf("build-tools.sh skaffold: %v\n%s", err, out)
		}
		t.Logf("built skaffold %s in %s", SkaffoldVersion, time.Since(start).Round(time.Second))
	}
	out, err := runCmd(p.env, "", bin, "version")
	if err != nil || strings.TrimSpace(string(out)) != SkaffoldVersion {
		t.Fatalf("skaffold version = %q, %v; want %s", out, err, SkaffoldVersion)
	}
	return bin
}

// substitute replaces old by new in s, failing unless old occurs exactly once,
// so a changed example fails here instead of being silently not substituted.
func substitute(t *testing.T, s, old, new string) string {
	t.Helper()
	return substituteIn(t, "examples/skaffold/skaffold.yaml", s, old, new)
}

func substituteIn(t *testing.T, what, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s holds %q %d times, want once", what, old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// TestSkaffoldCLI runs the README's Skaffold block (`tools/package.sh
// --offline examples/skaffold/debug.cnb; cd examples/skaffold; pack builder
// create ... --publish; skaffold debug -p docker`) in a fresh clone, then
// `skaffold build -p docker`.
// The binary is cached under .cache/skaffold-<version> (cold: about 7 CPU
// minutes; 42 wall minutes on this loaded machine). Warm, the test takes
// 80-130 s (82, 128 and 106 s in three passing runs on this shared machine;
// skaffold debug 52-98 s of it, skaffold build 7 s).
func TestSkaffoldCLI(t *testing.T) {
	// Runs by default: 80-130 s warm (plus, once, the Skaffold build that
	// build-tools.sh caches). BP_DEBUG_SKIP_SKAFFOLD_CLI=1 leaves it out.
	if os.Getenv("BP_DEBUG_SKIP_SKAFFOLD_CLI") != "" {
		t.Skip("BP_DEBUG_SKIP_SKAFFOLD_CLI is set")
	}
	start := time.Now()
	p := requirePlatform(t)
	t.Cleanup(func() { t.Logf("TestSkaffoldCLI ran in %s", time.Since(start).Round(time.Second)) })
	reg := startRegistry(t, p)
	linkDockerSocket(t, p)
	ex := prepareSkaffoldExample(t, p, reg)
	env := append(append([]string{}, ex.env...), "KUBECONFIG="+filepath.Join(ex.home, "no-kubeconfig"))

	ok := t.Run("README block: skaffold debug -p docker", func(t *testing.T) {
		runSkaffoldDebug(t, p, ex.clone, ex.snippet, env, ex.helpers)
	})
	if !ok {
		return
	}

	t.Run("skaffold build -p docker", func(t *testing.T) {
		out := filepath.Join(ex.home, "build.json")
		args := []string{"build", "-p", "docker", "--file-output", out}
		t0 := time.Now()
		stdout, err := runCmd(env, ex.dir, ex.skaffold, args...)
		t.Logf("skaffold %s: %s", strings.Join(args, " "), time.Since(t0).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("%v", err)
		}
		for _, want := range []string{"Debug Buildpack", "Adding layer 'cnbdebug/debug:debug-tools'"} {
			if !strings.Contains(string(stdout), want) && !strings.Contains(string(stdout), strings.Replace(want, "Adding", "Reusing", 1)) {
				t.Errorf("skaffold build output lacks %q:\n%s", want, stdout)
			}
		}
		m := regexp.MustCompile(`"tag":"(go-http:[^"]+)"`).FindSubmatch(mustRead(t, out))
		if m == nil {
			t.Fatalf("build.json names no go-http tag: %s", mustRead(t, out))
		}
		tag := string(m[1])
		t.Cleanup(func() { _, _ = p.podman("rmi", "-f", tag) })
		checkDebugProcess(t, p.inspect(t, tag))
	})
}

// skaffoldExample is examples/skaffold in a fresh clone, made runnable here,
// and the README's Skaffold block to run in it.
type skaffoldExample struct {
	skaffold string   // the CLI
	clone    string   // the fresh clone the block runs in
	dir      string   // examples/skaffold in it
	snippet  string   // the README block, its registry substituted
	home     string   // HOME for Skaffold, with its global config
	helpers  string   // debug-helpers-registry: where the support images are
	env      []string // the env the block runs with (no KUBECONFIG)
}

// prepareSkaffoldExample readies the README's Skaffold block (`tools/package.sh
// --offline examples/skaffold/debug.cnb; cd examples/skaffold; pack builder
// create ... --publish; skaffold debug ...`) against the test's registry, in
// a fresh clone: the builder, run image and Skaffold's Go support image are
// served by reg; only what names public images and the app's path differ
// from the committed files, each substituted exactly once.
func prepareSkaffoldExample(t *testing.T, p *platform, reg *registry) *skaffoldExample {
	t.Helper()
	ex := &skaffoldExample{skaffold: skaffoldCLI(t, p), snippet: readmeSnippet(t, "skaffold")}
	// The example's builder holds the debug buildpack, so pack runs the
	// trusted creator and no lifecycle image is pulled. (An extra .cnb in
	// skaffold.yaml takes pack's five-phase flow, where Skaffold v2.24.0's
	// UserID/GroupID of 0 make the analyzer chown /layers to root and the
	// detector fail: skaffold#9712. The README says so.)
	// What the example names from public registries, served from 127.0.0.1:
	// the build and run images the README block's builder is made of.
	suite := strings.TrimPrefix(p.builder, "cnbdebug.local/builder:")
	buildImage := reg.push(t, p, p.getenv("CNBDEBUG_BUILD_IMAGE"), "cnbdebug/build:"+suite)
	runImage := reg.push(t, p, p.getenv("CNBDEBUG_RUN_IMAGE"), "cnbdebug/run:"+suite)
	ex.helpers = pushGoSupportImage(t, p, reg)
	// The README block publishes the builder to localhost:5000: here, to
	// the test's registry (the same name, once, in the block and the yaml).
	const exampleRegistry = "localhost:5000"
	ex.snippet = substituteIn(t, "README.md's skaffold block", ex.snippet, exampleRegistry, reg.host)
	builder := reg.host + "/cnbdebug/go-debug-builder"
	t.Cleanup(func() { _, _ = p.podman("rmi", "-f", builder) })

	ex.clone = freshClone(t, p)
	ex.dir = filepath.Join(ex.clone, "examples", "skaffold")
	yamlPath := filepath.Join(ex.dir, "skaffold.yaml")
	y := string(mustRead(t, yamlPath))
	y = substitute(t, y, "context: ../../integration/testdata/apps/go-http", "context: "+p.app)
	y = substitute(t, y, "builder: "+exampleRegistry+"/cnbdebug/go-debug-builder", "builder: "+builder)
	if err := os.WriteFile(yamlPath, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	// builder.toml: the Go fixture for Paketo's Go buildpack, the project's
	// stack images, and the lifecycle tarball (offline: pack would download it).
	tomlPath := filepath.Join(ex.dir, "builder.toml")
	b := string(mustRead(t, tomlPath))
	b = substituteIn(t, tomlPath, b, `uri = "docker://paketobuildpacks/go"`, fmt.Sprintf("uri = %q", p.fixture))
	b = substituteIn(t, tomlPath, b, `id = "paketo-buildpacks/go"`, `id = "paketo-buildpacks/go-build"`)
	b = substituteIn(t, tomlPath, b, `image = "paketobuildpacks/build-jammy-base"`, fmt.Sprintf("image = %q", buildImage))
	b = substituteIn(t, tomlPath, b, `image = "paketobuildpacks/run-jammy-base"`, fmt.Sprintf("image = %q", runImage))
	b += fmt.Sprintf("\n[lifecycle]\n  uri = %q\n", p.getenv("CNBDEBUG_LIFECYCLE_TARBALL"))
	if err := os.WriteFile(tomlPath, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}

	ex.home = t.TempDir()
	globalConfig := filepath.Join(ex.home, "skaffold-config.yaml")
	// debug-helpers-registry: where `skaffold debug` pulls its support images.
	if err := os.WriteFile(globalConfig, []byte(fmt.Sprintf(`global:
  debug-helpers-registry: %s
  collect-metrics: false
  survey: {disable-prompt: true}
  update: {disable-prompt: true}
`, ex.helpers)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Skaffold reads every flag from SKAFFOLD_<FLAG> too, so the block runs
	// as written (cmd/skaffold/app/cmd/cmd.go: "SKAFFOLD_%s").
	// PACK_VOLUME_KEY (the pack tests' fixed cache volumes) stays out: the
	// pack library inside Skaffold would reuse volumes other builds made.
	for _, kv := range p.env {
		if !strings.HasPrefix(kv, "PACK_VOLUME_KEY=") {
			ex.env = append(ex.env, kv)
		}
	}
	ex.env = append(ex.env, "HOME="+ex.home,
		"PATH="+filepath.Dir(ex.skaffold)+string(os.PathListSeparator)+filepath.Dir(p.pack)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"SKAFFOLD_CONFIG="+globalConfig, "SKAFFOLD_INTERACTIVE=false", "SKAFFOLD_UPDATE_CHECK=false",
		"SKAFFOLD_VERBOSITY=info")
	return ex
}

// linkDockerSocket points /var/run/docker.sock at podman's socket for the
// test's duration. Skaffold v2.24.0 never sets pack's DockerHost
// (pkg/skaffold/build/buildpacks/lifecycle.go builds pack.BuildOptions
// without it), so pack bind-mounts the host's /var/run/docker.sock into the
// lifecycle container (pack internal/build/phase_config_provider.go,
// WithDaemonAccess: dockerHost "" binds /var/run/docker.sock), and a daemon on
// another socket cannot be reached. The link is made only when nothing is at
// that path, and removed afterwards (only if it is still this link).
func linkDockerSocket(t *testing.T, p *platform) {
	t.Helper()
	const link = "/run/docker.sock"
	sock := strings.TrimPrefix(p.getenv("DOCKER_HOST"), "unix://")
	if _, err := os.Lstat(link); err == nil {
		if target, _ := os.Readlink(link); target != sock {
			t.Skipf("%s exists (another daemon's, or left over): Skaffold's pack would use it instead of podman", link)
		}
	} else if err := os.Symlink(sock, link); err != nil {
		t.Fatalf("link %s to podman's socket: %v", link, err)
	}
	t.Cleanup(func() {
		if target, err := os.Readlink(link); err == nil && target == sock {
			_ = os.Remove(link)
		}
		// A daemon binding a missing source makes an empty directory there.
		if info, err := os.Lstat(link); err == nil && info.IsDir() {
			_ = os.Remove(link)
		}
	})
}

// pushGoSupportImage builds a stand-in for Skaffold's Go debug-support image
// (its job: fill the /dbg volume with a dlv under /dbg/go/bin), from the
// project's Debian base and the dlv built from source, and pushes it as
// <registry>/skaffold-debug-support/go. Skaffold pulls it whatever the image
// (pkg/skaffold/deploy/docker/deploy.go setupDebugging: client.Pull, then
// a volume and a container of it), although the debug buildpack's process
// never uses that dlv.
func pushGoSupportImage(t *testing.T, p *platform, reg *registry) string {
	t.Helper()
	ctx := t.TempDir()
	if err := copyFile(filepath.Join(cacheDir(p.repo), "dlv-v"+harness.DelveVersion, "dlv"), filepath.Join(ctx, "dlv")); err != nil {
		t.Fatal(err)
	}
	containerfile := fmt.Sprintf(`FROM %s
COPY dlv /duct-tape/go/bin/dlv
CMD ["cp", "-a", "/duct-tape/go", "/dbg/"]
`, p.getenv("CNBDEBUG_BASE_IMAGE"))
	if err := os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	local := "cnbdebug.local/skaffold-debug-support/go:it"
	if out, err := p.podman("build", "-q", "-f", filepath.Join(ctx, "Containerfile"), "-t", local, ctx); err != nil {
		t.Fatalf("podman build %s: %v\n%s", local, err, out)
	}
	t.Cleanup(func() { _, _ = p.podman("rmi", "-f", local) })
	reg.push(t, p, local, "skaffold-debug-support/go")
	return reg.host + "/skaffold-debug-support"
}

// skaffoldRun is a README block running `skaffold debug` in the
// background: its output, the ports Skaffold says it forwards, and a stop.
type skaffoldRun struct {
	cmd       *exec.Cmd
	out       syncBuffer
	pw        *io.PipeWriter
	forwarded chan [2]int // remote (container) port, local port
	exited    chan error
	stopped   bool
}

// startSkaffold starts cmd in its own process group and reads its output,
// sending each forward that `forward` matches (submatch 1: the remote port,
// 2: the local port).
func startSkaffold(t *testing.T, cmd *exec.Cmd, forward *regexp.Regexp) *skaffoldRun {
	t.Helper()
	r := &skaffoldRun{cmd: cmd, forwarded: make(chan [2]int, 16), exited: make(chan error, 1)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	r.pw = pw
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			r.out.Write([]byte(line + "\n"))
			if m := forward.FindStringSubmatch(line); m != nil {
				remote, _ := strconv.Atoi(m[1])
				local, _ := strconv.Atoi(m[2])
				r.forwarded <- [2]int{remote, local}
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		r.stop(t)
		if t.Failed() {
			t.Logf("README block output:\n%s", tail(r.out.String(), 150))
		}
	})
	return r
}

// stop sends Ctrl-C to the block's process group, as a user would: Skaffold
// then removes what it deployed.
func (r *skaffoldRun) stop(t *testing.T) {
	if r.stopped {
		return
	}
	r.stopped = true
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-r.exited:
	case <-time.After(60 * time.Second):
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.exited
		t.Errorf("skaffold debug did not stop within 60s of SIGINT")
	}
	r.pw.Close()
}

// waitForwards waits until Skaffold has forwarded every remote port and
// returns the local port of each.
func (r *skaffoldRun) waitForwards(t *testing.T, within time.Duration, remote ...int) map[int]int {
	t.Helper()
	ports := map[int]int{}
	deadline := time.After(within)
	for {
		missing := false
		for _, p := range remote {
			missing = missing || ports[p] == 0
		}
		if !missing {
			return ports
		}
		select {
		case f := <-r.forwarded:
			ports[f[0]] = f[1]
		case err := <-r.exited:
			r.exited <- err
			t.Fatalf("the README block ended (%v) before Skaffold forwarded %v; got %v", err, remote, ports)
		case <-deadline:
			t.Fatalf("skaffold debug reported no forward of %v within %s; got %v", remote, within, ports)
		}
	}
}

func runSkaffoldDebug(t *testing.T, p *platform, clone, snippet string, env []string, helpers string) {
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", snippet)
	cmd.Dir, cmd.Env = clone, env
	run := startSkaffold(t, cmd, regexp.MustCompile(`\[\S+\] Forwarding container port (\d+) -> local port http://127\.0\.0\.1:(\d+)`))
	ports := run.waitForwards(t, 10*time.Minute, appPort, dlvPort) // packaging, then Skaffold's build
	t.Logf("skaffold forwards app %d -> 127.0.0.1:%d, dlv %d -> 127.0.0.1:%d", appPort, ports[appPort], dlvPort, ports[dlvPort])

	// The container Skaffold runs is named after the image.
	c := &container{p: p, name: "go-http", appHostPort: ports[appPort], dlvHostPort: ports[dlvPort]}
	if body := c.waitHTTP(t, "/skaffold"); !strings.Contains(body, "path=/skaffold") {
		t.Fatalf("GET /skaffold = %q", body)
	}
	recordSkaffoldAdditions(t, p, c, helpers)
	if !c.listening(t, dlvPort) {
		t.Fatalf("nothing listens on %d in the container Skaffold ran", dlvPort)
	}
	hitBreakpoint(t, p, c)

	run.stop(t)
	if names, _ := p.podman("ps", "-a", "--filter", "label=skaffold.dev/run-id", "--format", "{{.Names}}"); names != "" {
		t.Errorf("containers left after skaffold debug stopped: %s", names)
	}
}

// inspected is what `podman container inspect` says, the fields Skaffold sets.
type inspected struct {
	Config struct {
		Image      string            `json:"Image"`
		Entrypoint any               `json:"Entrypoint"`
		Cmd        []string          `json:"Cmd"`
		Env        []string          `json:"Env"`
		Labels     map[string]string `json:"Labels"`
	} `json:"Config"`
	ImageName string `json:"ImageName"`
	Mounts    []struct {
		Type        string `json:"Type"`
		Name        string `json:"Name"`
		Destination string `json:"Destination"`
	} `json:"Mounts"`
	State struct {
		ExitCode int `json:"ExitCode"`
	} `json:"State"`
}

// recordSkaffoldAdditions compares the container Skaffold ran with its
// image, and finds the support (init) container it ran first. The README's
// Skaffold section says exactly what this finds; the test fails when
// Skaffold adds anything else.
func recordSkaffoldAdditions(t *testing.T, p *platform, c *container, helpers string) {
	t.Helper()
	ctr := inspectContainer(t, p, c.name)
	img := p.inspect(t, ctr.Config.Image)
	checkDebugProcess(t, img)
	var added []string
	for _, kv := range ctr.Config.Env {
		if !slices.Contains(img.Config.Env, kv) {
			added = append(added, kv)
		}
	}
	t.Logf("skaffold's container %s: image %s, cmd %q, env added to the image's: %q, mounts %+v",
		c.name, ctr.ImageName, ctr.Config.Cmd, added, ctr.Mounts)
	for _, kv := range added {
		// HOSTNAME, container=, TERM and HOME (from the image user's
		// passwd entry when the image env has none) are podman's own, on
		// every container; Skaffold's Docker deployer sets none of them.
		if k, _, _ := strings.Cut(kv, "="); k != "HOSTNAME" && k != "container" && k != "TERM" && k != "HOME" {
			t.Errorf("Skaffold added env %s to the container (the README says it adds none for this image)", kv)
		}
	}
	var dbg []string
	for _, m := range ctr.Mounts {
		if m.Destination == "/dbg" && m.Type == "volume" {
			dbg = append(dbg, m.Name)
		}
	}
	if len(dbg) != 1 {
		t.Fatalf("mounts %+v: want one volume at /dbg (Skaffold's debug-support volume)", ctr.Mounts)
	}
	if !slices.Equal(ctr.Config.Cmd, img.Config.Cmd) {
		t.Errorf("Skaffold changed the command: %q, image %q", ctr.Config.Cmd, img.Config.Cmd)
	}
	for _, k := range []string{"skaffold.dev/run-id", "skaffold.dev/docker"} {
		if _, ok := ctr.Config.Labels[k]; !ok {
			t.Logf("label %s not on the container (labels %v)", k, ctr.Config.Labels)
		}
	}

	// The init container: Skaffold's support image, run once, the same volume.
	names, err := p.podman("ps", "-a", "--filter", "label=skaffold.dev/debug", "--format", "{{.Names}}")
	if err != nil || names == "" {
		t.Fatalf("no container labelled skaffold.dev/debug (Skaffold's support container): %v %q", err, names)
	}
	for _, name := range strings.Fields(names) {
		init := inspectContainer(t, p, name)
		t.Logf("skaffold's support container %s: image %s, cmd %q, exit %d, mounts %+v",
			name, init.ImageName, init.Config.Cmd, init.State.ExitCode, init.Mounts)
		if !strings.HasPrefix(init.ImageName, helpers+"/go") || init.State.ExitCode != 0 ||
			len(init.Mounts) != 1 || init.Mounts[0].Name != dbg[0] || init.Mounts[0].Destination != "/dbg" {
			t.Errorf("support container %s: image %s exit %d mounts %+v; want %s/go, exit 0, volume %s at /dbg",
				name, init.ImageName, init.State.ExitCode, init.Mounts, helpers, dbg[0])
		}
	}
	// What it left in /dbg, seen from the app's container.
	t.Logf("/dbg in the app container: %s", c.exec(t, "find", "/dbg", "-maxdepth", "3"))
}

func inspectContainer(t *testing.T, p *platform, name string) inspected {
	t.Helper()
	out, err := p.podman("container", "inspect", name)
	if err != nil {
		t.Fatalf("podman container inspect %s: %v\n%s", name, err, out)
	}
	var all []inspected
	if err := json.Unmarshal([]byte(out), &all); err != nil || len(all) != 1 {
		t.Fatalf("podman container inspect %s: %v\n%s", name, err, out)
	}
	return all[0]
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, info.Mode().Perm())
}
