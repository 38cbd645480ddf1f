// A workspace is one app's build on the host: the directories a platform
// gives the lifecycle (layers, app, platform, buildpacks, cache), the order,
// and an OCI layout holding the run image and the exported app image.
package harness

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Image names need a registry part with a dot for the layout exporter; the
// layout path is <layout>/<registry>/<repo>/<tag>.
const (
	RunImageName = "probe.local/cnbdebug-run:latest"
	registryHost = "probe.local"
)

// Workspace holds one app build. Create it with NewWorkspace.
type Workspace struct {
	t   testing.TB
	env *Env

	Root       string // everything below lives here
	App        string // the app dir (-app, CNB_APP_DIR at launch)
	Layers     string // -layers; emptied by Reset
	Platform   string // -platform; env/ holds the build-time BP_* values
	Buildpacks string // -buildpacks
	Cache      string // -cache-dir; survives Reset so a rebuild restores from it
	Layout     string // CNB_LAYOUT_DIR: run image and exported images
	Home       string // HOME for the phases and the app
	OrderPath  string // -order

	// ImageName is the app image the exporter writes (and the analyzer
	// finds again on a rebuild).
	ImageName string

	// PhaseEnv is added to the environment of every lifecycle phase; it is
	// not the platform env (SetPlatformEnv), which is how pack passes --env.
	PhaseEnv map[string]string

	group []Buildpack
	// depServer, once ServeDependencies ran, is where the debug buildpack
	// downloads from; it is then staged without dependencies/.
	depServer *DependencyServer
}

var nameRE = regexp.MustCompile(`[^a-z0-9-]+`)

// NewWorkspace makes an empty workspace under a fresh temp dir, removed when
// the test ends unless BP_DEBUG_KEEP_WORKSPACE is set (then its path is logged).
func NewWorkspace(t testing.TB, env *Env) *Workspace {
	t.Helper()
	root, err := os.MkdirTemp("", "cnbdebug-it-")
	if err != nil {
		t.Fatalf("workspace: %v", err)
	}
	// The phases and the app run as the build user, who must reach every path.
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatalf("workspace: %v", err)
	}
	if os.Getenv("BP_DEBUG_KEEP_WORKSPACE") != "" {
		t.Cleanup(func() { t.Logf("workspace kept: %s", root) })
	} else {
		t.Cleanup(func() { _ = os.RemoveAll(root) })
	}
	name := strings.Trim(nameRE.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 60 {
		// Keep names unique and readable: a prefix plus a hash of the rest.
		name = fmt.Sprintf("%s-%x", strings.Trim(name[:50], "-"), sha256.Sum256([]byte(name)))[:60]
	}
	w := &Workspace{
		t: t, env: env, Root: root,
		App:        filepath.Join(root, "app"),
		Layers:     filepath.Join(root, "layers"),
		Platform:   filepath.Join(root, "platform"),
		Buildpacks: filepath.Join(root, "buildpacks"),
		Cache:      filepath.Join(root, "cache"),
		Layout:     filepath.Join(root, "oci"),
		Home:       filepath.Join(root, "home"),
		OrderPath:  filepath.Join(root, "order.toml"),
		ImageName:  registryHost + "/" + name + ":latest",
		PhaseEnv:   map[string]string{},
	}
	for _, dir := range []string{w.App, w.Layers, filepath.Join(w.Platform, "env"), w.Buildpacks, w.Cache, w.Layout, w.Home} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("workspace: %v", err)
		}
	}
	if err := env.copyRunImage(w.Layout); err != nil {
		t.Fatalf("workspace: %v", err)
	}
	return w
}

// Env is the shared harness environment the workspace was made with.
func (w *Workspace) Env() *Env { return w.env }

// CopyApp copies integration/testdata/apps/<name> into the app dir.
func (w *Workspace) CopyApp(name string) {
	w.t.Helper()
	src := w.env.TestData("apps", name)
	if _, err := os.Stat(src); err != nil {
		w.t.Fatalf("app %s: %v", name, err)
	}
	if err := copyTree(src, w.App); err != nil {
		w.t.Fatalf("copy app %s: %v", name, err)
	}
}

// WriteAppFile writes one file below the app dir.
func (w *Workspace) WriteAppFile(rel, content string, mode os.FileMode) {
	w.t.Helper()
	path := filepath.Join(w.App, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		w.t.Fatal(err)
	}
}

// SetPlatformEnv writes <platform>/env/<name>, which is what
// `pack build --env NAME=VALUE` does and the only env buildpacks see.
func (w *Workspace) SetPlatformEnv(name, value string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.Platform, "env", name), []byte(value), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// UnsetPlatformEnv removes <platform>/env/<name>.
func (w *Workspace) UnsetPlatformEnv(name string) {
	w.t.Helper()
	if err := os.Remove(filepath.Join(w.Platform, "env", name)); err != nil && !os.IsNotExist(err) {
		w.t.Fatal(err)
	}
}

// AddBuildpacks stages buildpacks and appends them, in order, to the
// workspace's single order group.
func (w *Workspace) AddBuildpacks(bps ...Buildpack) {
	w.t.Helper()
	for _, bp := range bps {
		if bp.ID == DebugBuildpackID && w.depServer != nil {
			bp = bp.WithoutDependencies()
		}
		if err := bp.stage(w.Buildpacks); err != nil {
			w.t.Fatalf("stage %s: %v", bp, err)
		}
		w.group = append(w.group, bp)
	}
	if err := w.writeOrder(); err != nil {
		w.t.Fatal(err)
	}
}

