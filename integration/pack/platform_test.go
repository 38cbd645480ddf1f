// Sets up the platform once per test binary: podman as the Docker daemon,
// the stack images and builder (integration/platform/*.sh), the debug
// buildpack packaged as .cnb files (tools/package.sh), and the Go sample
// app compiled for debugging.
package pack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// Names the tests give the images they build; all live in the private
// podman storage under .cache/podman/ and are removed when the tests end.
const (
	imageDebugOffline = "cnbdebug.local/pack-it-go:debug-offline"
	imageDebugOnline  = "cnbdebug.local/pack-it-go:debug-online"
	imagePlain        = "cnbdebug.local/pack-it-go:plain"
	imageViaOrder     = "cnbdebug.local/pack-it-go:debug-via-order"
	imageUntrusted    = "cnbdebug.local/pack-it-go:debug-untrusted"
	builderOptional   = "cnbdebug.local/pack-it-builder:debug-optional"
	fixtureGoBuild    = "paketo-go-build"
	debugBuildpackID  = "cnbdebug/debug"
	debugToolsLayer   = "debug-tools"
	appPort           = 8080
	dlvPort           = 56268
)

// workDir holds what the tests make (apps, .cnb files); TestMain removes it.
var workDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cnbdebug-pack-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	if plat != nil {
		plat.removeImages()
	}
	if os.Getenv("BP_DEBUG_KEEP_WORKSPACE") == "" {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "pack tests: work dir kept: %s\n", dir)
	}
	os.Exit(code)
}

type platform struct {
	repo    string
	env     []string // the test's env plus podman.sh/images.sh exports
	pack    string
	builder string
	fixture string // the Go fixture buildpack directory

	offlineCNB string // dlv, debugpy, ptvsd embedded: builds need no network
	onlineCNB  string // no dependencies: dlv comes from BP_DEPENDENCY_MIRROR

	app        string // the Go app, compiled into .fixture-go-bin
	appSource  string // absolute path of main.go as compiled into the binary
	appBreakAt int    // the line marked BREAKPOINT in main.go
	setupTimes []string
}

var (
	platOnce sync.Once
	plat     *platform
	platErr  error
)

// requirePlatform skips the test when podman is not installed (CI installs
// it with integration/install-deps.sh) and otherwise sets everything up once.
func requirePlatform(t *testing.T) *platform {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed: the pack platform tests need it as the Docker daemon (integration/install-deps.sh installs it)")
	}
	platOnce.Do(func() { plat, platErr = setupPlatform() })
	if platErr != nil {
		t.Fatalf("platform setup: %v", platErr)
	}
	return plat
}

func setupPlatform() (*platform, error) {
	repo, err := harness.RepoRoot()
	if err != nil {
		return nil, err
	}
	p := &platform{
		repo:       repo,
		pack:       filepath.Join(cacheDir(repo), "pack-v"+harness.PackVersion, "pack"),
		fixture:    filepath.Join(repo, "integration", "testdata", "buildpacks", fixtureGoBuild),
		offlineCNB: filepath.Join(workDir, "debug-offline.cnb"),
		onlineCNB:  filepath.Join(workDir, "debug.cnb"),
	}
	// images.sh starts podman (podman.sh), builds lifecycle and pack when
	// missing, and prints the exports every later command needs.
	out, err := p.timed("integration/platform/images.sh", func() ([]byte, error) {
		return runCmd(os.Environ(), "", filepath.Join(repo, "integration", "platform", "images.sh"))
	})
	if err != nil {
		return nil, err
	}
	p.env = append(os.Environ(), parseExports(string(out))...)
	// A fixed volume key gives every build of an image the same cache volume,
	// as on a workstation; pack otherwise makes a new one per build in a container.
	p.env = append(p.env, "PACK_VOLUME_KEY=cnbdebug-integration")
	p.builder = p.getenv("CNBDEBUG_BUILDER")
	if p.builder == "" || p.getenv("DOCKER_HOST") == "" {
		return nil, fmt.Errorf("images.sh printed no CNBDEBUG_BUILDER/DOCKER_HOST exports:\n%s", out)
	}
	for _, pkg := range []struct {
		out  string
		args []string
	}{{p.offlineCNB, []string{"--offline"}}, {p.onlineCNB, nil}} {
		args := append(append([]string{}, pkg.args...), pkg.out)
		if _, err := p.timed("tools/package.sh "+strings.Join(args, " "), func() ([]byte, error) {
			return runCmd(p.env, repo, filepath.Join(repo, "tools", "package.sh"), args...)
		}); err != nil {
			return nil, err
		}
	}
	if err := p.prepareApp(); err != nil {
		return nil, err
	}
	p.removeImages() // a leftover image would turn the first build into a rebuild
	return p, nil
}

