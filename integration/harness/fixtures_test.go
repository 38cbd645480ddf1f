// The fixtures' exec.d helpers as the harness stages them, run the way the
// launcher runs exec.d (env in, TOML out on fd 3), against what upstream's
// own code does: node-engine's inspector (its run_test.go cases) and
// libjvm's real debug-9.
package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// runExecD runs an exec.d program with env and decodes what it wrote on fd 3.
func runExecD(t *testing.T, path string, env []string) (map[string]string, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(path)
	cmd.Env = env
	cmd.ExtraFiles = []*os.File{w} // fd 3
	out, err := cmd.CombinedOutput()
	w.Close()
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, out)
	}
	vars := map[string]string{}
	if _, err := toml.NewDecoder(r).Decode(&vars); err != nil {
		t.Fatalf("%s: fd 3 is not TOML: %v", path, err)
	}
	return vars, string(out)
}

func TestFixtureNodeInspectorAsUpstream(t *testing.T) {
	env := Require(t)
	bp := env.Fixture(t, "paketo-node-engine")
	inspector := filepath.Join(bp.Dir, "bin", "inspector")
	// node-engine cmd/inspector/internal/run_test.go's cases.
	cases := []struct {
		name string
		env  []string
		want map[string]string
	}{
		{"disabled", nil, map[string]string{}},
		{"enabled, no port", []string{"BPL_DEBUG_ENABLED=true"}, map[string]string{"NODE_OPTIONS": "--inspect"}},
		{"enabled with port", []string{"BPL_DEBUG_ENABLED=true", "BPL_DEBUG_PORT=9000"}, map[string]string{"NODE_OPTIONS": "--inspect=127.0.0.1:9000"}},
		{"appends to NODE_OPTIONS", []string{"BPL_DEBUG_ENABLED=true", "BPL_DEBUG_PORT=9000", "NODE_OPTIONS=--use-openssl-ca"},
			map[string]string{"NODE_OPTIONS": "--use-openssl-ca --inspect=127.0.0.1:9000"}},
		{"keeps an --inspect already there", []string{"BPL_DEBUG_ENABLED=true", "NODE_OPTIONS=--inspect=0.0.0.0:9229"}, map[string]string{}},
	}
	for _, c := range cases {
		got, _ := runExecD(t, inspector, c.env)
		if len(got) != len(c.want) || got["NODE_OPTIONS"] != c.want["NODE_OPTIONS"] {
			t.Errorf("%s: inspector wrote %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFixtureLibjvmDebug9IsTheRealHelper(t *testing.T) {
	env := Require(t)
	bp := env.Fixture(t, "paketo-bellsoft-liberica")
	helper := filepath.Join(bp.Dir, "bin", "helper")
	// libpak's sherpa.Helpers dispatches on the name it is run as: exec.d
	// links it as debug-9.
	link := filepath.Join(t.TempDir(), "debug-9")
	if err := os.Symlink(helper, link); err != nil {
		t.Fatal(err)
	}
	got, out := runExecD(t, link, []string{"BPL_DEBUG_ENABLED=true", "JAVA_TOOL_OPTIONS=-Xss1M"})
	opts := got["JAVA_TOOL_OPTIONS"]
	// libjvm v1.46.0 helper/debug_9.go: port 8000 by default, host * or
	// 0.0.0.0 (no IPv6), suspend=n, appended after the existing options.
	if !strings.HasPrefix(opts, "-Xss1M -agentlib:jdwp=transport=dt_socket,server=y,address=") ||
		!strings.HasSuffix(opts, ":8000,suspend=n") {
		t.Errorf("debug-9 set JAVA_TOOL_OPTIONS=%q (output %q)", opts, out)
	}
	if !strings.Contains(out, "Debugging enabled on address") {
		t.Errorf("debug-9 printed %q, want libjvm's 'Debugging enabled on address' line", out)
	}
	if got, _ := runExecD(t, link, []string{"JAVA_TOOL_OPTIONS=-Xss1M"}); len(got) != 0 {
		t.Errorf("debug-9 without BPL_DEBUG_ENABLED wrote %v", got)
	}
}
