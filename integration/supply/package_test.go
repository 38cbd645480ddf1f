// Packages the buildpack with tools/package.sh and reads the .cnb (an OCI
// layout tar) back: offline it must embed every redistributable dependency
// under dependencies/<sha256>/<file>, and never vsdbg (slow: skipped by -short).
package supply

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// cnbFile is one regular file of the buildpack layers, by path in the image.
type cnbFile struct {
	mode   int64
	sha256 string
}

type cnbImage struct {
	arch, os string
	labels   map[string]string
	files    map[string]cnbFile
}

// readCNB reads a .cnb: its config and every regular file of its layers.
func readCNB(t *testing.T, p string) cnbImage {
	t.Helper()
	cnb := harness.ReadCNB(t, p)
	var config struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Config       struct {
			Labels map[string]string `json:"Labels"`
		} `json:"config"`
	}
	cnb.DecodeConfig(t, &config)
	img := cnbImage{arch: config.Architecture, os: config.OS, labels: config.Config.Labels, files: map[string]cnbFile{}}
	cnb.WalkLayers(t, func(h *tar.Header, r io.Reader) error {
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		img.files["/"+strings.TrimPrefix(h.Name, "/")] = cnbFile{mode: h.Mode, sha256: sha256Bytes(b)}
		return nil
	})
	return img
}

// buildpackDir finds where pack put the buildpack: /cnb/buildpacks/<id>/<version>.
func buildpackDir(t *testing.T, img cnbImage) string {
	t.Helper()
	var meta struct {
		ID      string `json:"id"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal([]byte(img.labels["io.buildpacks.buildpackage.metadata"]), &meta); err != nil {
		t.Fatalf("label io.buildpacks.buildpackage.metadata: %v", err)
	}
	if meta.ID != "cnbdebug/debug" {
		t.Fatalf("the package holds buildpack %q, want cnbdebug/debug", meta.ID)
	}
	return path.Join("/cnb/buildpacks", strings.ReplaceAll(meta.ID, "/", "_"), meta.Version)
}

func packageCNB(t *testing.T, offline bool) cnbImage {
	t.Helper()
	out := filepath.Join(t.TempDir(), "debug.cnb")
	args := []string{out}
	if offline {
		args = []string{"--offline", out}
	}
	if _, _, err := runTool(t, nil, "package.sh", args...); err != nil {
		t.Fatalf("tools/package.sh %v: %v", args, err)
	}
	img := readCNB(t, out)
	if img.os != "linux" || img.arch != hostArch() {
		t.Errorf("the package is %s/%s, want linux/%s (bin/ is compiled for this machine)", img.os, img.arch, hostArch())
	}
	dir := buildpackDir(t, img)
	for _, exe := range []string{"bin/detect", "bin/build", "bin/debug-launch"} {
		f, ok := img.files[path.Join(dir, exe)]
		if !ok || f.mode&0o111 == 0 {
			t.Errorf("%s is missing or not executable in the package (%+v)", exe, f)
		}
	}
	toml := img.files[path.Join(dir, "buildpack.toml")]
	if want := sha256File(t, filepath.Join(repoRoot(t), "buildpack.toml")); toml.sha256 != want {
		t.Errorf("the packaged buildpack.toml differs from the repo's")
	}
	if _, ok := img.files[path.Join(dir, "package.toml")]; ok {
		t.Errorf("package.toml leaked into the buildpack layer")
	}
	return img
}

func TestPackageOnline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the buildpack and runs pack")
	}
	img := packageCNB(t, false)
	dir := buildpackDir(t, img)
	for p := range img.files {
		if strings.HasPrefix(p, dir+"/dependencies/") {
			t.Errorf("a package without --offline embeds %s", p)
		}
	}
}

func TestPackageOfflineEmbedsDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the buildpack, dlv and fetches wheels, then runs pack")
	}
	img := packageCNB(t, true)
	depsDir := buildpackDir(t, img) + "/dependencies/"
	layout := regexp.MustCompile(`^([0-9a-f]{64})/([^/]+)$`)
	embedded := map[string]string{} // sha -> file
	for p, f := range img.files {
		rel, ok := strings.CutPrefix(p, depsDir)
		if !ok {
			continue
		}
		m := layout.FindStringSubmatch(rel)
		if m == nil {
			t.Errorf("%s is not dependencies/<sha256>/<file>", p)
			continue
		}
		if f.sha256 != m[1] {
			t.Errorf("%s holds bytes with sha256 %s", p, f.sha256)
		}
		embedded[m[1]] = m[2]
	}
	want := 0
	for _, d := range loadDeps(t) {
		local := d.Arch == hostArch() || d.Arch == "noarch"
		file, ok := embedded[d.sha()]
		switch {
		case d.ID == "vsdbg":
			if ok {
				t.Errorf("%s is embedded as %s: its licence forbids that", d, file)
			}
		case local:
			want++
			if !ok || file != d.file() {
				t.Errorf("%s: want dependencies/%s/%s, found %q", d, d.sha(), d.file(), file)
			}
		default:
			if ok {
				t.Errorf("%s is for another arch than the package's %s but is embedded", d, hostArch())
			}
		}
	}
	if len(embedded) != want {
		t.Errorf("the package embeds %d dependencies, buildpack.toml lists %d for %s: %v", len(embedded), want, hostArch(), embedded)
	}
	for p := range img.files {
		if strings.Contains(strings.ToLower(p), "vsdbg") {
			t.Errorf("the package holds %s", p)
		}
	}
	t.Logf("embedded %d dependencies: %s", len(embedded), fmt.Sprint(embedded))
}
