// Offline dependencies for the debug buildpack under test: the tools a
// packaged buildpack embeds as dependencies/<sha256>/<file> (dlv, debugpy,
// ptvsd for this arch; vsdbg never), made with the project's own tools/
// scripts and kept in a content-addressed store under .cache.
package harness

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// dependency is one embedded file: dependencies/<SHA>/<File>.
type dependency struct {
	ID, Version, Arch, File, SHA string
}

func (d dependency) rel() string { return filepath.Join("dependencies", d.SHA, d.File) }

// offlineDependencies lists what buildpack.toml in bpDir would embed for this
// machine (as tools/package.sh --offline does) and makes sure each file is in
// the store, building dlv with tools/build-dlv.sh and fetching wheels with
// tools/fetch-wheels.sh when missing. It returns the store dir.
func (e *Env) offlineDependencies(bpDir string) ([]dependency, string, error) {
	out, err := e.tool("python3", filepath.Join(e.Repo, "tools", "deps.py"),
		"--toml", filepath.Join(bpDir, "buildpack.toml"), "list", "--no-id", "vsdbg")
	if err != nil {
		return nil, "", err
	}
	var deps []dependency
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		f := strings.Split(scanner.Text(), "\t")
		if len(f) != 5 {
			return nil, "", fmt.Errorf("tools/deps.py list: unexpected line %q", scanner.Text())
		}
		d := dependency{ID: f[0], Version: f[1], Arch: f[2], File: f[3], SHA: f[4]}
		if d.Arch == runtime.GOARCH || d.Arch == "noarch" {
			deps = append(deps, d)
		}
	}
	store := filepath.Join(e.Cache, "harness-dependencies")
	if allExist(depPaths(store, deps)) {
		return deps, store, nil
	}
	unlock, err := lockFile(filepath.Join(e.Cache, ".harness-dependencies.lock"))
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	tmp, err := os.MkdirTemp(e.Cache, "harness-dependencies-tmp-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(tmp)
	wheelsFetched := false
	for _, d := range deps {
		dst := filepath.Join(store, d.SHA, d.File)
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		src := filepath.Join(tmp, d.File)
		switch {
		case d.ID == "dlv":
			_, err = e.tool("bash", filepath.Join(e.Repo, "tools", "build-dlv.sh"), d.Version, d.Arch, tmp)
		case strings.HasSuffix(d.File, ".whl") && !wheelsFetched:
			wheelsFetched = true
			_, err = e.tool("bash", filepath.Join(e.Repo, "tools", "fetch-wheels.sh"), tmp)
		}
		if err != nil {
			return nil, "", err
		}
		if err := storeVerified(src, dst, d.SHA); err != nil {
			return nil, "", fmt.Errorf("%s %s %s: %w", d.ID, d.Version, d.Arch, err)
		}
	}
	return deps, store, nil
}

func depPaths(store string, deps []dependency) []string {
	var paths []string
	for _, d := range deps {
		paths = append(paths, filepath.Join(store, d.SHA, d.File))
	}
	return paths
}

// storeVerified moves src to dst if its sha256 is want.
func storeVerified(src, dst, want string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s has sha256 %s, buildpack.toml says %s", src, got, want)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Rename(src, dst)
}

// tool runs a project script with the Go settings the scripts expect and
// returns its stdout; stderr goes into the error.
func (e *Env) tool(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "BP_DEBUG_CACHE="+e.Cache, "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(stderr.String(), 30))
	}
	return out, nil
}

// linkOrCopy hard-links src to dst (the store and the workspaces usually
// share a filesystem), copying when they do not.
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return copyFile(src, dst, 0o644)
}
