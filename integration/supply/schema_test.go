// Fast checks (no network, no builds) that buildpack.toml's dependencies are
// complete, consistent with their files, and cover the runtimes they claim.
package supply

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const releaseURI = "https://github.com/cnbdebug/debug-buildpack/releases/download/deps/"

var (
	hexSHA     = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	constraint = regexp.MustCompile(`^(>=|<=|>|<|=)?([0-9]+(\.[0-9]+)*)$`)
)

// versionParts turns "1.25" into [1 25]; the tests' versions are all numeric.
func versionParts(t *testing.T, v string) []int {
	t.Helper()
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("version %q: %v", v, err)
		}
		out = append(out, n)
	}
	return out
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// satisfies evaluates runtime-versions: "||" separates alternatives, "," joins
// constraints that must all hold.
func satisfies(t *testing.T, version, expr string) bool {
	t.Helper()
	v := versionParts(t, version)
	for _, alt := range strings.Split(expr, "||") {
		all := true
		for _, c := range strings.Split(alt, ",") {
			m := constraint.FindStringSubmatch(strings.TrimSpace(c))
			if m == nil {
				t.Fatalf("runtime-versions %q: constraint %q is not [op]N.N", expr, c)
			}
			cmp := compareVersions(v, versionParts(t, m[2]))
			ok := map[string]bool{">=": cmp >= 0, "<=": cmp <= 0, ">": cmp > 0, "<": cmp < 0, "=": cmp == 0, "": cmp == 0}[m[1]]
			all = all && ok
		}
		if all {
			return true
		}
	}
	return false
}

func TestDependencyEntriesAreComplete(t *testing.T) {
	seen := map[string]string{}
	for _, d := range loadDeps(t) {
		d := d
		t.Run(strings.ReplaceAll(d.String(), " ", "_")+"_"+d.file(), func(t *testing.T) {
			for field, value := range map[string]string{"id": d.ID, "name": d.Name, "version": d.Version,
				"uri": d.URI, "os": d.OS, "source": d.Source} {
				if value == "" {
					t.Errorf("%s: %s is empty", d, field)
				}
			}
			if !hexSHA.MatchString(d.Checksum) {
				t.Errorf("%s: checksum %q is not sha256:<64 lowercase hex>", d, d.Checksum)
			}
			if prev, dup := seen[d.sha()]; dup {
				t.Errorf("%s: checksum also used by %s", d, prev)
			}
			seen[d.sha()] = d.String()
			if !strings.HasPrefix(d.URI, "https://") {
				t.Errorf("%s: uri %q is not https", d, d.URI)
			}
			if d.OS != "linux" {
				t.Errorf("%s: os %q, want linux", d, d.OS)
			}
			if d.Arch != "amd64" && d.Arch != "arm64" && d.Arch != "noarch" {
				t.Errorf("%s: arch %q, want amd64, arm64 or noarch", d, d.Arch)
			}
			if len(d.Licenses) == 0 || d.Licenses[0].Type == "" || !strings.HasPrefix(d.Licenses[0].URI, "https://") {
				t.Errorf("%s: licenses %+v need a type and an https uri", d, d.Licenses)
			}
			if len(d.Purls) == 0 || len(d.Cpes) == 0 {
				t.Errorf("%s: purls %v and cpes %v must not be empty", d, d.Purls, d.Cpes)
			}
			for _, c := range d.Cpes {
				if !strings.HasPrefix(c, "cpe:2.3:a:") || !strings.Contains(c, ":"+strings.SplitN(d.Version, "+", 2)[0]+":") {
					t.Errorf("%s: cpe %q does not name version %s", d, c, d.Version)
				}
			}
			if d.StripComponents == nil || *d.StripComponents != 0 {
				t.Errorf("%s: strip-components must be 0 (the archives hold their files at the root)", d)
			}
			switch d.ID {
			case "dlv":
				checkDlvEntry(t, d)
			case "debugpy", "ptvsd":
				checkWheelEntry(t, d)
			case "vsdbg":
				checkVsdbgEntry(t, d)
			default:
				t.Errorf("%s: unknown dependency id", d)
			}
		})
	}
}

