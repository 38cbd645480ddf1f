// .NET: there is no .NET SDK on this machine and vsdbg's own URI is out of
// reach (its licence forbids repackaging it), so the test builds a stand-in
// vsdbg archive, points the vsdbg entry of a staged buildpack.toml at its
// checksum, and serves it from the loopback mirror under vsdbg's file name.
// The build must install it at the fixed path IDEs use, leave the process
// as dotnet-execute wrote it (vsdbg opens no port) and label it netcore.
package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// vsdbgStandIn prints this when run, so the test can tell it ran.
const vsdbgStandIn = "vsdbg stand-in for the cnbdebug integration tests"

// writeVsdbgStandIn writes a vsdbg-like tar.gz (an executable `vsdbg` at the
// top, as Microsoft's archive has) to dir and returns its path and sha256.
func writeVsdbgStandIn(t *testing.T, dir string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	script := "#!/bin/sh\necho '" + vsdbgStandIn + "' \"$@\"\n"
	for _, f := range []struct {
		name string
		mode int64
		body string
	}{{"vsdbg", 0o755, script}, {"vsdbg.dll", 0o644, "not a real assembly\n"}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "vsdbg-stand-in.tar.gz")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return file, hex.EncodeToString(sum[:])
}

// pointVsdbgAt rewrites the checksum of this arch's vsdbg entry to the
// stand-in's and serves the stand-in under the entry's file name; the
// entry's URI stays Microsoft's, and the mirror replaces its host.
func pointVsdbgAt(t *testing.T, descriptor []byte, srv *harness.DependencyServer) []byte {
	t.Helper()
	var bt struct {
		Metadata struct {
			Dependencies []struct {
				ID       string `toml:"id"`
				Arch     string `toml:"arch"`
				URI      string `toml:"uri"`
				Checksum string `toml:"checksum"`
			} `toml:"dependencies"`
		} `toml:"metadata"`
	}
	if err := toml.Unmarshal(descriptor, &bt); err != nil {
		t.Fatalf("buildpack.toml: %v", err)
	}
	file, sum := writeVsdbgStandIn(t, t.TempDir())
	out := string(descriptor)
	found := false
	for _, d := range bt.Metadata.Dependencies {
		if d.ID != "vsdbg" || d.Arch != runtime.GOARCH {
			continue
		}
		old := strings.TrimPrefix(d.Checksum, "sha256:")
		if len(old) != 64 {
			t.Fatalf("vsdbg %s checksum %q", d.Arch, d.Checksum)
		}
		out = strings.ReplaceAll(out, old, sum)
		srv.AddFile(path.Base(d.URI), file)
		found = true
	}
	if !found {
		t.Fatalf("buildpack.toml has no vsdbg entry for %s", runtime.GOARCH)
	}
	return []byte(out)
}

func TestDebugDotnet(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	b := buildDebugApp(t, env, debugApp{app: "dotnet-app", fixtures: []string{"paketo-dotnet-execute"}, descriptor: pointVsdbgAt})
	t.Logf("debug buildpack log:\n%s", b.log)

	if got := b.srv.Downloaded(); len(got) != 1 || !strings.HasPrefix(got[0], "vsdbg-linux-") {
		t.Errorf("the mirror served %v, want the vsdbg archive\n%s", got, b.srv)
	}
	if !strings.Contains(b.log, "vsdbg") {
		t.Errorf("the build log does not mention vsdbg:\n%s", b.log)
	}
	// vsdbg opens no port: no network warning, no BPL_DEBUG_* advice.
	for _, wrong := range []string{"listens on", "BPL_DEBUG_PORT"} {
		if strings.Contains(b.log, wrong) {
			t.Errorf("the build log says %q for a process without a debugger port:\n%s", wrong, b.log)
		}
	}

	// vsdbg at the fixed path IDEs run over docker/kubectl exec.
	vsdbg := b.layerPath("vsdbg/vsdbg")
	info, err := os.Stat(vsdbg)
	if err != nil || info.Mode()&0o111 == 0 {
		t.Fatalf("%s: %v (mode %v), want an executable", vsdbg, err, info)
	}
	out, err := exec.Command(vsdbg, "--interpreter=vscode").CombinedOutput()
	if err != nil || !strings.Contains(string(out), vsdbgStandIn+" --interpreter=vscode") {
		t.Errorf("running %s: %v\n%s", vsdbg, err, out)
	}

	// The process stays as dotnet-execute wrote it: vsdbg opens no port.
	p, ok := b.md.Process("App")
	wantArgv := "dotnet " + filepath.Join(b.ws.App, "App.dll")
	if !ok || p.BuildpackID != "paketo-buildpacks/dotnet-execute" || strings.Join(p.Argv(), " ") != wantArgv {
		t.Errorf("process App = %+v, want dotnet-execute's %q unchanged", p, wantArgv)
	}

	// Labels of the exported image: netcore, no port, vsdbg's path.
	entry := b.label(t, "App")
	if entry.Runtime != "netcore" || len(entry.Ports) != 0 || entry.Tools["vsdbg"] != vsdbg {
		t.Errorf("label %s[App] = %+v, want runtime netcore, no ports, tools.vsdbg %s", debugConfigLabel, entry, vsdbg)
	}
	for key := range b.portLabels() {
		if strings.HasPrefix(key, "App.") {
			t.Errorf("a port label %s%s for a process with no debugger port", debugPortPrefix, key)
		}
	}
	t.Logf("dotnet: %s; label %+v; vsdbg runs: %s", b.srv, entry, strings.TrimSpace(string(out)))
}
