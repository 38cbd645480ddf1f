// The README's code blocks, run or checked straight from README.md so the
// docs and the tests cannot drift: every fenced block carries a marker,
// `<!-- snippet: NAME -->` (a test runs or checks it) or `<!-- not run: WHY -->`.
package pack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// readmeSnippets maps each snippet name to the test that runs or checks it.
var readmeSnippets = map[string]string{
	"quickstart": "TestReadmeQuickStart",
	"skaffold":   "TestSkaffoldCLI",
	"kpack":      "TestReadmeKpack",
}

type readmeBlock struct {
	line   int
	marker string // "snippet: NAME", "not run: WHY", or ""
	lang   string
	body   string
}

var markerRE = regexp.MustCompile(`^<!-- (snippet: [a-z-]+|not run: .+) -->$`)

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	repo, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		b := readmeBlock{line: i + 1, lang: lang}
		// The marker is the last non-blank line before the fence.
		for j := i - 1; j >= 0; j-- {
			if s := strings.TrimSpace(lines[j]); s != "" {
				if m := markerRE.FindStringSubmatch(s); m != nil {
					b.marker = m[1]
				}
				break
			}
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		b.body = strings.Join(body, "\n") + "\n"
		blocks = append(blocks, b)
	}
	return blocks
}

// readmeSnippet returns the body of the block marked `snippet: name`.
func readmeSnippet(t *testing.T, name string) string {
	t.Helper()
	var found []readmeBlock
	for _, b := range readmeBlocks(t) {
		if b.marker == "snippet: "+name {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("README.md has %d blocks marked `<!-- snippet: %s -->`, want 1", len(found), name)
	}
	return found[0].body
}

// TestReadmeBlocksAccounted: no README block is left unrun without saying why.
func TestReadmeBlocksAccounted(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range readmeBlocks(t) {
		switch {
		case b.marker == "":
			t.Errorf("README.md:%d: a ```%s block with neither `<!-- snippet: NAME -->` nor `<!-- not run: WHY -->` before it", b.line, b.lang)
		case strings.HasPrefix(b.marker, "snippet: "):
			name := strings.TrimPrefix(b.marker, "snippet: ")
			if _, ok := readmeSnippets[name]; !ok {
				t.Errorf("README.md:%d: snippet %q has no test (readmeSnippets)", b.line, name)
			}
			seen[name] = true
		}
	}
	for name, test := range readmeSnippets {
		if !seen[name] {
			t.Errorf("%s runs README snippet %q, which README.md no longer has", test, name)
		}
	}
}

// TestReadmeQuickStart runs the quick start as written, in a fresh clone:
// tools/package.sh --offline, pack build, docker run (the docker CLI on
// podman's Docker API). No Paketo image is reachable here, so BUILDER,
// LANGUAGE_BUILDPACK and APP (the snippet's own variables) name the local
// builder, the Go fixture buildpack and the precompiled go-http, and `pack`
// on PATH adds the flags podman needs. The breakpoint is then hit through
// 127.0.0.1:56268 with Delve's rpc2 client, the protocol `dlv connect` speaks.
func TestReadmeQuickStart(t *testing.T) {
	snippet := readmeSnippet(t, "quickstart")
	p := requirePlatform(t)
	start := time.Now()
	t.Cleanup(func() { t.Logf("TestReadmeQuickStart ran in %s", time.Since(start).Round(time.Second)) })
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("the docker CLI is not installed (Debian's docker.io package has it)")
	}

	clone := freshClone(t, p)
	// pack as given, plus what this podman-backed platform needs: no pulls
	// (the images are local), the podman socket inside the build container,
	// and the creator in the builder (no lifecycle image pull).
	shim := t.TempDir()
	wrapper := fmt.Sprintf("#!/bin/sh\n# Written by TestReadmeQuickStart.\nif [ \"$1\" = build ]; then shift; exec %q build --pull-policy never --docker-host inherit --trust-builder --trust-extra-buildpacks \"$@\"; fi\nexec %q \"$@\"\n", p.pack, p.pack)
	if err := os.WriteFile(filepath.Join(shim, "pack"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(append([]string{}, p.env...),
		"PATH="+shim+string(os.PathListSeparator)+os.Getenv("PATH"),
		"BUILDER="+p.builder, "LANGUAGE_BUILDPACK="+p.fixture, "APP="+p.app)
	cleanup := func() {
		_, _ = p.podman("rm", "-f", "-t", "0", "myapp")
		_, _ = p.podman("rmi", "-f", "myapp")
	}
	cleanup()
	t.Cleanup(cleanup)

	t0 := time.Now()
	out, err := runCmd(env, clone, "bash", "-euo", "pipefail", "-c", snippet)
	t.Logf("the quick start ran in %s:\n%s", time.Since(t0).Round(time.Millisecond), tail(string(out), 25))
	if err != nil {
		t.Fatalf("the README quick start failed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(clone, "debug.cnb")); err != nil {
		t.Errorf("the quick start left no debug.cnb in the clone: %v", err)
	}
	checkDebugProcess(t, p.inspect(t, "myapp"))
	c := &container{p: p, name: "myapp", appHostPort: appPort, dlvHostPort: dlvPort}
	if body := c.waitHTTP(t, "/quickstart"); !strings.Contains(body, "path=/quickstart") {
		t.Fatalf("GET /quickstart = %q", body)
	}
	hitBreakpoint(t, p, c)
}

var (
	cloneOnce sync.Once
	cloneDir  string
	cloneErr  error
)

// freshClone is one `git clone` of the repository (its committed HEAD), as
// a new user gets it, shared by the README tests (each packages into its own
// path; the second reuses the clone's CMake build).
func freshClone(t *testing.T, p *platform) string {
	t.Helper()
	cloneOnce.Do(func() {
		cloneDir = filepath.Join(workDir, "clone")
		var out []byte
		if out, cloneErr = runCmd(p.env, "", "git", "clone", "-q", p.repo, cloneDir); cloneErr != nil {
			cloneErr = fmt.Errorf("git clone: %v\n%s", cloneErr, out)
		}
	})
	if cloneErr != nil {
		t.Fatal(cloneErr)
	}
	return cloneDir
}

// TestReadmeKpack: the README's kpack Image, read by kpack's own types and
// admission validation (testdata/platform-check, kpack v0.17.1). Running it
// needs a cluster and a registry: integration/k8s does that with
// examples/kpack.
func TestReadmeKpack(t *testing.T) {
	snippet := readmeSnippet(t, "kpack")
	file := filepath.Join(t.TempDir(), "readme-kpack.yaml")
	if err := os.WriteFile(file, []byte(snippet), 0o644); err != nil {
		t.Fatal(err)
	}
	results := checkManifests(t, file)
	if len(results) != 1 || results[0].Error != "" || results[0].Kind != "Image" {
		t.Fatalf("kpack on the README's Image: %+v", results)
	}
	var image struct {
		Spec struct {
			Build struct {
				Env []envVar `json:"env"`
			} `json:"build"`
		} `json:"spec"`
	}
	findManifest(t, results, "Image", &image)
	if !slices.Contains(image.Spec.Build.Env, envVar{"BP_DEBUG", "true"}) {
		t.Errorf("the README's Image spec.build.env = %+v, want BP_DEBUG=true", image.Spec.Build.Env)
	}
}