func checkDlvEntry(t *testing.T, d dependency) {
	want := fmt.Sprintf("%sdlv-%s-linux-%s.tar.gz", releaseURI, d.Version, d.Arch)
	if d.URI != want {
		t.Errorf("%s: uri %q, want %q", d, d.URI, want)
	}
	if d.Arch == "noarch" {
		t.Errorf("%s: dlv is a native binary, it needs a real arch", d)
	}
	wantPurl := fmt.Sprintf("pkg:golang/github.com/go-delve/delve@v%s?arch=%s", d.Version, d.Arch)
	if len(d.Purls) != 1 || d.Purls[0] != wantPurl {
		t.Errorf("%s: purls %v, want [%s]", d, d.Purls, wantPurl)
	}
	if !regexp.MustCompile(`^1\.[0-9]+\.[0-9]+$`).MatchString(d.GoVersion) {
		t.Errorf("%s: go-version %q is not a Go release such as 1.26.8", d, d.GoVersion)
	}
	if !strings.HasPrefix(d.GoSum, "h1:") {
		t.Errorf("%s: go-sum %q is not a Go module hash (h1:...)", d, d.GoSum)
	}
	if d.RuntimeVersions == "" || d.Licenses[0].Type != "MIT" {
		t.Errorf("%s: needs runtime-versions (got %q) and the MIT licence (got %+v)", d, d.RuntimeVersions, d.Licenses)
	}
}

var wheelArch = map[string]string{"x86_64": "amd64", "aarch64": "arm64"}

