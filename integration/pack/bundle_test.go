// The packaged bin/build must start on any glibc build image, whatever else
// that image holds: the .cnb carries bin/build's shared libraries in lib/,
// and bin/build finds them through its RPATH. Checked inside the bare
// debootstrap minbase (no libcurl, libarchive, OpenSSL or jansson) with ldd
// and by running bin/build; bin/detect and bin/debug-launch need libc alone.
package pack

import (
	"archive/tar"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

const (
	bundledRPATH = "$ORIGIN/../lib"
	// Ubuntu 22.04, the base of Paketo's jammy stacks, has glibc 2.35: the
	// oldest build image the packaged bin/build is meant to start on.
	oldestGlibc = "2.35"
)

// glibcSONAME tells the libraries that come with every glibc (and must come
// from the image's own glibc, matching its loader) from those lib/ carries.
var glibcSONAME = regexp.MustCompile(`^(ld-linux.*|linux-vdso\.so\..*|lib(c|m|dl|pthread|rt|resolv|util|anl|mvec|BrokenLocale|thread_db|c_malloc_debug)\.so\..*|libnss_.*\.so\..*)$`)

func TestBundledLibraries(t *testing.T) {
	p := requirePlatform(t)
	base := p.getenv("CNBDEBUG_BASE_IMAGE")
	if base == "" {
		t.Fatal("integration/platform/images.sh exported no CNBDEBUG_BASE_IMAGE")
	}
	libs := map[string]map[string]string{} // .cnb -> lib/ file -> sha256
	for _, c := range []struct{ name, cnb string }{{"online", p.onlineCNB}, {"offline", p.offlineCNB}} {
		t.Run(c.name, func(t *testing.T) {
			bp := extractBuildpack(t, c.cnb)
			libs[c.name] = checkLibDir(t, bp)
			checkELFLinks(t, bp)
			checkInMinimalImage(t, p, base, bp, libs[c.name])
			t.Run("starts on glibc "+oldestGlibc, func(t *testing.T) { checkGlibcVersions(t, bp) })
		})
	}
	if on, off := libs["online"], libs["offline"]; on != nil && off != nil && !maps.Equal(on, off) {
		t.Errorf("the online and offline .cnb carry different lib/ directories:\n%v\n%v", on, off)
	}
}

// extractedBuildpack is the buildpack directory of a .cnb, unpacked on the
// host, and the path pack gives it in a builder.
type extractedBuildpack struct {
	dir     string // on the host
	inImage string // /cnb/buildpacks/<id>/<version>
}

// extractBuildpack unpacks the buildpack layer of a .cnb (an OCI layout tar:
// index.json -> manifest -> gzipped layers) into a temporary directory.
func extractBuildpack(t *testing.T, cnb string) extractedBuildpack {
	t.Helper()
	root := t.TempDir()
	bpDir := regexp.MustCompile(`^cnb/buildpacks/cnbdebug_debug/[^/]+`)
	var inImage string
	harness.ReadCNB(t, cnb).WalkLayers(t, func(h *tar.Header, r io.Reader) error {
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		prefix := bpDir.FindString(name)
		if prefix == "" {
			return nil
		}
		inImage = "/" + prefix
		target := filepath.Join(root, strings.TrimPrefix(name, prefix))
		switch h.Typeflag {
		case tar.TypeDir:
			return os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return os.WriteFile(target, b, os.FileMode(h.Mode).Perm())
		case tar.TypeSymlink:
			return os.Symlink(h.Linkname, target)
		default:
			return fmt.Errorf("unexpected entry type %c", h.Typeflag)
		}
	})
	if inImage == "" {
		t.Fatalf("%s holds no /cnb/buildpacks/cnbdebug_debug/<version>", cnb)
	}
	return extractedBuildpack{dir: root, inImage: inImage}
}

// checkLibDir checks what lib/ holds: real files named by SONAME, none of
// glibc's, each with its Debian package and copyright notice. It returns the
// libraries by name with their sha256.
func checkLibDir(t *testing.T, bp extractedBuildpack) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(bp.dir, "lib"))
	if err != nil {
		t.Fatalf("the package has no lib/: %v", err)
	}
	libs := map[string]string{}
	for _, e := range entries {
		if !strings.Contains(e.Name(), ".so") {
			continue
		}
		file := filepath.Join(bp.dir, "lib", e.Name())
		if e.Type()&os.ModeSymlink != 0 || !e.Type().IsRegular() {
			t.Errorf("lib/%s is not a regular file (%v): the loader would need its target", e.Name(), e.Type())
			continue
		}
		if glibcSONAME.MatchString(e.Name()) {
			t.Errorf("lib/%s is part of glibc: it must come from the build image, matching its loader", e.Name())
		}
		f, err := elf.Open(file)
		if err != nil {
			t.Errorf("lib/%s: %v", e.Name(), err)
			continue
		}
		soname, _ := f.DynString(elf.DT_SONAME)
		f.Close()
		if !slices.Equal(soname, []string{e.Name()}) {
			t.Errorf("lib/%s has SONAME %v: the loader looks for it by the name bin/build asks for", e.Name(), soname)
		}
		libs[e.Name()] = sha256File(t, file)
	}
	if len(libs) == 0 {
		t.Fatalf("lib/ holds no shared library")
	}
	for _, want := range []string{"libcurl.so.4", "libcrypto.so.3", "libjansson.so.4"} {
		if _, ok := libs[want]; !ok {
			t.Errorf("lib/ lacks %s, which bin/build links", want)
		}
	}
	// lib/PACKAGES: "<soname>\t<package>\t<version>" for every library.
	data, err := os.ReadFile(filepath.Join(bp.dir, "lib", "PACKAGES"))
	if err != nil {
		t.Fatalf("lib/PACKAGES: %v", err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[1] == "" || f[2] == "" {
			t.Errorf("lib/PACKAGES: line %q is not soname, package, version", line)
			continue
		}
		listed[f[0]] = true
		if _, err := os.Stat(filepath.Join(bp.dir, "lib", "copyright", f[1])); err != nil {
			t.Errorf("lib/%s comes from %s, whose copyright notice is not shipped: %v", f[0], f[1], err)
		}
	}
	for name := range libs {
		if !listed[name] {
			t.Errorf("lib/%s is not in lib/PACKAGES", name)
		}
	}
	if len(listed) != len(libs) {
		t.Errorf("lib/PACKAGES lists %d libraries, lib/ holds %d", len(listed), len(libs))
	}
	t.Logf("lib/ holds %d libraries", len(libs))
	return libs
}

