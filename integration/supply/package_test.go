// Packages the buildpack with tools/package.sh and reads the .cnb (an OCI
// layout tar) back: offline it must embed every redistributable dependency
// under dependencies/<sha256>/<file>, and never vsdbg (slow: skipped by -short).
package supply

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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

// readCNB reads an OCI layout tar: index.json -> manifest -> config and layers.
func readCNB(t *testing.T, p string) cnbImage {
	t.Helper()
	blobs := map[string][]byte{}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", p, h.Name, err)
		}
		blobs[strings.TrimPrefix(h.Name, "/")] = b
	}
	blob := func(digest string) []byte {
		b, ok := blobs["blobs/"+strings.Replace(digest, ":", "/", 1)]
		if !ok {
			t.Fatalf("%s: no blob %s", p, digest)
		}
		if "sha256:"+sha256Bytes(b) != digest {
			t.Fatalf("%s: blob %s does not match its digest", p, digest)
		}
		return b
	}
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if err := json.Unmarshal(blobs["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("%s: index.json %q: %v (want one manifest)", p, blobs["index.json"], err)
	}
	var manifest struct {
		Config struct{ Digest string }   `json:"config"`
		Layers []struct{ Digest string } `json:"layers"`
	}
	if err := json.Unmarshal(blob(index.Manifests[0].Digest), &manifest); err != nil {
		t.Fatalf("%s: manifest: %v", p, err)
	}
	var config struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Config       struct {
			Labels map[string]string `json:"Labels"`
		} `json:"config"`
	}
	if err := json.Unmarshal(blob(manifest.Config.Digest), &config); err != nil {
		t.Fatalf("%s: config: %v", p, err)
	}
	img := cnbImage{arch: config.Architecture, os: config.OS, labels: config.Config.Labels, files: map[string]cnbFile{}}
	for _, layer := range manifest.Layers {
		gz, err := gzip.NewReader(strings.NewReader(string(blob(layer.Digest))))
		if err != nil {
			t.Fatalf("%s: layer %s: %v", p, layer.Digest, err)
		}
		lr := tar.NewReader(gz)
		for {
			h, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: layer %s: %v", p, layer.Digest, err)
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			b, err := io.ReadAll(lr)
			if err != nil {
				t.Fatalf("%s: layer %s: %s: %v", p, layer.Digest, h.Name, err)
			}
			img.files["/"+strings.TrimPrefix(h.Name, "/")] = cnbFile{mode: h.Mode, sha256: sha256Bytes(b)}
		}
	}
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