func checkWheelEntry(t *testing.T, d dependency) {
	wantFile := fmt.Sprintf("%s-%s-%s.whl", d.ID, d.Version, d.PythonTag)
	if d.URI != releaseURI+wantFile {
		t.Errorf("%s: uri %q, want %q (the file named by id, version and python-tag)", d, d.URI, releaseURI+wantFile)
	}
	if len(d.Purls) != 1 || !strings.HasPrefix(d.Purls[0], fmt.Sprintf("pkg:pypi/%s@%s", d.ID, d.Version)) {
		t.Errorf("%s: purls %v, want pkg:pypi/%s@%s", d, d.Purls, d.ID, d.Version)
	}
	if d.RuntimeVersions == "" || d.Licenses[0].Type != "MIT" {
		t.Errorf("%s: needs runtime-versions (got %q) and the MIT licence (got %+v)", d, d.RuntimeVersions, d.Licenses)
	}
	parts := strings.Split(d.PythonTag, "-")
	if len(parts) != 3 {
		t.Fatalf("%s: python-tag %q is not interpreter-abi-platform", d, d.PythonTag)
	}
	platform := parts[2]
	if platform == "any" {
		if d.Arch != "noarch" || d.Libc != "" {
			t.Errorf("%s: a pure wheel (%s) must be arch noarch with no libc, got arch %q libc %q", d, d.PythonTag, d.Arch, d.Libc)
		}
		return
	}
	m := regexp.MustCompile(`^(manylinux_\d+_\d+|musllinux_\d+_\d+)_(x86_64|aarch64)$`).FindStringSubmatch(platform)
	if m == nil {
		t.Fatalf("%s: platform %q of python-tag is not manylinux_X_Y_ARCH or musllinux_X_Y_ARCH", d, platform)
	}
	if wheelArch[m[2]] != d.Arch {
		t.Errorf("%s: python-tag platform %s does not match arch %s", d, platform, d.Arch)
	}
	wantLibc := map[bool]string{true: "musl", false: "glibc"}[strings.HasPrefix(m[1], "musllinux")]
	if d.Libc != wantLibc {
		t.Errorf("%s: libc %q, want %q for %s", d, d.Libc, wantLibc, platform)
	}
	interp := regexp.MustCompile(`^cp(\d)(\d+)$`).FindStringSubmatch(parts[0])
	if interp == nil {
		t.Fatalf("%s: platform wheel interpreter %q is not cpXY", d, parts[0])
	}
	only := interp[1] + "." + interp[2]
	if !satisfies(t, only, d.RuntimeVersions) {
		t.Errorf("%s: runtime-versions %q excludes the wheel's own Python %s", d, d.RuntimeVersions, only)
	}
	next := interp[1] + "." + strconv.Itoa(atoi(t, interp[2])+1)
	if satisfies(t, next, d.RuntimeVersions) {
		t.Errorf("%s: runtime-versions %q admits Python %s, which a %s wheel cannot load", d, d.RuntimeVersions, next, parts[0])
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func checkVsdbgEntry(t *testing.T, d dependency) {
	if strings.HasPrefix(d.URI, releaseURI) {
		t.Errorf("%s: vsdbg must keep Microsoft's uri, never ours (%s)", d, d.URI)
	}
	if d.Licenses[0].Type != "Proprietary" {
		t.Errorf("%s: licence %q, want Proprietary", d, d.Licenses[0].Type)
	}
	march := map[string]string{"amd64": "x64", "arm64": "arm64"}[d.Arch]
	if march == "" || !strings.HasSuffix(d.URI, "/vsdbg-linux-"+march+".tar.gz") {
		t.Errorf("%s: uri %q does not end in vsdbg-linux-%s.tar.gz", d, d.URI, march)
	}
	if d.SourceChecksum != d.Checksum || d.Source != d.URI {
		t.Errorf("%s: source and source-checksum must be the archive itself", d)
	}
}

// Every Go release since 1.19 must find a dlv whose support window holds it,
// on both arches, or old apps get a dlv that refuses their binary.
func TestDlvCoversGoReleases(t *testing.T) {
	dlvs := filterDeps(loadDeps(t), func(d dependency) bool { return d.ID == "dlv" })
	pins := map[string]bool{}
	for _, d := range dlvs {
		pins[d.GoVersion] = true
	}
	if len(pins) != 1 {
		t.Errorf("dlv entries are pinned to %d Go versions %v; one pin keeps them rebuildable together", len(pins), pins)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		for minor := 19; minor <= 27; minor++ {
			goVersion := fmt.Sprintf("1.%d", minor)
			var found []string
			for _, d := range dlvs {
				if d.Arch == arch && satisfies(t, goVersion, d.RuntimeVersions) {
					found = append(found, d.Version)
				}
			}
			if len(found) == 0 {
				t.Errorf("no dlv for Go %s on %s", goVersion, arch)
			}
		}
	}
}

// Each Python a debugger is offered for must be served by a pure wheel (any
// arch, any libc); platform wheels only speed things up.
func TestPythonDebuggersCoverPythons(t *testing.T) {
	deps := loadDeps(t)
	pythons := []string{"2.7", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"}
	for _, py := range pythons {
		var found []string
		for _, d := range deps {
			if d.ID == "debugpy" && d.Arch == "noarch" && satisfies(t, py, d.RuntimeVersions) {
				found = append(found, d.Version)
			}
		}
		if len(found) == 0 {
			t.Errorf("no pure debugpy wheel for Python %s", py)
		}
	}
	ptvsd := filterDeps(deps, func(d dependency) bool { return d.ID == "ptvsd" })
	if len(ptvsd) == 0 || !satisfies(t, "2.7", ptvsd[0].RuntimeVersions) {
		t.Errorf("ptvsd must be listed for Python 2.7 (got %+v)", ptvsd)
	}
	// FACTS: ptvsd 4.3.2 crashes on stackTrace under Python 3.11.
	for _, d := range ptvsd {
		if satisfies(t, "3.11", d.RuntimeVersions) {
			t.Errorf("%s: runtime-versions %q admits Python 3.11, where ptvsd crashes", d, d.RuntimeVersions)
		}
	}
}

func TestSatisfies(t *testing.T) {
	cases := []struct {
		version, expr string
		want          bool
	}{
		{"1.25", ">=1.25, <1.28", true},
		{"1.28", ">=1.25, <1.28", false},
		{"1.24", ">=1.25, <1.28", false},
		{"2.7", ">=2.7, <3.0 || >=3.5, <3.11", true},
		{"3.4", ">=2.7, <3.0 || >=3.5, <3.11", false},
		{"3.10", ">=2.7, <3.0 || >=3.5, <3.11", true},
		{"3.11", "=3.11", true},
	}
	for _, c := range cases {
		if got := satisfies(t, c.version, c.expr); got != c.want {
			t.Errorf("satisfies(%q, %q) = %v, want %v", c.version, c.expr, got, c.want)
		}
	}
}

// build-dlv.sh must refuse, before building, a Go other than the pinned one:
// its output would not match the recorded checksum.
func TestBuildDlvRefusesOtherGo(t *testing.T) {
	out := t.TempDir()
	env := []string{"DLV_GO_VERSION=1.0.1", "BP_DEBUG_CACHE=" + t.TempDir()}
	stdout, stderr, err := runTool(t, env, "build-dlv.sh", "1.27.2", hostArch(), out)
	if err == nil {
		t.Fatalf("build-dlv.sh with a pin of go1.0.1 succeeded: %s", stdout)
	}
	if !strings.Contains(stderr, "pinned to go1.0.1") {
		t.Errorf("the refusal does not name the pinned Go: %s", stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a refused build left %d files in %s", len(entries), out)
	}
}

func TestBuildDlvRefusesUnlistedVersion(t *testing.T) {
	toml := filepath.Join(t.TempDir(), "buildpack.toml")
	if err := os.WriteFile(toml, []byte("api = \"0.10\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"BP_BUILDPACK_TOML=" + toml}
	_, stderr, err := runTool(t, env, "build-dlv.sh", "1.27.2", hostArch(), t.TempDir())
	if err == nil {
		t.Fatal("build-dlv.sh built a dlv that buildpack.toml does not list, with no DLV_GO_VERSION")
	}
	if !strings.Contains(stderr, "no dlv 1.27.2") {
		t.Errorf("the refusal does not say which entry is missing: %s", stderr)
	}
	if _, _, err := runTool(t, nil, "build-dlv.sh", "1.27.2", "riscv64", t.TempDir()); err == nil {
		t.Error("build-dlv.sh accepted arch riscv64")
	}
}