// checkELFLinks reads the executables themselves: bin/build's RPATH (not
// RUNPATH, which would not serve its libraries' own dependencies), and
// bin/detect and bin/debug-launch linking libc alone and no search path.
func checkELFLinks(t *testing.T, bp extractedBuildpack) {
	t.Helper()
	dyn := func(exe string, tag elf.DynTag) []string {
		f, err := elf.Open(filepath.Join(bp.dir, "bin", exe))
		if err != nil {
			t.Fatalf("bin/%s: %v", exe, err)
		}
		defer f.Close()
		v, err := f.DynString(tag)
		if err != nil {
			t.Fatalf("bin/%s: %v: %v", exe, tag, err)
		}
		return v
	}
	if got := dyn("build", elf.DT_RPATH); !slices.Equal(got, []string{bundledRPATH}) {
		t.Errorf("bin/build has DT_RPATH %q, want [%s]", got, bundledRPATH)
	}
	if got := dyn("build", elf.DT_RUNPATH); len(got) != 0 {
		t.Errorf("bin/build has DT_RUNPATH %q: it would take precedence over DT_RPATH and not reach transitive libraries", got)
	}
	for _, exe := range []string{"detect", "debug-launch"} {
		if got := dyn(exe, elf.DT_NEEDED); !slices.Equal(got, []string{"libc.so.6"}) {
			t.Errorf("bin/%s needs %q, want only libc.so.6 (it runs on every build or container start)", exe, got)
		}
		if got := append(dyn(exe, elf.DT_RPATH), dyn(exe, elf.DT_RUNPATH)...); len(got) != 0 {
			t.Errorf("bin/%s has a library search path %q", exe, got)
		}
	}
}

