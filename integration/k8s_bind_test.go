// The loopback default on Kubernetes (issue 14 item 2), proven in a network
// namespace the test makes (unshare --net) with a second address on lo
// standing in for the pod IP: with KUBERNETES_SERVICE_HOST set the real
// node inspector, started through the launch wrapper from a build-time
// 0.0.0.0, answers on 127.0.0.1 (where kubectl port-forward connects) and
// not on the pod address; without it, or with BPL_DEBUG_BIND=0.0.0.0, on both.
package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

// Runs inside the namespace: start the wrapper, wait for the inspector on
// loopback, then try the pod address; prints "loopback=yes|no pod=yes|no".
const k8sBindScript = `
set -u
ip link set lo up
ip addr add 10.77.0.9/32 dev lo
"$WRAP" --inspect=0.0.0.0:9229 "$APP/server.js" >"$LOG" 2>&1 &
pid=$!
probe() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/9229" 2>/dev/null && echo yes || echo no; }
lo=no
for i in $(seq 1 100); do
  lo=$(probe 127.0.0.1); [ "$lo" = yes ] && break
  pod=$(probe 10.77.0.9); [ "$pod" = yes ] && break
  sleep 0.1
done
echo "loopback=$(probe 127.0.0.1) pod=$(probe 10.77.0.9)"
kill $pid; wait $pid 2>/dev/null
cat "$LOG"
`

func TestK8sLoopbackBind(t *testing.T) {
	env := harness.Require(t)
	if err := exec.Command("unshare", "--net", "true").Run(); err != nil {
		t.Skipf("cannot make a network namespace: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	root := t.TempDir()
	layer := filepath.Join(root, "debug-tools")
	for _, d := range []string{"wrap", "real"} {
		if err := os.MkdirAll(filepath.Join(layer, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(env.Repo, "bin", "debug-launch"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(layer, "wrap", "debug-launch"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("debug-launch", filepath.Join(layer, "wrap", "node")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(node, filepath.Join(layer, "real", "node")); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(env.Repo, "integration", "testdata", "apps", "node-http")

	cases := []struct {
		name      string
		env       []string
		want      string
		logSubstr string
	}{
		{"kubernetes", []string{"KUBERNETES_SERVICE_HOST=10.96.0.1"}, "loopback=yes pod=no", "loopback because this runs on Kubernetes"},
		{"not kubernetes", nil, "loopback=yes pod=yes", "0.0.0.0:9229"},
		{"kubernetes, BPL_DEBUG_BIND=0.0.0.0", []string{"KUBERNETES_SERVICE_HOST=10.96.0.1", "BPL_DEBUG_BIND=0.0.0.0"}, "loopback=yes pod=yes", "0.0.0.0:9229"},
		{"kubernetes, explicit build-time bind", []string{"KUBERNETES_SERVICE_HOST=10.96.0.1", "CNB_DEBUG_BIND_EXPLICIT=true"}, "loopback=yes pod=yes", "0.0.0.0:9229"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command("unshare", "--net", "bash", "-c", k8sBindScript)
			cmd.Env = append([]string{
				"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
				"WRAP=" + filepath.Join(layer, "wrap", "node"),
				"APP=" + app, "LOG=" + filepath.Join(t.TempDir(), "log"), "PORT=8080",
			}, c.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Fatalf("want %q; got:\n%s", c.want, out)
			}
			if !strings.Contains(string(out), c.logSubstr) {
				t.Errorf("the wrapper's line lacks %q:\n%s", c.logSubstr, out)
			}
			t.Logf("%s: %s", c.name, strings.SplitN(string(out), "\n", 2)[0])
		})
	}
}
