// Runs the lifecycle phases on the host the way a platform does: analyzer,
// detector, restorer, builder and exporter, with the unprivileged ones as the
// build user, exporting to the workspace's OCI layout.
package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Phase is one run of a lifecycle phase.
type Phase struct {
	Name     string
	Args     []string
	ExitCode int
	Stdout   string
	Stderr   string
	Output   string // stdout and stderr interleaved as they arrived
	Duration time.Duration
}

// OK is true when the phase exited 0.
func (p *Phase) OK() bool { return p != nil && p.ExitCode == 0 }

func (p *Phase) String() string {
	return fmt.Sprintf("%s: exit %d in %s", p.Name, p.ExitCode, p.Duration.Round(time.Millisecond))
}

// lockedBuffer collects one stream while also appending to a shared one.
type lockedBuffer struct {
	mu     *sync.Mutex
	own    bytes.Buffer
	shared *bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.own.Write(p)
	b.shared.Write(p)
	return len(p), nil
}

// baseEnv is the whole environment of a phase: a platform passes the
// lifecycle a clean env, and the host's would leak into buildpacks.
func (w *Workspace) baseEnv() []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + w.Home,
		"CNB_PLATFORM_API=" + PlatformAPI,
		"CNB_USE_LAYOUT=true",
		"CNB_LAYOUT_DIR=" + w.Layout,
		"CNB_EXPERIMENTAL_MODE=warn",
	}
	for k, v := range w.PhaseEnv {
		env = append(env, k+"="+v)
	}
	return env
}

