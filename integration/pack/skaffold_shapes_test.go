// Skaffold's own `skaffold debug` transform judges the processes the debug
// buildpack rewrites from real shapes (issue 12 item 9): a Procfile line
// behind `bash -c` with a $PORT word must still read as python or node, with
// the process left alone and the right port; a shape Skaffold cannot see
// through (node behind tini) must at least be left alone.
package pack

import (
	"testing"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

func TestSkaffoldOnRewrittenShapes(t *testing.T) {
	env := harness.Require(t)
	platformCheck(t) // fail fast, before the builds
	procfile := func(line string) func(*harness.Workspace) {
		return func(ws *harness.Workspace) { ws.WriteAppFile("Procfile", "web: "+line+"\n", 0o644) }
	}
	pyPort, _ := lifecycleImage(t, env, "heroku bash -c python $PORT", "python-http",
		procfile("exec python server.py --port $PORT"), "paketo-cpython", "paketo-python-start", "heroku-procfile")
	nodePort, _ := lifecycleImage(t, env, "heroku bash -c node ${PORT:-8080}", "node-http",
		procfile("node server.js --port=${PORT:-8080}"), "paketo-node-engine", "paketo-node-start", "heroku-procfile")
	tini, _ := lifecycleImage(t, env, "node-start under tini", "node-http",
		func(ws *harness.Workspace) { ws.SetPlatformEnv("BP_LAUNCH_WITH_TINI", "true") },
		"paketo-node-engine", "paketo-tini", "paketo-node-start")

	verdicts := skaffoldVerdicts(t, []skaffoldCase{pyPort, nodePort, tini})
	checkUntouched(t, verdicts[0], "python", map[string]uint32{"dap": 5678})
	checkUntouched(t, verdicts[1], "nodejs", map[string]uint32{"devtools": 9229})
	// Skaffold sees only argv[0] (tini): no runtime, so it must not rewrite
	// the process either; the labels still name the port (README).
	if v := verdicts[2]; v.Runtime != "" || len(v.Command) != 0 || len(v.Args) != 0 {
		t.Errorf("tini: skaffold verdict %+v, want no runtime and the process left alone", v)
	}
}
