// The companion buildpack cnbdebug/debug-flags, end to end: first in the
// group, it gives go-build its debug flags through env.build. Proven against
// go-build's own flag parsing (go-shellwords as go-build calls it), then
// under the real lifecycle with a fixture go-build that runs a real
// `go build` with the flags it parsed, and Delve stopping on a line that
// optimized code folds away; the user's own flags survive and win.
package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
	"github.com/mattn/go-shellwords"
)

// goBuildWords parses a BP_GO_BUILD_FLAGS value as go-build does
// (build_configuration_parser.go parseFlagsFromEnvVars @ e1f29e2).
func goBuildWords(t testing.TB, value string) []string {
	t.Helper()
	p := shellwords.NewParser()
	p.ParseEnv = true
	words, err := p.Parse(value)
	if err != nil {
		t.Fatalf("go-shellwords cannot parse %q: %v", value, err)
	}
	return words
}

// companionDir is the companion buildpack directory, built by the harness's
// CMake run (or BP_DEBUG_COMPANION_DIR, a prepared one).
func companionBuildpack(t testing.TB, env *harness.Env) harness.Buildpack {
	t.Helper()
	env.DebugBuildpack(t) // runs CMake, which also builds the companion's bin/
	dir := os.Getenv("BP_DEBUG_COMPANION_DIR")
	if dir == "" {
		dir = filepath.Join(env.Repo, "companion", "debug-flags")
	}
	bp, err := harness.ReadBuildpack(dir)
	if err != nil {
		t.Fatalf("companion buildpack: %v", err)
	}
	if bp.ID != "cnbdebug/debug-flags" {
		t.Fatalf("%s is %s, want cnbdebug/debug-flags", dir, bp.ID)
	}
	return bp
}

