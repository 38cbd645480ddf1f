// Helpers for the sample apps: compile them with the host's toolchains
// (what a language buildpack would do in the build), find a marked source
// line, pick a free port and wait for an HTTP answer.
package harness

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// GoBinDir is where fixture Go buildpacks (paketo-go-build, heroku-go) take
// the binaries from, relative to the app dir.
const GoBinDir = ".fixture-go-bin"

// PaketoGoFlags are the flags Paketo's go-build adds unless the user sets
// them (go_build_process.go): a PIE with module-relative file paths.
var PaketoGoFlags = []string{"-buildmode=pie", "-trimpath"}

// GoBuild compiles Go packages of the app (e.g. ".", "./cmd/hello") with the
// host's go into <app>/.fixture-go-bin, where the Go fixtures pick them up.
// flags nil means PaketoGoFlags.
func (w *Workspace) GoBuild(flags []string, packages ...string) {
	w.t.Helper()
	if flags == nil {
		flags = PaketoGoFlags
	}
	out := filepath.Join(w.App, GoBinDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		w.t.Fatal(err)
	}
	args := append(append([]string{"build", "-o", out + "/"}, flags...), packages...)
	cmd := exec.Command("go", args...)
	cmd.Dir = w.App
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Javac compiles the app's Java sources (paths relative to the app dir) into
// the app dir with full debug info, as an exploded JAR.
func (w *Workspace) Javac(sources ...string) {
	w.t.Helper()
	args := append([]string{"-g", "-d", w.App}, sources...)
	cmd := exec.Command("javac", args...)
	cmd.Dir = w.App
	// JAVA_TOOL_OPTIONS from the test's env would reach javac too.
	cmd.Env = append(os.Environ(), "JAVA_TOOL_OPTIONS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("javac %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// LineOf returns the 1-based line of the first line in file containing
// marker (the sample apps mark breakpoint lines with "BREAKPOINT <app>").
func LineOf(t testing.TB, file, marker string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		if strings.Contains(scanner.Text(), marker) {
			return n
		}
	}
	t.Fatalf("%s: no line contains %q", file, marker)
	return 0
}

// FreePort returns a TCP port free on 127.0.0.1 right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitHTTP polls url until it answers 200 and returns the body. It stops
// early when the process (optional) exits.
func WaitHTTP(url string, timeout time.Duration, p *RunningProcess) (string, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && readErr == nil {
				return string(body), nil
			}
			lastErr = fmt.Errorf("status %s, read error %v", resp.Status, readErr)
		} else {
			lastErr = err
		}
		if p != nil && p.Exited() {
			return "", fmt.Errorf("GET %s: process %s exited; output:\n%s", url, p.Type, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p != nil {
		return "", fmt.Errorf("GET %s: no answer within %s (last: %v); output:\n%s", url, timeout, lastErr, p.Output())
	}
	return "", fmt.Errorf("GET %s: no answer within %s (last: %v)", url, timeout, lastErr)
}
