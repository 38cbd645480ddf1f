// tools/ide-config, end to end: it reads the exported image (OCI layout)
// of a real lifecycle build, and the VS Code entry it prints is used as an
// IDE would use it: a breakpoint set on a LOCAL checkout's path, translated
// by the entry's substitutePath (Delve rpc2) or pathMappings (debugpy over
// DAP, go-dap), stops in the running image's process.
package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// ideConfig runs tools/ide-config on the built image's OCI layout.
func ideConfig(t *testing.T, b *builtApp) map[string]json.RawMessage {
	t.Helper()
	cmd := exec.Command("python3", filepath.Join(b.ws.Env().Repo, "tools", "ide-config"), b.ws.ImagePath())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tools/ide-config %s: %v\n%s", b.ws.ImagePath(), err, stderr.String())
	}
	t.Logf("tools/ide-config printed:\n%s%s", out, stderr.String())
	var all map[string]json.RawMessage
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatalf("tools/ide-config output is not JSON: %v", err)
	}
	return all
}

// vscodeEntry is the launch.json configuration named for processType.
func vscodeEntry(t *testing.T, all map[string]json.RawMessage, processType string) map[string]any {
	t.Helper()
	var launch struct {
		Version        string           `json:"version"`
		Configurations []map[string]any `json:"configurations"`
	}
	if err := json.Unmarshal(all["vscode"], &launch); err != nil || launch.Version != "0.2.0" {
		t.Fatalf("vscode part %s: %v", all["vscode"], err)
	}
	for _, c := range launch.Configurations {
		if name, _ := c["name"].(string); strings.HasPrefix(name, "Attach to "+processType+" (") {
			return c
		}
	}
	t.Fatalf("no VS Code configuration for %s in %+v", processType, launch.Configurations)
	return nil
}

// checkout copies the app's source to a local directory elsewhere, as a
// developer's clone: only the mappings can tie its paths to the image's.
func checkout(t *testing.T, b *builtApp) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "my-checkout")
	if err := os.CopyFS(dir, os.DirFS(b.ws.App)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// workspaceFolder substitutes VS Code's ${workspaceFolder} as VS Code does
// before handing the configuration to the debugger.
func workspaceFolder(v any, folder string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "${workspaceFolder}", folder)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = workspaceFolder(x[i], folder)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = workspaceFolder(e, folder)
		}
		return out
	}
	return v
}

func labelHasSource(t *testing.T, b *builtApp, processType string) bool {
	t.Helper()
	cfg, err := b.img.DebugConfig()
	if err != nil {
		t.Fatal(err)
	}
	var entry map[string]json.RawMessage
	if err := json.Unmarshal(cfg[processType], &entry); err != nil {
		t.Fatal(err)
	}
	_, ok := entry["source"]
	return ok
}

// dlvBreakLocal sets a breakpoint on the local file:line through the VS
// Code entry's substitutePath and drives a request into it.
func dlvBreakLocal(t *testing.T, b *builtApp, entry map[string]any, local, processType string, line int, want string) {
	t.Helper()
	if entry["type"] != "go" || entry["request"] != "attach" || entry["mode"] != "remote" {
		t.Fatalf("entry %v is not a dlv remote attach", entry)
	}
	folder := filepath.Dir(local)
	port := int(entry["port"].(float64))
	lockPort(t, port)
	l := b.launch(t, processType, nil)
	l.waitListener(t, port)
	l.waitHTTP(t, want)
	d := dialDlv(t, fmt.Sprintf("%s:%d", entry["host"], port))
	// VS Code's substitutePath is {from: local, to: remote}; Delve's rules
	// are [remote, local] (what the Go extension hands it).
	var rules [][2]string
	for _, r := range workspaceFolder(entry["substitutePath"], folder).([]any) {
		m := r.(map[string]any)
		rules = append(rules, [2]string{m["to"].(string), m["from"].(string)})
	}
	bp := dlvBreakThroughRules(t, d, local, line, rules)
	th, body := dlvStopAndLeave(t, d, bp, l.url, "", line, want)
	t.Logf("local %s:%d via substitutePath %v: dlv stopped at %s:%d; answered %s", local, line, rules, th.File, th.Line, body)
}

