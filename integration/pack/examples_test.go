// The examples under examples/ are read by the platforms' own code:
// skaffold.yaml by Skaffold's strict schema parser, the kpack resources by
// kpack's Go types and admission validation, the Kubernetes manifests by
// the Kubernetes API types (testdata/platform-check). The tests then check
// the examples say what the README promises, and that the validators do
// reject a broken file (so a pass means something).
package pack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/cnbdebug/debug-buildpack/integration/harness"
)

func examplesDir(t *testing.T, elem ...string) string {
	t.Helper()
	repo, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{repo, "examples"}, elem...)...)
}

type manifest struct {
	File       string          `json:"file"`
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	Object     json.RawMessage `json:"object"`
	Error      string          `json:"error"`
}

// checkManifests validates files and returns one result per YAML document.
func checkManifests(t *testing.T, files ...string) []manifest {
	t.Helper()
	out, stderr, err := runPlatformCheck(t, "", append([]string{"manifests"}, files...)...)
	if err != nil {
		t.Fatalf("platform-check manifests: %v\n%s", err, stderr)
	}
	var results []manifest
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("platform-check manifests output: %v\n%s", err, out)
	}
	return results
}

func findManifest(t *testing.T, results []manifest, kind string, into any) manifest {
	t.Helper()
	for _, m := range results {
		if m.Kind == kind {
			if err := json.Unmarshal(m.Object, into); err != nil {
				t.Fatalf("%s %s: %v", kind, m.Name, err)
			}
			return m
		}
	}
	t.Fatalf("no %s among %d documents", kind, len(results))
	return manifest{}
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func TestSkaffoldExample(t *testing.T) {
	dir := examplesDir(t, "skaffold")
	out, stderr, err := runPlatformCheck(t, "", "skaffold", filepath.Join(dir, "skaffold.yaml"))
	if err != nil {
		t.Fatalf("Skaffold rejects examples/skaffold/skaffold.yaml: %v\n%s", err, stderr)
	}
	var parsed struct {
		APIVersion string `json:"apiVersion"`
		Latest     string `json:"latest"`
		Configs    []struct {
			Build struct {
				Artifacts []struct {
					ImageName         string `json:"ImageName"`
					Workspace         string `json:"Workspace"`
					BuildpackArtifact *struct {
						Builder      string   `json:"Builder"`
						Env          []string `json:"Env"`
						Buildpacks   []string `json:"Buildpacks"`
						TrustBuilder bool     `json:"TrustBuilder"`
					} `json:"BuildpackArtifact"`
				} `json:"Artifacts"`
			} `json:"Build"`
			Render struct {
				RawK8s []string `json:"RawK8s"`
			} `json:"Render"`
		} `json:"configs"`
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("platform-check skaffold output: %v\n%s", err, out)
	}
	if parsed.APIVersion != parsed.Latest {
		t.Errorf("skaffold.yaml uses %s; Skaffold %s's newest schema is %s", parsed.APIVersion, SkaffoldVersion, parsed.Latest)
	}
	if len(parsed.Configs) != 1 || len(parsed.Configs[0].Build.Artifacts) != 1 {
		t.Fatalf("want one config with one artifact: %s", out)
	}
	cfg := parsed.Configs[0]
	art := cfg.Build.Artifacts[0]
	bp := art.BuildpackArtifact
	if bp == nil {
		t.Fatalf("artifact %s is not built with buildpacks", art.ImageName)
	}
	if !slices.Contains(bp.Env, "BP_DEBUG=true") {
		t.Errorf("buildpacks env = %q, want BP_DEBUG=true", bp.Env)
	}
	// No extra buildpacks: with any, pack runs its five-phase flow, which
	// Skaffold v2.24.0 breaks (UserID/GroupID 0: skaffold#9712). The builder
	// (builder.toml) holds the debug buildpack, optional, last in its group.
	if len(bp.Buildpacks) != 0 || !strings.HasSuffix(bp.Builder, "/cnbdebug/go-debug-builder") {
		t.Errorf("buildpacks = %q, builder %q; want no extra buildpacks and builder.toml's go-debug-builder", bp.Buildpacks, bp.Builder)
	}
	var builderTOML struct {
		Buildpacks []struct{ URI string } `toml:"buildpacks"`
		Order      []struct {
			Group []struct {
				ID       string `toml:"id"`
				Optional bool   `toml:"optional"`
			} `toml:"group"`
		} `toml:"order"`
	}
	if _, err := toml.DecodeFile(filepath.Join(dir, "builder.toml"), &builderTOML); err != nil {
		t.Fatalf("examples/skaffold/builder.toml: %v", err)
	}
	for _, o := range builderTOML.Order {
		g := o.Group
		if n := len(g); n < 2 || g[n-1].ID != "cnbdebug/debug" || !g[n-1].Optional {
			t.Errorf("builder.toml group %+v: want cnbdebug/debug last and optional", g)
		}
	}
	if len(builderTOML.Order) == 0 || !slices.ContainsFunc(builderTOML.Buildpacks, func(b struct{ URI string }) bool { return b.URI == "debug.cnb" }) {
		t.Errorf("builder.toml: order %+v, buildpacks %+v; want an order and debug.cnb among the buildpacks", builderTOML.Order, builderTOML.Buildpacks)
	}
	if fi, err := os.Stat(filepath.Join(dir, art.Workspace)); err != nil || !fi.IsDir() {
		t.Errorf("artifact context %s: %v", art.Workspace, err)
	}
	if len(cfg.Render.RawK8s) == 0 {
		t.Fatalf("skaffold.yaml renders no manifests")
	}
	var files []string
	for _, f := range cfg.Render.RawK8s {
		files = append(files, filepath.Join(dir, f))
	}
	results := checkManifests(t, files...)
	for _, m := range results {
		if m.Error != "" {
			t.Errorf("%s %s %s: %s", filepath.Base(m.File), m.Kind, m.Name, m.Error)
		}
	}
	var deploy struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Image string `json:"image"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	findManifest(t, results, "Deployment", &deploy)
	if c := deploy.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Image != art.ImageName {
		t.Errorf("Deployment containers %+v, want one running the artifact %s", c, art.ImageName)
	}

	// The parser is strict: a misspelt key fails, so the pass above means something.
	bad := filepath.Join(t.TempDir(), "skaffold.yaml")
	data, err := os.ReadFile(filepath.Join(dir, "skaffold.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(string(data), "trustBuilder:", "trustbuilder:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runPlatformCheck(t, "", "skaffold", bad); err == nil {
		t.Errorf("Skaffold's parser accepted a misspelt key (trustbuilder)")
	}
}

func TestKpackExample(t *testing.T) {
	dir := examplesDir(t, "kpack")
	results := checkManifests(t, filepath.Join(dir, "builder.yaml"), filepath.Join(dir, "image.yaml"))
	for _, m := range results {
		if m.APIVersion != "kpack.io/v1alpha2" {
			t.Errorf("%s %s: apiVersion %s, want kpack.io/v1alpha2", m.Kind, m.Name, m.APIVersion)
		}
		if m.Error != "" {
			t.Errorf("kpack rejects %s %s %s: %s", filepath.Base(m.File), m.Kind, m.Name, m.Error)
		}
	}
	type ref struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	var image struct {
		Spec struct {
			Builder ref `json:"builder"`
			Build   struct {
				Env []envVar `json:"env"`
			} `json:"build"`
		} `json:"spec"`
	}
	var builder struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Stack ref `json:"stack"`
			Store ref `json:"store"`
			Order []struct {
				Group []struct {
					ID       string `json:"id"`
					Optional bool   `json:"optional"`
				} `json:"group"`
			} `json:"order"`
		} `json:"spec"`
	}
	findManifest(t, results, "Image", &image)
	findManifest(t, results, "ClusterBuilder", &builder)
	store := findManifest(t, results, "ClusterStore", &struct{}{})
	stack := findManifest(t, results, "ClusterStack", &struct{}{})

	if !slices.Contains(image.Spec.Build.Env, envVar{"BP_DEBUG", "true"}) {
		t.Errorf("Image spec.build.env = %+v, want BP_DEBUG=true", image.Spec.Build.Env)
	}
	if image.Spec.Builder != (ref{builder.Metadata.Name, "ClusterBuilder"}) {
		t.Errorf("Image builder %+v, want ClusterBuilder %s", image.Spec.Builder, builder.Metadata.Name)
	}
	if builder.Spec.Store != (ref{store.Name, "ClusterStore"}) || builder.Spec.Stack != (ref{stack.Name, "ClusterStack"}) {
		t.Errorf("ClusterBuilder store %+v stack %+v, want ClusterStore %s and ClusterStack %s",
			builder.Spec.Store, builder.Spec.Stack, store.Name, stack.Name)
	}
	if len(builder.Spec.Order) == 0 {
		t.Fatalf("ClusterBuilder has no order")
	}
	// Optional and last: the debug buildpack runs after the language
	// buildpack, and without BP_DEBUG its detect fails without failing the group.
	for i, o := range builder.Spec.Order {
		g := o.Group
		if len(g) < 2 || g[len(g)-1].ID != debugBuildpackID || !g[len(g)-1].Optional {
			t.Errorf("order[%d] = %+v, want a language buildpack then %s (optional)", i, g, debugBuildpackID)
		}
	}

	// kpack's validation does reject a broken Image (no tag) and its strict
	// decoding a misspelt key.
	data, err := os.ReadFile(filepath.Join(dir, "image.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "  tag:") {
			lines = append(lines, l)
		}
	}
	noTag := filepath.Join(tmp, "no-tag.yaml")
	misspelt := filepath.Join(tmp, "misspelt.yaml")
	if err := os.WriteFile(noTag, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(misspelt, []byte(strings.Replace(string(data), "    env:", "    environment:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range checkManifests(t, noTag, misspelt) {
		if m.Error == "" {
			t.Errorf("kpack accepted the broken %s", filepath.Base(m.File))
		}
	}
}
