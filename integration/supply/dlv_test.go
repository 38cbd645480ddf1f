// Rebuilds every listed dlv with tools/build-dlv.sh in an empty cache and checks
// the archive is byte-identical to buildpack.toml's checksum (slow: skipped by -short).
package supply

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDlvRebuildMatchesChecksum(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds Delve (about 25 s per build on a cold Go cache)")
	}
	cache := t.TempDir() // no cached archive may stand in for a real build
	arches := map[string]bool{hostArch(): true, "arm64": true}
	dlvs := filterDeps(loadDeps(t), func(d dependency) bool { return d.ID == "dlv" && arches[d.Arch] })
	if len(dlvs) == 0 {
		t.Fatal("buildpack.toml lists no dlv for this machine's arch or arm64")
	}
	for _, d := range dlvs {
		d := d
		t.Run(d.Version+"_"+d.Arch, func(t *testing.T) {
			out := t.TempDir()
			stdout, _, err := runTool(t, []string{"BP_DEBUG_CACHE=" + cache}, "build-dlv.sh", d.Version, d.Arch, out)
			if err != nil {
				t.Fatalf("build-dlv.sh %s %s: %v", d.Version, d.Arch, err)
			}
			archive := filepath.Join(out, d.file())
			got := sha256File(t, archive)
			if got != d.sha() {
				t.Errorf("rebuilt %s has sha256 %s, buildpack.toml says %s", d.file(), got, d.sha())
			}
			if fields := strings.Fields(stdout); len(fields) != 2 || fields[0] != got || fields[1] != archive {
				t.Errorf("build-dlv.sh printed %q, want %q", stdout, got+"  "+archive)
			}
			checkDlvArchive(t, d, archive)
		})
	}
}

// checkDlvArchive asserts what makes the archive reproducible (fixed names,
// times and owners) and, on this machine's arch, that the dlv in it runs.
func checkDlvArchive(t *testing.T, d dependency, archive string) {
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", archive, err)
	}
	if !gz.ModTime.IsZero() && gz.ModTime.Unix() != 0 || gz.Name != "" {
		t.Errorf("%s: gzip header keeps name %q / time %v (want none: gzip -n)", archive, gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var names []string
	dir := t.TempDir()
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", archive, err)
		}
		names = append(names, h.Name)
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: %s has mtime %v uid %d gid %d, want 0 0 0", archive, h.Name, h.ModTime.Unix(), h.Uid, h.Gid)
		}
		if h.Name == "dlv" {
			if h.Mode&0o111 == 0 {
				t.Errorf("%s: dlv is not executable (mode %o)", archive, h.Mode)
			}
			w, err := os.OpenFile(filepath.Join(dir, "dlv"), os.O_CREATE|os.O_WRONLY, 0o755)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(w, tr); err != nil {
				t.Fatal(err)
			}
			w.Close()
		}
	}
	if strings.Join(names, ",") != "LICENSE,dlv" {
		t.Errorf("%s holds %v, want [LICENSE dlv] in that order", archive, names)
	}
	if d.Arch != hostArch() {
		return
	}
	out, err := exec.Command(filepath.Join(dir, "dlv"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("dlv version: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Version: "+d.Version) {
		t.Errorf("dlv version printed %q, want Version: %s", out, d.Version)
	}
}