func TestIDEConfigGo(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	// Built without -trimpath: DWARF holds the build's absolute paths, the
	// app dir, which is the label's workingDir (the fallback's remote root).
	b := buildDebugApp(t, env, debugApp{app: "go-http", fixtures: []string{"paketo-go-build"}, prepare: goDebugBinaries})
	all := ideConfig(t, b)
	entry := vscodeEntry(t, all, "go-http")
	if got := workspaceFolder(entry["substitutePath"], "L"); fmt.Sprint(got) != fmt.Sprint([]any{map[string]any{"from": "L", "to": b.ws.App}}) {
		t.Errorf("substitutePath = %v, want [{from: ${workspaceFolder}, to: %s}]", entry["substitutePath"], b.ws.App)
	}
	var goland []map[string]any
	if err := json.Unmarshal(all["goland"], &goland); err != nil || len(goland) != 1 || goland[0]["type"] != "Go Remote" {
		t.Errorf("goland part %s (%v)", all["goland"], err)
	}
	// A subtest, so its launch (and the port lock) ends before the next.
	t.Run("no -trimpath", func(t *testing.T) {
		local := filepath.Join(checkout(t, b), "main.go")
		dlvBreakLocal(t, b, entry, local, "go-http", harness.LineOf(t, local, "BREAKPOINT go-http"), "hello from go-http")
	})

	t.Run("trimpath, with the label's source field", func(t *testing.T) {
		if !labelHasSource(t, b, "go-http") {
			t.Skip("the dev.cnbdebug.debug.config entries have no \"source\" field yet (helper contract adds it); the workingDir fallback ran in \"no -trimpath\"")
		}
		tb := buildDebugApp(t, env, debugApp{app: "go-http", fixtures: []string{"paketo-go-build"},
			prepare: func(ws *harness.Workspace) {
				ws.GoBuild([]string{"-buildmode=pie", "-trimpath", "-gcflags=all=-N -l"}, ".", "./cmd/hello")
			}})
		e := vscodeEntry(t, ideConfig(t, tb), "go-http")
		if got := fmt.Sprint(e["substitutePath"]); !strings.Contains(got, "to:example.com/go-http") {
			t.Errorf("substitutePath = %s, want ${workspaceFolder} -> example.com/go-http (the module)", got)
		}
		tlocal := filepath.Join(checkout(t, tb), "main.go")
		dlvBreakLocal(t, tb, e, tlocal, "go-http", harness.LineOf(t, tlocal, "BREAKPOINT go-http"), "hello from go-http")
	})
}

func TestIDEConfigPython(t *testing.T) {
	t.Parallel()
	env := harness.Require(t)
	b := buildDebugApp(t, env, debugApp{app: "python-http", fixtures: []string{"paketo-cpython", "paketo-procfile"}})
	all := ideConfig(t, b)
	entry := vscodeEntry(t, all, "web")
	if entry["type"] != "debugpy" || entry["request"] != "attach" {
		t.Fatalf("entry %v is not a debugpy attach", entry)
	}
	if labelHasSource(t, b, "web") {
		t.Log("the label carries the source field")
	}
	var pycharm []map[string]any
	if err := json.Unmarshal(all["pycharm"], &pycharm); err != nil || len(pycharm) != 1 {
		t.Errorf("pycharm part %s (%v)", all["pycharm"], err)
	}
	folder := checkout(t, b)
	local := filepath.Join(folder, "server.py")
	line := harness.LineOf(t, local, "BREAKPOINT python-http")
	connect := entry["connect"].(map[string]any)
	port := int(connect["port"].(float64))
	lockPort(t, port)
	l := b.launch(t, "web", nil)
	l.waitListener(t, port)
	const want = "hello from python-http"
	l.waitHTTP(t, want)

	// The attach request carries the entry as VS Code sends it.
	args, err := json.Marshal(workspaceFolder(entry, folder))
	if err != nil {
		t.Fatal(err)
	}
	s := dapAttachAs(t, fmt.Sprintf("%s:%d", connect["host"], port), local, line, dapClient{id: "vscode", args: args})

	reply := getAsync(l.url)
	ev := s.event("stopped", 30*time.Second)
	// debugpy maps the remote frame back to the local checkout.
	top, _, body := dapStoppedAt(t, s, ev, reply, local, line, want)
	s.disconnect()
	t.Logf("local %s:%d via pathMappings %v: debugpy stopped at %s:%d; answered %s", local, line,
		entry["pathMappings"], top.Source.Path, top.Line, body)
}