// lddLine is one line of ldd output: a library and where it resolved.
type lddLine struct{ name, path string }

// parseLdd reads ldd's output; path is "" for linux-vdso and "not found" for
// a library the loader cannot find.
func parseLdd(t *testing.T, out string) []lddLine {
	t.Helper()
	var lines []lddLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		l = strings.TrimSpace(l)
		if name, rest, ok := strings.Cut(l, " => "); ok {
			where, _, _ := strings.Cut(rest, " (0x")
			lines = append(lines, lddLine{name: name, path: strings.TrimSpace(where)})
			continue
		}
		if name, _, ok := strings.Cut(l, " (0x"); ok {
			lddName := path.Base(name)
			if strings.HasPrefix(name, "/") {
				lines = append(lines, lddLine{name: lddName, path: name})
			} else {
				lines = append(lines, lddLine{name: lddName})
			}
			continue
		}
		t.Errorf("unexpected ldd line %q in:\n%s", l, out)
	}
	return lines
}

// checkInMinimalImage mounts the buildpack where a builder holds it, in the
// bare base image, and lets that image's own loader resolve the executables.
func checkInMinimalImage(t *testing.T, p *platform, base string, bp extractedBuildpack, libs map[string]string) {
	t.Helper()
	bin := bp.inImage + "/bin"
	script := strings.Join([]string{
		"for e in build detect debug-launch; do echo \"== ldd $e\"; ldd " + bin + "/$e; done",
		// A copy away from lib/: what the image itself offers bin/build.
		"echo '== ldd control'; cp " + bin + "/build /tmp/build && ldd /tmp/build",
		"echo '== run build'; " + bin + "/build 2>&1; echo \"rc=$?\"",
	}, "\n")
	out, err := p.podman("run", "--rm", "--network", "none", "-v", bp.dir+":"+bp.inImage+":ro", base, "sh", "-c", script)
	if err != nil {
		t.Fatalf("podman run %s: %v\n%s", base, err, out)
	}
	sections := map[string]string{}
	for _, part := range strings.Split(out, "== ")[1:] {
		title, body, _ := strings.Cut(part, "\n")
		sections[title] = body
	}

	resolved := map[string]bool{}
	for _, l := range parseLdd(t, sections["ldd build"]) {
		inLib := path.Clean(l.path) == path.Join(bp.inImage, "lib", l.name)
		switch {
		case l.path == "not found":
			t.Errorf("bin/build: %s is not found in %s", l.name, base)
		case glibcSONAME.MatchString(l.name):
			if l.path != "" && strings.HasPrefix(path.Clean(l.path), bp.inImage) {
				t.Errorf("bin/build loads glibc's %s from the buildpack (%s)", l.name, l.path)
			}
		case inLib:
			resolved[l.name] = true
		default:
			t.Errorf("bin/build loads %s from %s, not from the buildpack's lib/", l.name, l.path)
		}
	}
	for name := range libs {
		if !resolved[name] {
			t.Errorf("lib/%s is shipped but bin/build never loads it", name)
		}
	}
	if len(resolved) == 0 {
		t.Errorf("ldd resolved nothing into lib/:\n%s", sections["ldd build"])
	}

	for _, exe := range []string{"detect", "debug-launch"} {
		var names []string
		for _, l := range parseLdd(t, sections["ldd "+exe]) {
			names = append(names, l.name)
			if !glibcSONAME.MatchString(l.name) {
				t.Errorf("bin/%s loads %s (%s): it must link libc alone", exe, l.name, l.path)
			}
		}
		if !slices.Contains(names, "libc.so.6") {
			t.Errorf("ldd bin/%s lists no libc.so.6: %v", exe, names)
		}
	}

	// The control: without lib/ the same binary does not load in this image,
	// so the image really lacks the libraries and ldd's "not found" is seen.
	var missing []string
	for _, l := range parseLdd(t, sections["ldd control"]) {
		if l.path == "not found" {
			missing = append(missing, l.name)
		}
	}
	if !slices.Contains(missing, "libcurl.so.4") || !slices.Contains(missing, "libjansson.so.4") {
		t.Errorf("%s is not bare: bin/build away from lib/ still finds libcurl or jansson (missing only %v)", base, missing)
	}

	// Loading is not all: bin/build's own main runs and explains what it lacks.
	run := sections["run build"]
	if strings.Contains(run, "error while loading shared libraries") || !strings.Contains(run, "CNB_LAYERS_DIR is not set") ||
		!strings.Contains(run, "rc=1") {
		t.Errorf("bin/build in %s, outside a lifecycle, should exit 1 explaining CNB_LAYERS_DIR is not set; got:\n%s", base, run)
	}
}

