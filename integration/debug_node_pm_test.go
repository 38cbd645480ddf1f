// Node.js under yarn and pnpm: the launch wrapper's package-manager mode
// (`wrap/<pm> --inspect=HOST:PORT start`) with the real yarn 1 / pnpm CLIs
// from their npm tarballs and the real node, driven over CDP into a
// breakpoint in the app's HTTP handler. Paketo node-engine's exec.d
// inspector has put `--inspect` in NODE_OPTIONS (as it does whenever
// BPL_DEBUG_ENABLED=true): the package manager's own node must not take the
// port, and the inspector must list exactly one target, the app's
// server.js. The layer is laid out as bin/build's populate lays it out
// (tests/test_debugtools.c checks populate itself).
package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

type pmLayer struct {
	dir, app, script string
}

// newPMLayer lays out <dir>/debug-tools as populate does for a pm wrapper:
// wrap/debug-launch, wrap/<pm> -> debug-launch, real/<pm> -> the pm's CLI,
// node/preload.js; and an app with `"start": "node server.js"`.
func newPMLayer(t *testing.T, env *harness.Env, pm, tarball, cli string) pmLayer {
	t.Helper()
	root := t.TempDir()
	layer := filepath.Join(root, "debug-tools")
	for _, d := range []string{"wrap", "real", "node", "pm"} {
		if err := os.MkdirAll(filepath.Join(layer, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile := func(from, to string, mode os.FileMode) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(filepath.Join(env.Repo, "bin", "debug-launch"), filepath.Join(layer, "wrap", "debug-launch"), 0o755)
	copyFile(filepath.Join(env.Repo, "src", "debugtools", "node-preload.js"), filepath.Join(layer, "node", "preload.js"), 0o644)
	if out, err := exec.Command("tar", "-xzf", tarball, "-C", filepath.Join(layer, "pm")).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	if err := os.Symlink("debug-launch", filepath.Join(layer, "wrap", pm)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(layer, "pm", "package", cli), filepath.Join(layer, "real", pm)); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(root, "app")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(filepath.Join(env.Repo, "integration", "testdata", "apps", "node-http", "server.js"), filepath.Join(app, "server.js"), 0o644)
	pkg := `{"name":"node-http","version":"1.0.0","private":true,"scripts":{"start":"node server.js"}}` + "\n"
	if err := os.WriteFile(filepath.Join(app, "package.json"), []byte(pkg), 0o644); err != nil {
		t.Fatal(err)
	}
	return pmLayer{dir: layer, app: app, script: filepath.Join(app, "server.js")}
}

func TestDebugNodePackageManagers(t *testing.T) {
	env := harness.Require(t)
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node")
	}
	cases := []struct {
		pm, pkg, cli string
	}{
		{"yarn", "yarn@1.22.22", "bin/yarn.js"},
		{"pnpm", "pnpm@9.15.9", "bin/pnpm.cjs"},
	}
	for _, c := range cases {
		for _, suspend := range []bool{false, true} {
			c, suspend := c, suspend
			t.Run(fmt.Sprintf("%s suspend=%v", c.pm, suspend), func(t *testing.T) {
				l := newPMLayer(t, env, c.pm, env.NPMPackage(t, c.pkg), c.cli)
				inspect, appPort := harness.FreePort(t), harness.FreePort(t)
				home := t.TempDir()
				cmd := exec.Command(filepath.Join(l.dir, "wrap", c.pm), fmt.Sprintf("--inspect=0.0.0.0:%d", inspectorDefaultPort), "start")
				cmd.Dir = l.app
				cmd.Env = []string{
					"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home,
					fmt.Sprintf("PORT=%d", appPort),
					"BPL_DEBUG_ENABLED=true", "BPL_DEBUG_BIND=127.0.0.1", fmt.Sprintf("BPL_DEBUG_PORT=%d", inspect),
					fmt.Sprintf("BPL_DEBUG_SUSPEND=%v", suspend),
					// what Paketo node-engine's exec.d inspector appends
					"NODE_OPTIONS=--use-openssl-ca --inspect",
					"COREPACK_ENABLE_STRICT=0", "npm_config_update_notifier=false",
				}
				var out strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &out
				cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					_ = cmd.Wait()
				})
				url := fmt.Sprintf("http://127.0.0.1:%d/probe", appPort)
				line := harness.LineOf(t, l.script, "BREAKPOINT node-http")
				const want = "hello from node-http path=/probe"
				if suspend {
					// the app waits for the debugger: no HTTP port yet
					time.Sleep(1500 * time.Millisecond)
					if err := waitTCP(url, 200*time.Millisecond); err == nil {
						t.Fatalf("the app answers before a debugger attached; output:\n%s", out.String())
					}
				}
				// exactly one target, the app's server.js (cdpHitBreakpoint
				// checks it), on our port; nothing on the foreign 9229
				start := cdpRunning
				if suspend {
					start = cdpWaiting
				}
				got := cdpHitBreakpoint(t, fmt.Sprintf("127.0.0.1:%d", inspect), l.script, line, url, want, start)
				t.Log(got)
				if strings.Contains(out.String(), "address already in use") {
					t.Errorf("a second inspector fought for a port:\n%s", out.String())
				}
				if !strings.Contains(out.String(), "dropped '--inspect' from NODE_OPTIONS") {
					t.Errorf("no line about the foreign --inspect:\n%s", out.String())
				}
			})
		}
	}
}
