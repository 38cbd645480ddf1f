// Runs a built app's process through the real launcher on the host, as the
// build user with a minimal environment, the way a container would start it.
package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// LaunchOptions tune one launch.
type LaunchOptions struct {
	// Args are user args after the process type (docker run IMAGE ARGS...).
	Args []string
	// Env is added to the minimal environment, e.g. PORT, BPL_DEBUG_ENABLED.
	Env map[string]string
	// Stdin feeds the process; nil means /dev/null.
	Stdin io.Reader
}

// RunningProcess is a launched app. Its process group is killed when the
// test ends, which also takes down children (debug adapters, npm's node).
type RunningProcess struct {
	Type string // the process type, or "launcher" for LaunchCommand
	Argv []string
	cmd  *exec.Cmd
	// token marks the environment of everything this launch starts, so
	// processes that leave the tree (debugpy's adapter daemonizes) are
	// still found, inspected and killed.
	token string

	mu       sync.Mutex
	stdout   bytes.Buffer
	stderr   bytes.Buffer
	output   bytes.Buffer
	done     chan struct{}
	exitCode int
	waitErr  error
}

// LaunchTokenEnv is set, uniquely per launch, in the environment of a
// launched process; everything it starts inherits it.
const LaunchTokenEnv = "CNBDEBUG_HARNESS_LAUNCH"

var launchSeq atomic.Int64

// LaunchEnv is the minimal environment of a launched process: what the
// exporter puts in the image config, with the host's layers and app dirs.
func (w *Workspace) LaunchEnv(extra map[string]string) []string {
	env := map[string]string{
		"PATH":             "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME":             w.Home,
		"CNB_PLATFORM_API": PlatformAPI,
		"CNB_APP_DIR":      w.App,
		"CNB_LAYERS_DIR":   w.Layers,
	}
	for k, v := range extra {
		env[k] = v
	}
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// Launch starts the process type through the lifecycle's launcher: a symlink
// named after the type, which is how the launcher picks the process
// (/cnb/process/<type> in an image). It runs as the build user.
func (w *Workspace) Launch(processType string, opts LaunchOptions) *RunningProcess {
	w.t.Helper()
	dir := filepath.Join(w.Root, "process")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		w.t.Fatal(err)
	}
	link := filepath.Join(dir, processType)
	if _, err := os.Lstat(link); os.IsNotExist(err) {
		if err := os.Symlink(w.env.Launcher(), link); err != nil {
			w.t.Fatal(err)
		}
	}
	return w.start(processType, link, opts)
}

// LaunchCommand runs a command of the user's through the launcher, in the
// app's environment (layer env, PATH with every layer's bin/), as
// `docker run --entrypoint launcher IMAGE ARGV...` does. A first element
// "--" makes it direct (exec'd), otherwise bash runs it with the profile.
// opts.Args is ignored.
func (w *Workspace) LaunchCommand(argv []string, opts LaunchOptions) *RunningProcess {
	w.t.Helper()
	opts.Args = argv
	return w.start("launcher", w.env.Launcher(), opts)
}

func (w *Workspace) start(name, launcher string, opts LaunchOptions) *RunningProcess {
	w.t.Helper()
	if err := w.chownForBuild(); err != nil {
		w.t.Fatalf("launch %s: %v", name, err)
	}
	argv := append([]string{"setpriv", fmt.Sprintf("--reuid=%d", BuildUID), fmt.Sprintf("--regid=%d", BuildGID), "--clear-groups", "--", launcher}, opts.Args...)
	token := fmt.Sprintf("%s#%d", w.Root, launchSeq.Add(1))
	p := &RunningProcess{Type: name, Argv: argv, done: make(chan struct{}), token: token}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	env := map[string]string{LaunchTokenEnv: token}
	for k, v := range opts.Env {
		env[k] = v
	}
	p.cmd.Env = w.LaunchEnv(env)
	p.cmd.Dir = w.App
	p.cmd.Stdin = opts.Stdin
	p.cmd.Stdout = &processWriter{p: p, own: &p.stdout}
	p.cmd.Stderr = &processWriter{p: p, own: &p.stderr}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		w.t.Fatalf("launch %s: %v", name, err)
	}
	go func() {
		err := p.cmd.Wait()
		p.mu.Lock()
		var exitErr *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exitErr):
			p.exitCode = exitErr.ExitCode()
		default:
			p.exitCode, p.waitErr = -1, err
		}
		p.mu.Unlock()
		close(p.done)
	}()
	w.t.Cleanup(func() {
		p.Kill()
		if w.t.Failed() {
			w.t.Logf("process %s output:\n%s", name, p.Output())
		}
	})
	return p
}

// LaunchDefault launches the default process type (the one the image's
// entrypoint names).
func (w *Workspace) LaunchDefault(opts LaunchOptions) *RunningProcess {
	w.t.Helper()
	md := w.Metadata()
	if md.BuildpackDefaultProcessType == "" {
		w.t.Fatalf("metadata.toml has no default process type")
	}
	return w.Launch(md.BuildpackDefaultProcessType, opts)
}

type processWriter struct {
	p   *RunningProcess
	own *bytes.Buffer
}

func (pw *processWriter) Write(b []byte) (int, error) {
	pw.p.mu.Lock()
	defer pw.p.mu.Unlock()
	pw.own.Write(b)
	pw.p.output.Write(b)
	return len(b), nil
}

// Pid is the launcher's pid, which becomes the app's (the launcher execs).
func (p *RunningProcess) Pid() int { return p.cmd.Process.Pid }

// Stdout so far.
func (p *RunningProcess) Stdout() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stdout.String() }

// Stderr so far.
func (p *RunningProcess) Stderr() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stderr.String() }

// Output is stdout and stderr interleaved, so far.
func (p *RunningProcess) Output() string { p.mu.Lock(); defer p.mu.Unlock(); return p.output.String() }

// Exited reports whether the process has ended.
func (p *RunningProcess) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the process to exit and returns its exit code.
func (p *RunningProcess) Wait(timeout time.Duration) (int, error) {
	if !p.Exited() {
		select {
		case <-p.done:
		case <-time.After(timeout):
			return 0, fmt.Errorf("process %s still running after %s; output:\n%s", p.Type, timeout, p.Output())
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitCode, p.waitErr
}

// WaitForOutput waits until the output matches pattern (a regexp), and
// returns the first match. It gives up early if the process exits.
func (p *RunningProcess) WaitForOutput(pattern string, timeout time.Duration) (string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindString(p.Output()); m != "" {
			return m, nil
		}
		if p.Exited() {
			// One more look: the last write may have raced with the exit.
			if m := re.FindString(p.Output()); m != "" {
				return m, nil
			}
			code, _ := p.Wait(0)
			return "", fmt.Errorf("process %s exited (code %d) before printing %q; output:\n%s", p.Type, code, pattern, p.Output())
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("process %s did not print %q within %s; output:\n%s", p.Type, pattern, timeout, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Signal sends sig to the process group.
func (p *RunningProcess) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return nil
	}
	return syscall.Kill(-p.cmd.Process.Pid, sig)
}

// Kill kills the process group, and every other process of the launch
// (Processes: dlv's debuggee in its own group, a daemonized debug adapter),
// then waits for the process to be reaped.
func (p *RunningProcess) Kill() {
	tree := p.Processes()
	if !p.Exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	for _, pid := range tree {
		if pid != p.cmd.Process.Pid {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// String describes the process for logs.
func (p *RunningProcess) String() string { return p.Type + " (" + strings.Join(p.Argv, " ") + ")" }