// checkGlibcVersions reads the glibc symbol versions bin/build and lib/
// require (what the loader checks before anything runs) and compares the
// newest with the oldest glibc the package is meant for.
func checkGlibcVersions(t *testing.T, bp extractedBuildpack) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(bp.dir, "lib", "*.so*"))
	files = append([]string{filepath.Join(bp.dir, "bin", "build")}, files...)
	needers := map[string][]string{} // GLIBC_x.y -> files that need it
	symbols := map[string][]string{} // GLIBC_x.y -> file: symbol
	for _, file := range files {
		f, err := elf.Open(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var needs []elf.DynamicVersionNeed
		if f.SectionByType(elf.SHT_GNU_VERNEED) != nil { // libicudata: data only, no needs
			needs, err = f.DynamicVersionNeeds()
		}
		if err != nil {
			f.Close()
			t.Fatalf("%s: version needs: %v", file, err)
		}
		for _, n := range needs {
			if !glibcSONAME.MatchString(n.Name) {
				continue
			}
			for _, d := range n.Needs {
				if d.Dep == "GLIBC_PRIVATE" {
					t.Errorf("%s needs GLIBC_PRIVATE from %s: it would load only with this exact glibc", filepath.Base(file), n.Name)
				}
				if strings.HasPrefix(d.Dep, "GLIBC_") && !slices.Contains(needers[d.Dep], filepath.Base(file)) {
					needers[d.Dep] = append(needers[d.Dep], filepath.Base(file))
				}
			}
		}
		syms, _ := f.DynamicSymbols()
		for _, s := range syms {
			if s.Section == elf.SHN_UNDEF && strings.HasPrefix(s.Version, "GLIBC_") {
				symbols[s.Version] = append(symbols[s.Version], filepath.Base(file)+": "+s.Name)
			}
		}
		f.Close()
	}
	var versions []string
	for v := range needers {
		if v != "GLIBC_PRIVATE" {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		t.Fatal("bin/build and lib/ need no GLIBC_ version: the ELF reading is broken")
	}
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
	newest := versions[len(versions)-1]
	t.Logf("bin/build and lib/ need glibc >= %s (%s)", strings.TrimPrefix(newest, "GLIBC_"), strings.Join(needers[newest], ", "))
	var tooNew []string
	for _, v := range versions {
		if versionLess("GLIBC_"+oldestGlibc, v) {
			tooNew = append(tooNew, fmt.Sprintf("%s by %s (symbols: %s)", v, strings.Join(needers[v], ", "), strings.Join(symbols[v], ", ")))
		}
	}
	if len(tooNew) > 0 {
		t.Errorf("the package would not start on glibc %s (Ubuntu 22.04 build images): it needs %s",
			oldestGlibc, strings.Join(tooNew, "; "))
	}
}

// versionLess orders GLIBC_2.2.5 < GLIBC_2.17 < GLIBC_2.35 numerically.
func versionLess(a, b string) bool {
	pa := strings.Split(strings.TrimPrefix(a, "GLIBC_"), ".")
	pb := strings.Split(strings.TrimPrefix(b, "GLIBC_"), ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func sha256File(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
