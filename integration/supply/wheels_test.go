// Re-fetches the debugpy and ptvsd wheels with pip and compares them with
// buildpack.toml; checks tools/fetch-wheels.sh (slow: network, skipped by -short).
package supply

import (
	"archive/zip"
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func wheels(t *testing.T) []dependency {
	ws := filterDeps(loadDeps(t), func(d dependency) bool { return d.ID == "debugpy" || d.ID == "ptvsd" })
	if len(ws) == 0 {
		t.Fatal("buildpack.toml lists no debugpy or ptvsd wheel")
	}
	return ws
}

// pipArgs asks pip for exactly the wheel a python-tag names, written here
// independently of tools/fetch-wheels.sh so the two check each other.
func pipArgs(t *testing.T, d dependency, dest string) []string {
	parts := strings.Split(d.PythonTag, "-")
	if len(parts) != 3 {
		t.Fatalf("%s: python-tag %q", d, d.PythonTag)
	}
	args := []string{"download", "--quiet", "--no-deps", "--only-binary=:all:", "--no-cache-dir", "--dest", dest}
	if parts[2] == "any" {
		args = append(args, "--platform", "any", "--implementation", "py")
	} else {
		interp := strings.TrimPrefix(parts[0], "cp")
		args = append(args, "--implementation", "cp", "--abi", parts[1],
			"--python-version", interp[:1]+"."+interp[1:])
		for _, p := range strings.Split(parts[2], ".") {
			args = append(args, "--platform", p)
		}
	}
	return append(args, d.ID+"=="+d.Version)
}

func TestWheelsMatchChecksums(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads wheels with pip")
	}
	for _, d := range wheels(t) {
		d := d
		t.Run(d.file(), func(t *testing.T) {
			dest := t.TempDir()
			out, err := exec.Command("pip", pipArgs(t, d, dest)...).CombinedOutput()
			if err != nil {
				t.Fatalf("pip download %s: %v\n%s", d, err, out)
			}
			entries, _ := os.ReadDir(dest)
			if len(entries) != 1 || entries[0].Name() != d.file() {
				t.Fatalf("pip download %s gave %v, want just %s", d, entries, d.file())
			}
			wheel := filepath.Join(dest, d.file())
			if got := sha256File(t, wheel); got != d.sha() {
				t.Errorf("%s: upstream sha256 %s, buildpack.toml says %s", d.file(), got, d.sha())
			}
			checkWheelMetadata(t, d, wheel)
		})
	}
}

// checkWheelMetadata reads the wheel's own METADATA and WHEEL files: its name,
// version and tags must be the entry's.
func checkWheelMetadata(t *testing.T, d dependency, wheel string) {
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		t.Fatalf("%s: %v", wheel, err)
	}
	defer zr.Close()
	distInfo := d.ID + "-" + d.Version + ".dist-info/"
	fields := map[string][]string{}
	for _, name := range []string{"METADATA", "WHEEL"} {
		f, err := zr.Open(distInfo + name)
		if err != nil {
			t.Fatalf("%s: no %s%s: %v", wheel, distInfo, name, err)
		}
		sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
				fields[k] = append(fields[k], v)
			}
		}
		f.Close()
	}
	if got := fields["Name"]; len(got) == 0 || got[0] != d.ID {
		t.Errorf("%s: METADATA Name %v, want %s", wheel, got, d.ID)
	}
	if got := fields["Version"]; len(got) == 0 || got[0] != d.Version {
		t.Errorf("%s: METADATA Version %v, want %s", wheel, got, d.Version)
	}
	parts := strings.Split(d.PythonTag, "-")
	for _, interp := range strings.Split(parts[0], ".") {
		for _, plat := range strings.Split(parts[2], ".") {
			tag := interp + "-" + parts[1] + "-" + plat
			if !contains(fields["Tag"], tag) {
				t.Errorf("%s: WHEEL tags %v lack %s", wheel, fields["Tag"], tag)
			}
		}
	}
	if len(fields["Requires-Python"]) == 0 {
		t.Errorf("%s: METADATA has no Requires-Python to check runtime-versions against", wheel)
	}
	t.Logf("%s: Requires-Python %v, runtime-versions %q", d.file(), fields["Requires-Python"], d.RuntimeVersions)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestFetchWheelsScript(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads wheels with pip")
	}
	out := t.TempDir()
	stdout, _, err := runTool(t, nil, "fetch-wheels.sh", out)
	if err != nil {
		t.Fatalf("fetch-wheels.sh: %v", err)
	}
	ws := wheels(t)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(ws) {
		t.Errorf("fetch-wheels.sh printed %d lines, want one per wheel (%d):\n%s", len(lines), len(ws), stdout)
	}
	for _, d := range ws {
		p := filepath.Join(out, d.file())
		if got := sha256File(t, p); got != d.sha() {
			t.Errorf("%s: sha256 %s, want %s", p, got, d.sha())
		}
		if !strings.Contains(stdout, d.sha()+"  "+p) {
			t.Errorf("fetch-wheels.sh did not report %s %s", d.sha(), p)
		}
	}
}

// A wheel whose bytes differ from buildpack.toml must fail the fetch and
// leave nothing behind that packaging could pick up.
func TestFetchWheelsRejectsWrongChecksum(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads a wheel with pip")
	}
	var ptvsd dependency
	for _, d := range wheels(t) {
		if d.ID == "ptvsd" {
			ptvsd = d
		}
	}
	if ptvsd.ID == "" {
		t.Fatal("buildpack.toml lists no ptvsd")
	}
	wrong := strings.Repeat("0", 64)
	toml := filepath.Join(t.TempDir(), "buildpack.toml")
	body := "api = \"0.10\"\n[[metadata.dependencies]]\n" +
		"id = \"ptvsd\"\nversion = \"" + ptvsd.Version + "\"\narch = \"noarch\"\n" +
		"uri = \"" + ptvsd.URI + "\"\nchecksum = \"sha256:" + wrong + "\"\npython-tag = \"" + ptvsd.PythonTag + "\"\n"
	if err := os.WriteFile(toml, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, stderr, err := runTool(t, []string{"BP_BUILDPACK_TOML=" + toml}, "fetch-wheels.sh", out)
	if err == nil {
		t.Fatal("fetch-wheels.sh accepted a wheel whose sha256 differs from buildpack.toml")
	}
	if !strings.Contains(stderr, ptvsd.sha()) || !strings.Contains(stderr, wrong) {
		t.Errorf("the error does not name both checksums: %s", stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a rejected fetch left %d files in %s", len(entries), out)
	}
}