// runPhase runs <lifecycle>/<name> args..., as the build user when
// unprivileged (detector and builder refuse to run as root).
func (w *Workspace) runPhase(name string, unprivileged bool, args ...string) *Phase {
	w.t.Helper()
	if err := w.chownForBuild(); err != nil {
		w.t.Fatalf("%s: chown workspace: %v", name, err)
	}
	args = append([]string{"-no-color"}, args...)
	argv := append([]string{w.env.Phase(name)}, args...)
	if unprivileged {
		argv = append([]string{"setpriv", fmt.Sprintf("--reuid=%d", BuildUID), fmt.Sprintf("--regid=%d", BuildGID), "--clear-groups", "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = w.baseEnv()
	cmd.Dir = w.Root
	var mu sync.Mutex
	var combined bytes.Buffer
	stdout := &lockedBuffer{mu: &mu, shared: &combined}
	stderr := &lockedBuffer{mu: &mu, shared: &combined}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err := cmd.Run()
	p := &Phase{Name: name, Args: args, Duration: time.Since(start),
		Stdout: stdout.own.String(), Stderr: stderr.own.String(), Output: combined.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		p.ExitCode = exitErr.ExitCode()
	default:
		w.t.Fatalf("%s: %v", name, err)
	}
	w.t.Logf("%s (%s)", p, w.ImageName)
	return p
}

// LogLevel is passed to the analyzer, restorer and exporter (-log-level);
// the detector and the builder always run at debug, see Detect and RunBuilder.
var LogLevel = "info"

// Analyze runs the analyzer: it records the run image and, on a rebuild,
// the previous image's layer metadata in <layers>/analyzed.toml.
func (w *Workspace) Analyze() *Phase {
	w.t.Helper()
	return w.runPhase("analyzer", false, "-log-level", LogLevel,
		"-layers", w.Layers, "-run-image", RunImageName,
		"-uid", strconv.Itoa(BuildUID), "-gid", strconv.Itoa(BuildGID), w.ImageName)
}

// DetectResult is the detector's verdict.
type DetectResult struct {
	*Phase
	// Results maps id@version to pass, skip, fail or err, as the detector
	// reported each buildpack of the group it tried.
	Results map[string]string
	// Outputs maps id@version to what its bin/detect printed.
	Outputs map[string]string
	// Group is <layers>/group.toml when detection passed.
	Group []GroupEntry
}

// Status is the detector's result for bp: pass, skip, fail, err, or "" when
// the detector did not report it.
func (d *DetectResult) Status(bp Buildpack) string { return d.Results[bp.String()] }

// InGroup reports whether the buildpack id made it into group.toml.
func (d *DetectResult) InGroup(id string) bool {
	for _, g := range d.Group {
		if g.ID == id {
			return true
		}
	}
	return false
}

var (
	detectResultRE = regexp.MustCompile(`^(pass|skip|fail|err):\s+(\S+@\S+)`)
	detectOutputRE = regexp.MustCompile(`^======== Output: (\S+@\S+) ========$`)
	detectHeaderRE = regexp.MustCompile(`^======== .* ========$`)
)

// Detect runs the detector at debug level and parses its report.
func (w *Workspace) Detect() *DetectResult {
	w.t.Helper()
	p := w.runPhase("detector", true, "-log-level", "debug",
		"-app", w.App, "-layers", w.Layers, "-buildpacks", w.Buildpacks,
		"-order", w.OrderPath, "-platform", w.Platform)
	d := &DetectResult{Phase: p}
	d.Results, d.Outputs = parseDetectOutput(p.Output)
	if p.OK() {
		group, err := w.ReadGroup()
		if err != nil {
			w.t.Fatalf("detector passed but: %v", err)
		}
		d.Group = group
	}
	return d
}

// parseDetectOutput reads the detector's debug log: "======== Output: X ========"
// sections and the "pass|skip|fail|err: X" lines after "======== Results ========".
func parseDetectOutput(output string) (results, outputs map[string]string) {
	results, outputs = map[string]string{}, map[string]string{}
	current := ""
	scanner := bufio.NewScanner(strings.NewReader(output))
	scanner.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for scanner.Scan() {
		line := scanner.Text()
		if m := detectOutputRE.FindStringSubmatch(line); m != nil {
			current = m[1]
			continue
		}
		if detectHeaderRE.MatchString(line) {
			current = ""
			continue
		}
		if m := detectResultRE.FindStringSubmatch(line); m != nil && current == "" {
			results[m[2]] = m[1]
			continue
		}
		if current != "" {
			outputs[current] += line + "\n"
		}
	}
	return results, outputs
}

// Restore runs the restorer: layer metadata from the previous image and
// cached layers from the cache dir.
func (w *Workspace) Restore() *Phase {
	w.t.Helper()
	return w.runPhase("restorer", false, "-log-level", LogLevel,
		"-layers", w.Layers, "-cache-dir", w.Cache,
		"-uid", strconv.Itoa(BuildUID), "-gid", strconv.Itoa(BuildGID))
}

// RunBuilder runs the builder: every buildpack of group.toml in order. It
// runs at debug level, whose markers let BuildpackOutput cut out one
// buildpack's log.
func (w *Workspace) RunBuilder() *Phase {
	w.t.Helper()
	return w.runPhase("builder", true, "-log-level", "debug",
		"-app", w.App, "-layers", w.Layers, "-buildpacks", w.Buildpacks, "-platform", w.Platform)
}

// Export runs the exporter into the layout, with the real launcher.
func (w *Workspace) Export() *Phase {
	w.t.Helper()
	sbom := filepath.Join(w.Root, "launcher-sbom")
	if err := os.MkdirAll(sbom, 0o755); err != nil {
		w.t.Fatal(err)
	}
	return w.runPhase("exporter", false, "-log-level", LogLevel,
		"-app", w.App, "-layers", w.Layers, "-cache-dir", w.Cache,
		"-uid", strconv.Itoa(BuildUID), "-gid", strconv.Itoa(BuildGID),
		"-launcher", w.env.Launcher(), "-launcher-sbom", sbom, w.ImageName)
}

// BuildResult is one build: the phases that ran, in order, up to the first
// that failed.
type BuildResult struct {
	Phases []*Phase
	Detect *DetectResult
}

// Phase returns the named phase, or nil when it did not run.
func (r *BuildResult) Phase(name string) *Phase {
	for _, p := range r.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Builder is the builder phase (nil when detection failed).
func (r *BuildResult) Builder() *Phase { return r.Phase("builder") }

// Failed is the phase that failed, or nil.
func (r *BuildResult) Failed() *Phase {
	for _, p := range r.Phases {
		if !p.OK() {
			return p
		}
	}
	return nil
}

// OK is true when every phase ran and passed.
func (r *BuildResult) OK() bool { return len(r.Phases) == 5 && r.Failed() == nil }

// Summary is one line per phase, for logs.
func (r *BuildResult) Summary() string {
	var lines []string
	for _, p := range r.Phases {
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

// Build runs analyzer, detector, restorer, builder and exporter, stopping at
// the first failure. Phase failures are returned, not fatal: tests assert on
// them. Use MustBuild when the build has to succeed.
func (w *Workspace) Build() *BuildResult {
	w.t.Helper()
	r := &BuildResult{}
	steps := []func() *Phase{
		w.Analyze,
		func() *Phase { w.t.Helper(); r.Detect = w.Detect(); return r.Detect.Phase },
		w.Restore,
		w.RunBuilder,
		w.Export,
	}
	for _, step := range steps {
		p := step()
		r.Phases = append(r.Phases, p)
		if !p.OK() {
			break
		}
	}
	return r
}

// MustBuild is Build that fails the test, showing the failed phase's output,
// unless every phase passed.
func (w *Workspace) MustBuild() *BuildResult {
	w.t.Helper()
	r := w.Build()
	if p := r.Failed(); p != nil {
		w.t.Fatalf("build of %s failed in %s\n%s\n--- %s output ---\n%s", w.ImageName, p, r.Summary(), p.Name, p.Output)
	}
	return r
}

// Rebuild empties the layers dir and builds again against the previous image
// and the cache dir, as a platform does for the next build of the same app.
func (w *Workspace) Rebuild() *BuildResult {
	w.t.Helper()
	w.Reset()
	return w.Build()
}

// The builder's debug markers around one buildpack's bin/build (lifecycle
// v0.21.0 buildpack/build.go and phase/builder.go).
var (
	builderStartRE = regexp.MustCompile(`^Running build for buildpack (\S+@\S+)$`)
	builderCmdRE   = regexp.MustCompile(`^Running build command$`)
	builderEndRE   = regexp.MustCompile(`^(Processing layers|Finished running build for buildpack \S+|Timer: Builder ran for .*|ERROR: .*)$`)
)

// BuildpackOutput is what bp's bin/build printed (stdout and stderr), cut
// out of the builder's output; "" when it did not run.
func (p *Phase) BuildpackOutput(bp Buildpack) string {
	var out strings.Builder
	inBuildpack, inCommand := false, false
	for _, line := range strings.Split(p.Output, "\n") {
		if m := builderStartRE.FindStringSubmatch(line); m != nil {
			inBuildpack, inCommand = m[1] == bp.String(), false
			continue
		}
		if !inBuildpack {
			continue
		}
		switch {
		case !inCommand && builderCmdRE.MatchString(line):
			inCommand = true
		case inCommand && builderEndRE.MatchString(line):
			inBuildpack, inCommand = false, false
		case inCommand:
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

var exportedLayerRE = regexp.MustCompile(`^(Adding|Reusing) (cache )?layer '([^']+)'`)

// ExportedLayers maps each layer the exporter wrote ("<buildpack id>:<layer>")
// to "added" or "reused"; cache layers are keyed "cache:<buildpack id>:<layer>".
func (p *Phase) ExportedLayers() map[string]string {
	layers := map[string]string{}
	for _, line := range strings.Split(p.Output, "\n") {
		m := exportedLayerRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := m[3]
		if m[2] != "" {
			key = "cache:" + key
		}
		if m[1] == "Adding" {
			layers[key] = "added"
		} else {
			layers[key] = "reused"
		}
	}
	return layers
}