// prepareApp copies the go-http sample and compiles it the way a developer
// builds for debugging (optimisations and inlining off), into the directory
// the Go fixture buildpack takes binaries from.
func (p *platform) prepareApp() error {
	p.app = filepath.Join(workDir, "go-http")
	if err := copyDir(filepath.Join(p.repo, "integration", "testdata", "apps", "go-http"), p.app); err != nil {
		return err
	}
	p.appSource = filepath.Join(p.app, "main.go")
	line, err := lineOf(p.appSource, "BREAKPOINT go-http")
	if err != nil {
		return err
	}
	p.appBreakAt = line
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH,
		"GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
	_, err = p.timed("go build go-http", func() ([]byte, error) {
		return runCmd(env, p.app, "go", "build", "-gcflags=all=-N -l", "-o", filepath.Join(p.app, harness.GoBinDir)+"/", ".")
	})
	return err
}

func (p *platform) getenv(name string) string {
	return envValue(p.env, name)
}

// envValue is name's value in env as exec would pass it: the last entry wins.
func envValue(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}

func (p *platform) timed(what string, f func() ([]byte, error)) ([]byte, error) {
	start := time.Now()
	out, err := f()
	p.setupTimes = append(p.setupTimes, fmt.Sprintf("%s: %s", what, time.Since(start).Round(time.Millisecond)))
	return out, err
}

// packBuild runs `pack build` with the local builder and the Go fixture in
// front of extra (which adds the debug buildpack and --env flags), returning
// pack's output.
func (p *platform) packBuild(t *testing.T, image string, extra ...string) (string, error) {
	t.Helper()
	return p.packBuildWith(t, image, p.builder, true, append([]string{"--buildpack", p.fixture}, extra...)...)
}

