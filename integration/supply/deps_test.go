// Shared helpers for the supply tests: buildpack.toml's dependencies (read with
// Python's tomllib, the stdlib TOML reader nearest to hand) and running tools/.
package supply

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

type license struct {
	Type string `json:"type"`
	URI  string `json:"uri"`
}

type dependency struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Version         string    `json:"version"`
	URI             string    `json:"uri"`
	Checksum        string    `json:"checksum"`
	Arch            string    `json:"arch"`
	OS              string    `json:"os"`
	Licenses        []license `json:"licenses"`
	Purls           []string  `json:"purls"`
	Cpes            []string  `json:"cpes"`
	Source          string    `json:"source"`
	SourceChecksum  string    `json:"source-checksum"`
	StripComponents *int      `json:"strip-components"`
	RuntimeVersions string    `json:"runtime-versions"`
	PythonTag       string    `json:"python-tag"`
	Libc            string    `json:"libc"`
	GoVersion       string    `json:"go-version"`
	GoSum           string    `json:"go-sum"`
}

// sha returns the hex digest of checksum = "sha256:<hex>".
func (d dependency) sha() string { return strings.TrimPrefix(d.Checksum, "sha256:") }

// file is the name the dependency is published under: uri's last segment.
func (d dependency) file() string { return path.Base(d.URI) }

func (d dependency) String() string { return d.ID + " " + d.Version + " " + d.Arch }

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "buildpack.toml")); err != nil {
		t.Fatalf("no buildpack.toml at the repo root %s: %v", root, err)
	}
	return root
}

const readDeps = `import json, sys, tomllib
with open(sys.argv[1], "rb") as f:
    doc = tomllib.load(f)
json.dump(doc.get("metadata", {}).get("dependencies", []), sys.stdout)`

func loadDeps(t *testing.T) []dependency {
	t.Helper()
	toml := filepath.Join(repoRoot(t), "buildpack.toml")
	if other := os.Getenv("BP_BUILDPACK_TOML"); other != "" {
		toml = other // the same override the tools honour
	}
	out, err := exec.Command("python3", "-c", readDeps, toml).Output()
	if err != nil {
		t.Fatalf("reading %s with tomllib: %v %s", toml, err, stderrOf(err))
	}
	var deps []dependency
	if err := json.Unmarshal(out, &deps); err != nil {
		t.Fatalf("decoding the dependencies of %s: %v", toml, err)
	}
	if len(deps) == 0 {
		t.Fatalf("%s lists no [[metadata.dependencies]]", toml)
	}
	return deps
}

func filterDeps(deps []dependency, keep func(dependency) bool) []dependency {
	var out []dependency
	for _, d := range deps {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

// hostArch is the arch the buildpack's binaries are built for on this machine.
func hostArch() string { return runtime.GOARCH }

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// runTool runs a script from tools/ and returns its stdout and stderr; stderr
// is also logged, as the first thing to read when a test fails.
func runTool(t *testing.T, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(t), "tools", name), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if stderr.Len() > 0 {
		t.Logf("%s %s stderr:\n%s", name, strings.Join(args, " "), lastLines(stderr.String(), 30))
	}
	return stdout.String(), stderr.String(), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("reading %s: %v", p, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Bytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