// AddFixtures adds fixture buildpacks by their testdata directory names.
func (w *Workspace) AddFixtures(names ...string) {
	w.t.Helper()
	for _, name := range names {
		w.AddBuildpacks(w.env.Fixture(w.t, name))
	}
}

// AddDebugBuildpack adds the buildpack under test, optional as it must be in
// a real builder's order (it skips unless BP_DEBUG is set).
func (w *Workspace) AddDebugBuildpack() Buildpack {
	w.t.Helper()
	bp := w.env.DebugBuildpack(w.t).AsOptional()
	w.AddBuildpacks(bp)
	return bp
}

// Group is the order group as added.
func (w *Workspace) Group() []Buildpack { return append([]Buildpack(nil), w.group...) }

func (w *Workspace) writeOrder() error {
	var b strings.Builder
	b.WriteString("[[order]]\n")
	for _, bp := range w.group {
		fmt.Fprintf(&b, "  [[order.group]]\n    id = %q\n    version = %q\n", bp.ID, bp.Version)
		if bp.Optional {
			b.WriteString("    optional = true\n")
		}
	}
	return os.WriteFile(w.OrderPath, []byte(b.String()), 0o644)
}

// LayerDir is <layers>/<escaped buildpack id>/<layer>, or the buildpack's
// own layers dir when layer is "".
func (w *Workspace) LayerDir(buildpackID, layer string) string {
	return filepath.Join(w.Layers, strings.ReplaceAll(buildpackID, "/", "_"), layer)
}

// ImagePath is where the exporter writes the app image in the layout.
func (w *Workspace) ImagePath() string { return layoutPath(w.Layout, w.ImageName) }

// layoutPath maps registry/repo:tag to <layout>/<registry>/<repo>/<tag>.
func layoutPath(layout, name string) string {
	ref, tag := name, "latest"
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		ref, tag = name[:i], name[i+1:]
	}
	return filepath.Join(layout, ref, tag)
}

// chownForBuild hands the dirs the unprivileged phases write to the build user.
func (w *Workspace) chownForBuild() error {
	for _, dir := range []string{w.App, w.Layers, w.Platform, w.Cache, w.Layout, w.Home} {
		if err := chownTree(dir, BuildUID, BuildGID); err != nil {
			return err
		}
	}
	return nil
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// Reset empties the layers dir and keeps the cache dir and the layout (with
// the previous image), which is what a platform does between two builds of
// the same app. The app dir is kept too: callers that want a pristine app
// copy it again.
func (w *Workspace) Reset() {
	w.t.Helper()
	if err := os.RemoveAll(w.Layers); err != nil {
		w.t.Fatal(err)
	}
	if err := os.MkdirAll(w.Layers, 0o755); err != nil {
		w.t.Fatal(err)
	}
}

// runImage is built once per test process and copied into each workspace.
var (
	runImageOnce sync.Once
	runImageDir  string
	runImageErr  error
)

func (e *Env) copyRunImage(layout string) error {
	runImageOnce.Do(func() { runImageDir, runImageErr = e.buildRunImage() })
	if runImageErr != nil {
		return runImageErr
	}
	return copyTree(runImageDir, layoutPath(layout, RunImageName))
}

// buildRunImage makes a one-layer run image with umoci (the exporter refuses
// an image with no layers), cached under .cache keyed by its recipe version.
func (e *Env) buildRunImage() (string, error) {
	const recipe = "v2"
	dir := filepath.Join(e.Cache, "harness-run-image-"+recipe)
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		return dir, nil
	}
	unlock, err := lockFile(filepath.Join(e.Cache, ".harness-run-image.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(e.Cache, "harness-run-image-tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	image := filepath.Join(tmp, "image")
	root := filepath.Join(tmp, "root", "etc")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	passwd := fmt.Sprintf("root:x:0:0::/root:/bin/sh\ncnb:x:%d:%d::/home/cnb:/bin/sh\n", BuildUID, BuildGID)
	if err := os.WriteFile(filepath.Join(root, "passwd"), []byte(passwd), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(root, "group"), []byte(fmt.Sprintf("root:x:0:\ncnb:x:%d:\n", BuildGID)), 0o644); err != nil {
		return "", err
	}
	steps := [][]string{
		{"umoci", "init", "--layout", image},
		{"umoci", "new", "--image", image + ":latest"},
		{"umoci", "config", "--image", image + ":latest", "--os", "linux", "--architecture", runtime.GOARCH,
			"--config.user", fmt.Sprintf("%d:%d", BuildUID, BuildGID),
			"--config.env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"--config.env", fmt.Sprintf("CNB_USER_ID=%d", BuildUID),
			"--config.env", fmt.Sprintf("CNB_GROUP_ID=%d", BuildGID),
			"--config.label", "io.buildpacks.base.id=dev.cnbdebug.harness",
			"--config.label", "io.buildpacks.stack.id=dev.cnbdebug.harness",
			"--config.label", "io.buildpacks.base.distro.name=debian",
			"--config.label", "io.buildpacks.base.distro.version=12"},
		{"umoci", "insert", "--image", image + ":latest", root, "/etc"},
	}
	for _, step := range steps {
		if out, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(step, " "), err, out)
		}
	}
	if err := os.Rename(image, dir); err != nil {
		return "", err
	}
	return dir, nil
}