// packBuildWith runs `pack build` with a builder and its own order unless
// extra names buildpacks. trusted runs the lifecycle's creator in the build
// image; untrusted runs the five phases from the lifecycle image.
func (p *platform) packBuildWith(t *testing.T, image, builder string, trusted bool, extra ...string) (string, error) {
	t.Helper()
	args := []string{"build", image,
		"--builder", builder,
		"--path", p.app,
		"--pull-policy", "never",
		"--docker-host", "inherit",
		"--no-color"}
	if trusted {
		args = append(args, "--trust-builder", "--trust-extra-buildpacks")
	}
	args = append(args, extra...)
	start := time.Now()
	out, err := runCmd(p.env, "", p.pack, args...)
	t.Logf("pack %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return string(out), err
}

// builderOptionalDebugTOML is the builder.toml of builderWithOptionalDebug:
// the Go fixture, then the debug buildpack from debugURI (a .cnb or an image
// reference), optional and pinned to debugVersion unless that is empty, on
// the stack the platform scripts made.
func (p *platform) builderOptionalDebugTOML(debugURI, debugVersion string) string {
	pin := ""
	if debugVersion != "" {
		pin = fmt.Sprintf("\n    version = %q", debugVersion)
	}
	return fmt.Sprintf(`[[buildpacks]]
  uri = %q

[[buildpacks]]
  uri = %q

[[order]]
  [[order.group]]
    id = "paketo-buildpacks/go-build"
    version = "1.0.0"

  [[order.group]]
    id = %q%s
    optional = true

[build]
  image = %q

[run]
  [[run.images]]
    image = %q

[stack]
  id = %q
  build-image = %q
  run-image = %q

[lifecycle]
  uri = %q
`, p.fixture, debugURI, debugBuildpackID, pin, p.getenv("CNBDEBUG_BUILD_IMAGE"), p.getenv("CNBDEBUG_RUN_IMAGE"),
		p.getenv("CNBDEBUG_STACK_ID"), p.getenv("CNBDEBUG_BUILD_IMAGE"), p.getenv("CNBDEBUG_RUN_IMAGE"),
		p.getenv("CNBDEBUG_LIFECYCLE_TARBALL"))
}

// builderWithOptionalDebug creates a builder whose order is the Go fixture
// then the debug buildpack, optional: the shape a platform operator uses
// (and examples/kpack), so one builder makes plain and debug images.
func (p *platform) builderWithOptionalDebug(t *testing.T) string {
	t.Helper()
	config := filepath.Join(workDir, "builder-optional.toml")
	toml := p.builderOptionalDebugTOML(p.offlineCNB, "")
	if err := os.WriteFile(config, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if out, err := runCmd(p.env, "", p.pack, "builder", "create", builderOptional, "--config", config,
		"--pull-policy", "never", "--no-color"); err != nil {
		t.Fatalf("pack builder create: %v\n%s", err, out)
	}
	t.Logf("pack builder create %s: %s", builderOptional, time.Since(start).Round(time.Millisecond))
	return builderOptional
}

func (p *platform) podman(args ...string) (string, error) {
	out, err := runCmd(p.env, "", "podman", args...)
	return strings.TrimSpace(string(out)), err
}

// removeImages deletes the app images and builder the tests make, the
// untagged images rebuilds leave behind and pack's cache volumes, from the
// private storage only this project's platform scripts use.
func (p *platform) removeImages() {
	for _, image := range []string{imageDebugOffline, imageDebugOnline, imagePlain, imageViaOrder, imageUntrusted, builderOptional} {
		_, _ = p.podman("rmi", "-f", image)
	}
	_, _ = p.podman("image", "prune", "-f")
	// pack's cache volumes; every first build of a run clears its cache anyway.
	_, _ = p.podman("volume", "prune", "-f")
}

// imageInfo is what `podman image inspect` says about an app image.
type imageInfo struct {
	ID     string `json:"Id"`
	Config struct {
		Entrypoint   []string            `json:"Entrypoint"`
		Cmd          []string            `json:"Cmd"`
		Env          []string            `json:"Env"`
		Labels       map[string]string   `json:"Labels"`
		WorkingDir   string              `json:"WorkingDir"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	} `json:"Config"`
}

func (p *platform) inspect(t *testing.T, image string) imageInfo {
	t.Helper()
	out, err := p.podman("image", "inspect", image)
	if err != nil {
		t.Fatalf("podman image inspect %s: %v\n%s", image, err, out)
	}
	var infos []imageInfo
	if err := json.Unmarshal([]byte(out), &infos); err != nil || len(infos) != 1 {
		t.Fatalf("podman image inspect %s: %v (%d images)\n%s", image, err, len(infos), out)
	}
	return infos[0]
}

// Process is one entry of io.buildpacks.build.metadata's processes.
type process struct {
	Type        string   `json:"type"`
	Command     []string `json:"command"`
	Args        []string `json:"args"`
	Direct      bool     `json:"direct"`
	BuildpackID string   `json:"buildpackID"`
}

type buildMetadata struct {
	Buildpacks []struct {
		ID      string `json:"id"`
		Version string `json:"version"`
	} `json:"buildpacks"`
	Processes          []process `json:"processes"`
	DefaultProcessType string    `json:"buildpack-default-process-type"`
}

func (i imageInfo) buildMetadata(t *testing.T) buildMetadata {
	t.Helper()
	var md buildMetadata
	if err := json.Unmarshal([]byte(i.Config.Labels["io.buildpacks.build.metadata"]), &md); err != nil {
		t.Fatalf("label io.buildpacks.build.metadata: %v", err)
	}
	return md
}

func (m buildMetadata) process(t *testing.T, typ string) process {
	t.Helper()
	for _, p := range m.Processes {
		if p.Type == typ {
			return p
		}
	}
	t.Fatalf("io.buildpacks.build.metadata has no process %q: %+v", typ, m.Processes)
	return process{}
}

// layers returns the layers io.buildpacks.lifecycle.metadata records for a
// buildpack (nil when the buildpack contributed nothing or did not run).
func (i imageInfo) layers(t *testing.T, buildpackID string) map[string]map[string]any {
	t.Helper()
	var md struct {
		Buildpacks []struct {
			Key    string                    `json:"key"`
			Layers map[string]map[string]any `json:"layers"`
		} `json:"buildpacks"`
	}
	if err := json.Unmarshal([]byte(i.Config.Labels["io.buildpacks.lifecycle.metadata"]), &md); err != nil {
		t.Fatalf("label io.buildpacks.lifecycle.metadata: %v", err)
	}
	for _, bp := range md.Buildpacks {
		if bp.Key == buildpackID {
			return bp.Layers
		}
	}
	return nil
}

// runCmd runs a command and returns its stdout followed by its stderr.
func runCmd(env []string, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := append(stdout.Bytes(), stderr.Bytes()...)
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(out), 80))
	}
	return out, nil
}

// parseExports turns `export NAME=value` lines into NAME=value entries.
func parseExports(out string) []string {
	var env []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if kv, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export "); ok && strings.Contains(kv, "=") {
			env = append(env, kv)
		}
	}
	return env
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}

func cacheDir(repo string) string { return harness.CacheDir(repo) }

func lineOf(file, marker string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, marker) {
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("%s: no line contains %q", file, marker)
}

func copyDir(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
}
