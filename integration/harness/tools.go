// Finds the repository, the cached platform tools (lifecycle, pack, dlv,
// built by integration/build-tools.sh) and the debug buildpack under test.
package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Versions of the platform tools, as pinned in integration/build-tools.sh.
const (
	LifecycleVersion = "0.21.0"
	PackVersion      = "0.40.0"
	DelveVersion     = "1.27.2"
)

// PlatformAPI is the platform API every phase and the launcher run with.
const PlatformAPI = "0.15"

// The unprivileged user the build and the app run as (the CNB user of a
// builder image). Any uid works; 1000 exists on this machine and in CI.
const (
	BuildUID = 1000
	BuildGID = 1000
)

// Env is what every test needs once per process: the repository and the
// lifecycle. Get it with Require.
type Env struct {
	Repo      string // repository root
	Cache     string // where build-tools.sh caches binaries
	Lifecycle string // directory with lifecycle, launcher and the phase links
}

// Launcher is the lifecycle's launcher binary.
func (e *Env) Launcher() string { return filepath.Join(e.Lifecycle, "launcher") }

// Phase is the path of one lifecycle phase (analyzer, detector, ...).
func (e *Env) Phase(name string) string { return filepath.Join(e.Lifecycle, name) }

var (
	envOnce sync.Once
	envVal  *Env
	envErr  error
)

// Require skips the test unless it runs as root (the phases must switch to
// the build user) and returns the shared Env, building the lifecycle with
// integration/build-tools.sh the first time it is missing.
func Require(t testing.TB) *Env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the lifecycle harness needs root: phases run as uid 1000 through setpriv and exporter -uid")
	}
	envOnce.Do(func() { envVal, envErr = setupEnv() })
	if envErr != nil {
		t.Fatalf("harness setup: %v", envErr)
	}
	return envVal
}

func setupEnv() (*Env, error) {
	repo, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	e := &Env{Repo: repo, Cache: CacheDir(repo)}
	e.Lifecycle = filepath.Join(e.Cache, "lifecycle-v"+LifecycleVersion)
	if err := e.ensureTool("lifecycle", filepath.Join(e.Lifecycle, "launcher"), filepath.Join(e.Lifecycle, "lifecycle")); err != nil {
		return nil, err
	}
	for _, tool := range []string{"setpriv", "umoci"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s not found on PATH (Debian packages util-linux and umoci)", tool)
		}
	}
	return e, nil
}

// RepoRoot is the repository root, found from this source file's location
// so it does not depend on the test's working directory.
func RepoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot locate harness source file")
	}
	repo := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	if _, err := os.Stat(filepath.Join(repo, "buildpack.toml")); err != nil {
		return "", fmt.Errorf("repository root %s has no buildpack.toml: %w", repo, err)
	}
	return repo, nil
}

// IntegrationDir is <repo>/integration.
func (e *Env) IntegrationDir() string { return filepath.Join(e.Repo, "integration") }

// TestData is <repo>/integration/testdata joined with elem.
func (e *Env) TestData(elem ...string) string {
	return filepath.Join(append([]string{e.IntegrationDir(), "testdata"}, elem...)...)
}

// CacheDir is where integration/build-tools.sh caches the tools for repo:
// BP_DEBUG_CACHE, else <repo>/.cache.
func CacheDir(repo string) string {
	if dir := os.Getenv("BP_DEBUG_CACHE"); dir != "" {
		return dir
	}
	return filepath.Join(repo, ".cache")
}

// Dlv returns the path of the pinned dlv, building it on first use.
func (e *Env) Dlv(t testing.TB) string {
	t.Helper()
	path := filepath.Join(e.Cache, "dlv-v"+DelveVersion, "dlv")
	if err := e.ensureTool("dlv", path); err != nil {
		t.Fatalf("%v", err)
	}
	return path
}

// Pack returns the path of the pinned pack CLI, building it on first use.
func (e *Env) Pack(t testing.TB) string {
	t.Helper()
	path := filepath.Join(e.Cache, "pack-v"+PackVersion, "pack")
	if err := e.ensureTool("pack", path); err != nil {
		t.Fatalf("%v", err)
	}
	return path
}

// LifecycleTarball is the lifecycle release tarball pack's builder.toml takes.
func (e *Env) LifecycleTarball() string {
	arch := runtime.GOARCH
	if arch == "amd64" {
		arch = "x86-64"
	}
	return filepath.Join(e.Cache, fmt.Sprintf("lifecycle-v%s+linux.%s.tgz", LifecycleVersion, arch))
}

// ensureTool runs build-tools.sh for tool unless all paths exist. A file lock
// keeps concurrent test binaries (go test ./... runs packages in parallel)
// from building the same tool into the same directory at once.
func (e *Env) ensureTool(tool string, paths ...string) error {
	if allExist(paths) {
		return nil
	}
	unlock, err := lockFile(filepath.Join(e.Cache, ".harness-tools.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if allExist(paths) {
		return nil
	}
	script := filepath.Join(e.Repo, "integration", "build-tools.sh")
	cmd := exec.Command("bash", script, tool)
	cmd.Env = append(os.Environ(), "BP_DEBUG_CACHE="+e.Cache)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", script, tool, err, out)
	}
	if !allExist(paths) {
		return fmt.Errorf("%s %s succeeded but %s is missing", script, tool, strings.Join(paths, ", "))
	}
	return nil
}

