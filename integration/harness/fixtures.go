// Builds the Go programs a fixture buildpack ships (exec.d helpers such as
// node-engine's inspector, libjvm's real helper) and stages them with it, the
// way the real buildpacks carry them in bin/. A fixture lists them in
// fixture-tools.toml; the binaries are cached under the tools cache.
package harness

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// FixtureToolsFile names, in a fixture dir, the programs to build for it.
const FixtureToolsFile = "fixture-tools.toml"

// fixtureTool is one program: Path is where it goes in the staged buildpack;
// Package is a package dir relative to the fixture (stdlib only), or, with
// Module ("path@version", pinned: the proxy refuses listings), a package of
// that module's source.
type fixtureTool struct {
	Path    string `toml:"path"`
	Package string `toml:"package"`
	Module  string `toml:"module"`
}

var (
	fixtureToolsMu   sync.Mutex
	fixtureToolsDirs = map[string]string{}
)

// withFixtureTools returns bp unchanged when its dir has no
// fixture-tools.toml; otherwise a copy of the fixture with the tools built
// into it (once per test process), which is what gets staged.
func (e *Env) withFixtureTools(bp Buildpack) (Buildpack, error) {
	spec := filepath.Join(bp.Dir, FixtureToolsFile)
	if _, err := os.Stat(spec); os.IsNotExist(err) {
		return bp, nil
	}
	fixtureToolsMu.Lock()
	defer fixtureToolsMu.Unlock()
	if dir, ok := fixtureToolsDirs[bp.Dir]; ok {
		bp.Dir = dir
		return bp, nil
	}
	var tools struct {
		Tool []fixtureTool `toml:"tool"`
	}
	if _, err := toml.DecodeFile(spec, &tools); err != nil {
		return bp, fmt.Errorf("%s: %w", spec, err)
	}
	// The staged copy lives in the cache, keyed by the fixture's content and
	// the tools' versions, so runs reuse it and nothing is left in /tmp.
	sum, err := hashDir(bp.Dir)
	if err != nil {
		return bp, err
	}
	dir := filepath.Join(e.Cache, "fixture-staged", filepath.Base(bp.Dir)+"-"+sum[:16])
	if _, err := os.Stat(filepath.Join(dir, "buildpack.toml")); err != nil {
		unlock, err := lockFile(filepath.Join(e.Cache, ".harness-fixture-staged.lock"))
		if err != nil {
			return bp, err
		}
		defer unlock()
		if _, err := os.Stat(filepath.Join(dir, "buildpack.toml")); err != nil {
			if err := e.stageFixtureTools(bp.Dir, dir, tools.Tool); err != nil {
				return bp, fmt.Errorf("%s: %w", spec, err)
			}
		}
	}
	fixtureToolsDirs[bp.Dir] = dir
	bp.Dir = dir
	return bp, nil
}

// stageFixtureTools copies the fixture to dir with its tools built into it
// (sources and the tools list left out), through a temp dir and a rename.
func (e *Env) stageFixtureTools(fixtureDir, dir string, tools []fixtureTool) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := copyTree(fixtureDir, tmp); err != nil {
		return err
	}
	for _, tool := range tools {
		bin, err := e.buildFixtureTool(fixtureDir, tool)
		if err != nil {
			return fmt.Errorf("%s: %w", tool.Path, err)
		}
		if err := copyFile(bin, filepath.Join(tmp, tool.Path), 0o755); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(filepath.Join(tmp, "src")); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(tmp, FixtureToolsFile)); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// buildFixtureTool builds one tool into the cache, keyed by module version or
// by a hash of the package's sources, and returns the binary's path.
func (e *Env) buildFixtureTool(fixtureDir string, tool fixtureTool) (string, error) {
	name := filepath.Base(tool.Path)
	var key, srcDir string
	if tool.Module != "" {
		if !strings.Contains(tool.Module, "@") {
			return "", fmt.Errorf("module %q has no @version", tool.Module)
		}
		key = strings.NewReplacer("/", "_", "@", "-").Replace(tool.Module)
	} else {
		srcDir = filepath.Join(fixtureDir, tool.Package)
		sum, err := hashDir(srcDir)
		if err != nil {
			return "", err
		}
		key = filepath.Base(fixtureDir) + "-" + sum[:16]
	}
	out := filepath.Join(e.Cache, "fixture-tools", key, name)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	unlock, err := lockFile(filepath.Join(e.Cache, ".harness-fixture-tools.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	goEnv := append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if tool.Module != "" {
		// As build-tools.sh does: copy the module out of the read-only
		// module cache and build inside it, with its own go.sum.
		dl := exec.Command("go", "mod", "download", "-json", tool.Module)
		dl.Env = goEnv
		raw, err := dl.Output()
		if err != nil {
			return "", fmt.Errorf("go mod download %s: %v %s", tool.Module, err, raw)
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(raw, &info); err != nil || info.Dir == "" {
			return "", fmt.Errorf("go mod download %s: %s %v", tool.Module, info.Error, err)
		}
		srcDir = filepath.Join(e.Cache, "src", key)
		_ = os.RemoveAll(srcDir)
		if err := copyTree(info.Dir, srcDir); err != nil {
			return "", err
		}
		defer os.RemoveAll(srcDir)
	}
	pkg := "."
	if tool.Module != "" {
		pkg = tool.Package
	}
	build := exec.Command("go", "build", "-trimpath", "-o", out+".tmp", pkg)
	build.Dir = srcDir
	build.Env = goEnv
	if msg, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s in %s: %v\n%s", pkg, srcDir, err, msg)
	}
	return out, os.Rename(out+".tmp", out)
}

// hashDir hashes the names and contents of the files below dir.
func hashDir(dir string) (string, error) {
	var files []string
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	}); err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, f)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(data))
		h.Write(data)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}