// runCompanionBuild runs the companion's bin/build outside the lifecycle
// with a platform env dir and returns its env.build files and output.
func runCompanionBuild(t *testing.T, bp harness.Buildpack, platformEnv, processEnv map[string]string) (map[string]string, string) {
	t.Helper()
	root := t.TempDir()
	layers, platform := filepath.Join(root, "layers"), filepath.Join(root, "platform")
	if err := os.MkdirAll(filepath.Join(platform, "env"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(layers, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range platformEnv {
		if err := os.WriteFile(filepath.Join(platform, "env", k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(bp.Dir, "bin", "build"))
	cmd.Env = []string{"PATH=/usr/bin:/bin", "CNB_LAYERS_DIR=" + layers, "CNB_PLATFORM_DIR=" + platform}
	// The lifecycle gives a buildpack the platform env too (clear-env = false).
	for k, v := range platformEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range processEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("companion bin/build: %v\n%s", err, out)
	}
	files := map[string]string{}
	dir := filepath.Join(layers, "debug-flags", "env.build")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	if len(files) > 0 {
		toml, err := os.ReadFile(filepath.Join(layers, "debug-flags.toml"))
		if err != nil || !strings.Contains(string(toml), "build = true") || strings.Contains(string(toml), "launch = true") {
			t.Errorf("debug-flags.toml = %q (%v), want a build-only layer", toml, err)
		}
	}
	return files, string(out)
}

// TestCompanionFlagsParse checks the values the companion writes against
// go-build's own parser: each must come out as the one word go build
// needs, next to the user's words, unchanged.
func TestCompanionFlagsParse(t *testing.T) {
	env := harness.Require(t)
	bp := companionBuildpack(t, env)

	// The trap the quoting avoids (FACTS.md): unquoted, -l is a word of its own.
	if w := goBuildWords(t, "-gcflags=all=-N -l"); len(w) != 2 {
		t.Fatalf("unquoted form parsed as %q; the test's premise is wrong", w)
	}

	cases := []struct {
		name              string
		platform, process map[string]string
		wantFile, wantNot string
		wantWords         []string // go-shellwords' words of BP_GO_BUILD_FLAGS as go-build will see it
		wantLog           string
	}{
		{name: "no user flags", wantFile: "BP_GO_BUILD_FLAGS.override",
			wantWords: []string{"-gcflags=all=-N -l"}, wantLog: `added -gcflags="all=-N -l"`},
		{name: "builder's build-config flags are merged",
			process:   map[string]string{"BP_GO_BUILD_FLAGS": `-ldflags="-X main.version=v9 -s" -tags=netgo`},
			wantFile:  "BP_GO_BUILD_FLAGS.override",
			wantWords: []string{"-ldflags=-X main.version=v9 -s", "-tags=netgo", "-gcflags=all=-N -l"},
			wantLog:   "after the flags already set"},
		{name: "platform flags: GOFLAGS instead",
			platform: map[string]string{"BP_GO_BUILD_FLAGS": `-ldflags="-X main.version=v9"`},
			wantFile: "GOFLAGS.override", wantNot: "BP_GO_BUILD_FLAGS.override",
			wantWords: []string{"-ldflags=-X main.version=v9"}, wantLog: "your flags still win"},
		{name: "user -gcflags kept", platform: map[string]string{"BP_GO_BUILD_FLAGS": "-gcflags=-m"},
			wantNot: "BP_GO_BUILD_FLAGS.override", wantWords: []string{"-gcflags=-m"}, wantLog: "kept as it is"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files, out := runCompanionBuild(t, bp, tc.platform, tc.process)
			t.Logf("companion output:\n%s", out)
			if tc.wantFile != "" {
				if _, ok := files[tc.wantFile]; !ok {
					t.Errorf("env.build has %v, want %s", keys(files), tc.wantFile)
				}
			}
			if _, ok := files[tc.wantNot]; tc.wantNot != "" && ok {
				t.Errorf("env.build has %s = %q, which the user's value must not meet", tc.wantNot, files[tc.wantNot])
			}
			if !strings.Contains(out, tc.wantLog) {
				t.Errorf("log lacks %q", tc.wantLog)
			}
			// What go-build will read: the platform's value wins over env.build
			// (lifecycle env.go WithOverrides), ours otherwise.
			seen := files["BP_GO_BUILD_FLAGS.override"]
			if v, ok := tc.platform["BP_GO_BUILD_FLAGS"]; ok {
				seen = v
			}
			if got := goBuildWords(t, seen); strings.Join(got, "\x00") != strings.Join(tc.wantWords, "\x00") {
				t.Errorf("go-build parses BP_GO_BUILD_FLAGS=%s as %q, want %q", seen, got, tc.wantWords)
			}
			if g, ok := files["GOFLAGS.override"]; ok && g != `"-gcflags=all=-N -l"` {
				t.Errorf("GOFLAGS = %q", g)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// goBuildFixture compiles the go-build-shellwords fixture (its bin/build is
// Go, with go-shellwords) into a staged buildpack directory.
func goBuildFixture(t testing.TB, env *harness.Env) harness.Buildpack {
	t.Helper()
	src := filepath.Join(env.IntegrationDir(), "beyond", "testdata", "buildpacks", "go-build-shellwords")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bin", "build"),
		"-ldflags=-X main.goTool="+goTool, "./beyond/testdata/buildpacks/go-build-shellwords")
	build.Dir = env.IntegrationDir()
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the go-build fixture: %v\n%s", err, out)
	}
	for _, f := range []string{"buildpack.toml", "bin/detect"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bp, err := harness.ReadBuildpack(dir)
	if err != nil {
		t.Fatal(err)
	}
	return bp
}

// buildWithCompanion builds the go-const app with the group
// [debug-flags (optional), go-build fixture, debug (optional)].
func buildWithCompanion(t *testing.T, env *harness.Env, platformEnv map[string]string) (*builtApp, harness.Buildpack) {
	t.Helper()
	start := time.Now()
	ws := harness.NewWorkspace(t, env)
	if err := os.CopyFS(ws.App, os.DirFS(filepath.Join(env.IntegrationDir(), "beyond", "testdata", "apps", "go-const"))); err != nil {
		t.Fatal(err)
	}
	companion := companionBuildpack(t, env).AsOptional()
	b := &builtApp{ws: ws}
	b.srv = ws.ServeDependencies()
	b.bp = env.DebugBuildpack(t).AsOptional()
	ws.AddBuildpacks(companion, goBuildFixture(t, env), b.bp)
	ws.SetPlatformEnv("BP_DEBUG", "true")
	for k, v := range platformEnv {
		ws.SetPlatformEnv(k, v)
	}
	b.res = ws.MustBuild()
	b.log = b.res.Builder().BuildpackOutput(b.bp)
	b.md = ws.Metadata()
	b.img = ws.Image()
	b.elapse = time.Since(start)
	return b, companion
}

// goBuildInfo is `go version -m` of a binary.
func goBuildInfo(t testing.TB, bin string) string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m %s: %v\n%s", bin, err, out)
	}
	return string(out)
}

func TestCompanionGoDebugBuild(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	const module = "example.com/go-const"
	optimizationWarning := regexp.MustCompile(`WARNING: process.*optimi`)

	t.Run("no user flags: unoptimized, breakpoint on a constant", func(t *testing.T) {
		b, companion := buildWithCompanion(t, env, nil)
		clog := b.res.Builder().BuildpackOutput(companion)
		glog := b.res.Builder().BuildpackOutput(harness.Buildpack{ID: "paketo-buildpacks/go-build", Version: "1.0.0"})
		t.Logf("companion log:\n%s\ngo-build log:\n%s\ndebug log:\n%s", clog, glog, b.log)
		if !strings.Contains(clog, `BP_GO_BUILD_FLAGS=-gcflags="all=-N -l"`) {
			t.Errorf("the companion's log does not say what it added:\n%s", clog)
		}
		// go-build's parser made one argument of it, which go build took.
		if !strings.Contains(glog, `Running 'go build -o `) || !strings.Contains(glog, `"-gcflags=all=-N -l" -buildmode pie -trimpath ./'`) {
			t.Errorf("go-build did not run go build with the debug flags:\n%s", glog)
		}
		bin := filepath.Join(b.ws.LayerDir("paketo-buildpacks/go-build", "targets"), "bin", "go-const")
		if info := goBuildInfo(t, bin); !strings.Contains(info, `-gcflags="all=-N -l"`) {
			t.Errorf("the binary's build info lacks -gcflags=\"all=-N -l\":\n%s", info)
		}
		if w := grepLines(b.log, optimizationWarning); len(w) != 0 {
			t.Errorf("the debug buildpack warns about optimizations: %q", w)
		}
		// The env.build layer is build-only: not in the image.
		if md, err := b.img.LifecycleMetadata(); err != nil {
			t.Fatal(err)
		} else if _, ok := md.Layer("cnbdebug/debug-flags", "debug-flags"); ok {
			t.Errorf("the debug-flags layer was exported into the image")
		}

		l, addr := b.launchDebugging(t, "go-const", "answer=42")
		// -trimpath (go-build's default): DWARF names files by module path.
		line := harness.LineOf(t, filepath.Join(b.ws.App, "main.go"), "BREAKPOINT go-const")
		t.Log(dlvHitBreakpoint(t, addr, module+"/main.go", line, l.url, "answer=42 version=dev"))
	})

	t.Run("user's platform flags win and are kept; GOFLAGS carries -N -l", func(t *testing.T) {
		b, companion := buildWithCompanion(t, env, map[string]string{"BP_GO_BUILD_FLAGS": `-ldflags="-X main.version=v9"`})
		clog := b.res.Builder().BuildpackOutput(companion)
		t.Logf("companion log:\n%s", clog)
		if !strings.Contains(clog, `GOFLAGS="-gcflags=all=-N -l"`) {
			t.Errorf("the companion's log does not say it set GOFLAGS:\n%s", clog)
		}
		bin := filepath.Join(b.ws.LayerDir("paketo-buildpacks/go-build", "targets"), "bin", "go-const")
		// Build info records no -ldflags under -trimpath; the app's
		// answer (version=v9, below) shows the user's -ldflags took.
		if info := goBuildInfo(t, bin); !strings.Contains(info, `-gcflags="all=-N -l"`) {
			t.Errorf("build info lacks -gcflags=\"all=-N -l\":\n%s", info)
		}
		if w := grepLines(b.log, optimizationWarning); len(w) != 0 {
			t.Errorf("the debug buildpack warns about optimizations: %q", w)
		}
		l, addr := b.launchDebugging(t, "go-const", "version=v9")
		line := harness.LineOf(t, filepath.Join(b.ws.App, "main.go"), "BREAKPOINT go-const")
		t.Log(dlvHitBreakpoint(t, addr, module+"/main.go", line, l.url, "answer=42 version=v9"))
	})

	t.Run("user's own -gcflags kept: optimized, and the debug buildpack says so", func(t *testing.T) {
		b, companion := buildWithCompanion(t, env, map[string]string{"BP_GO_BUILD_FLAGS": "-gcflags=-m"})
		clog := b.res.Builder().BuildpackOutput(companion)
		if !strings.Contains(clog, "BP_GO_BUILD_FLAGS already sets -gcflags (-gcflags=-m): kept as it is") {
			t.Errorf("the companion's log does not say it kept the user's -gcflags:\n%s", clog)
		}
		bin := filepath.Join(b.ws.LayerDir("paketo-buildpacks/go-build", "targets"), "bin", "go-const")
		if info := goBuildInfo(t, bin); strings.Contains(info, "-N -l") || !strings.Contains(info, "-gcflags=-m") {
			t.Errorf("build info should show only the user's -gcflags=-m:\n%s", info)
		}
		// The contrast that makes the other cases' silence mean something.
		if w := grepLines(b.log, optimizationWarning); len(w) == 0 {
			t.Errorf("the debug buildpack did not warn about an optimized binary:\n%s", b.log)
		}
	})
}

// TestCompanionDetect runs the real detector: the companion joins the group,
// first, only when BP_DEBUG is true, and stays out (optional) otherwise.
func TestCompanionDetect(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	companion := companionBuildpack(t, env).AsOptional()
	for _, tc := range []struct {
		name, value string // value "" leaves BP_DEBUG unset
		want        string
	}{
		{"unset", "", "skip"},
		{"false", "false", "skip"},
		{"invalid", "maybe", "skip"},
		{"true", "true", "pass"},
		{"alias BP_DEBUG_ENABLED", "", "pass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := harness.NewWorkspace(t, env)
			if err := os.CopyFS(ws.App, os.DirFS(filepath.Join(env.IntegrationDir(), "beyond", "testdata", "apps", "go-const"))); err != nil {
				t.Fatal(err)
			}
			ws.AddBuildpacks(companion, goBuildFixture(t, env), env.DebugBuildpack(t).AsOptional())
			if tc.value != "" {
				ws.SetPlatformEnv("BP_DEBUG", tc.value)
			}
			if strings.HasPrefix(tc.name, "alias") {
				ws.SetPlatformEnv("BP_DEBUG_ENABLED", "on")
			}
			d := ws.Detect()
			if !d.OK() {
				t.Fatalf("detection failed:\n%s", d.Output)
			}
			if got := d.Status(companion); got != tc.want {
				t.Errorf("companion detect = %q, want %q; output: %s", got, tc.want, d.Outputs[companion.String()])
			}
			if in := d.InGroup(companion.ID); in != (tc.want == "pass") {
				t.Errorf("companion in group = %v, want %v: %+v", in, tc.want == "pass", d.Group)
			}
			if tc.want == "pass" && d.Group[0].ID != companion.ID {
				t.Errorf("the companion is not first in the group: %+v", d.Group)
			}
		})
	}
}