func allExist(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// lockFile takes an exclusive flock on path, creating it and its directory.
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

var (
	debugBPOnce sync.Once
	debugBPVal  Buildpack
	debugBPErr  error
)

// DebugBuildpack is the buildpack under test. BP_DEBUG_BUILDPACK_DIR names a
// prepared buildpack directory (buildpack.toml, bin/detect, bin/build) that is
// used as it is. Otherwise the repository root is the buildpack: CMake
// (re)builds bin/ in <repo>/build first, once per test process, so the tests
// never run stale executables.
//
// It is staged as a packaged buildpack would be: buildpack.toml, bin/ and
// dependencies/. When the directory has no dependencies/, the harness embeds
// the offline ones itself (dlv, debugpy, ptvsd for this arch, made by
// tools/build-dlv.sh and tools/fetch-wheels.sh, cached in .cache), since the
// tests have no network; BP_DEBUG_ONLINE_DEPS=1 stages none, so the buildpack
// downloads from the URIs in buildpack.toml.
func (e *Env) DebugBuildpack(t testing.TB) Buildpack {
	t.Helper()
	debugBPOnce.Do(func() { debugBPVal, debugBPErr = e.prepareDebugBuildpack() })
	if debugBPErr != nil {
		t.Fatalf("debug buildpack: %v", debugBPErr)
	}
	return debugBPVal
}

// The files of the buildpack that go into an image; everything else in the
// repository root is source.
var debugBuildpackFiles = []string{"buildpack.toml", "bin/detect", "bin/build", "bin/debug-launch", "dependencies"}

func (e *Env) prepareDebugBuildpack() (Buildpack, error) {
	dir := os.Getenv("BP_DEBUG_BUILDPACK_DIR")
	if dir == "" {
		dir = e.Repo
		if err := e.cmakeBuild(); err != nil {
			return Buildpack{}, err
		}
	}
	for _, required := range []string{"buildpack.toml", "bin/detect", "bin/build"} {
		if _, err := os.Stat(filepath.Join(dir, required)); err != nil {
			return Buildpack{}, fmt.Errorf("%s: %s is missing (set BP_DEBUG_BUILDPACK_DIR to a built buildpack, or build the repository with CMake)", dir, required)
		}
	}
	bp, err := ReadBuildpack(dir)
	if err != nil {
		return Buildpack{}, err
	}
	bp.files = debugBuildpackFiles
	if _, err := os.Stat(filepath.Join(dir, "dependencies")); os.IsNotExist(err) && os.Getenv("BP_DEBUG_ONLINE_DEPS") == "" {
		if bp.deps, bp.depStore, err = e.offlineDependencies(dir); err != nil {
			return Buildpack{}, fmt.Errorf("offline dependencies: %w", err)
		}
	}
	return bp, nil
}

func (e *Env) cmakeBuild() error {
	unlock, err := lockFile(filepath.Join(e.Cache, ".harness-cmake.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	build := filepath.Join(e.Repo, "build")
	steps := [][]string{
		{"cmake", "-S", e.Repo, "-B", build},
		{"cmake", "--build", build, "-j2"},
	}
	if _, err := os.Stat(filepath.Join(build, "CMakeCache.txt")); err == nil {
		steps = steps[1:]
	}
	for _, step := range steps {
		out, err := exec.Command(step[0], step[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(step, " "), err, tail(string(out), 40))
		}
	}
	return nil
}

// tail keeps the last n lines of s, which is where build errors are.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// NPMPackage returns the `npm pack` tarball of pm ("yarn@1.22.22",
// "@scope/name@1.0.0") cached under shape-npm-packages/, fetched once with
// the npm client; it skips the test when npm cannot fetch it. The fixtures
// install package managers from these files as the real buildpacks install
// them from the registry.
func (e *Env) NPMPackage(t testing.TB, pm string) string {
	t.Helper()
	at := strings.LastIndex(pm, "@")
	if at <= 0 {
		t.Fatalf("package %q has no @version", pm)
	}
	name, version := pm[:at], pm[at+1:]
	// npm pack names @scope/name as scope-name-<version>.tgz.
	file := strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", "-") + "-" + version + ".tgz"
	dir := filepath.Join(e.Cache, "shape-npm-packages")
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Packed in a private directory and renamed into place, so a parallel
	// test never reads a half-written tarball.
	tmp, err := os.MkdirTemp(dir, "pack-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", pm, "--pack-destination", tmp)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm pack %s: %v\n%s", pm, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, file), path); err != nil {
		t.Fatal(err)
	}
	return path
}
