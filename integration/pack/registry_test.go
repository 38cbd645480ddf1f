// The loopback registry the pack tests start: a second registry on a taken
// port must fail, not pass for ready because the first one answers.
package pack

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

func TestRunRegistryRefusesATakenPort(t *testing.T) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry is not installed (integration/install-deps.sh installs Debian's package)")
	}
	host := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	config := func(name string) string {
		dir := t.TempDir()
		path := filepath.Join(dir, name+".yml")
		body := fmt.Sprintf("version: 0.1\nlog: {level: warn}\nstorage:\n  filesystem: {rootdirectory: %s}\nhttp:\n  addr: %s\n", dir, host)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if err := runRegistry(t, "first registry", exec.Command(bin, "serve", config("first")), host, http.DefaultClient); err != nil {
		t.Fatalf("the first registry: %v", err)
	}
	err = runRegistry(t, "second registry", exec.Command(bin, "serve", config("second")), host, http.DefaultClient)
	if err == nil || !strings.Contains(err.Error(), "second registry on "+host+" exited") {
		t.Fatalf("a second registry on the first one's port: err = %v, want it to have exited", err)
	}
	t.Logf("as wanted: %v", err)
}
