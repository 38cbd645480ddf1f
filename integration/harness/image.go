// Reads the exported app image back out of the OCI layout (index.json ->
// manifest -> config), with the buildpacks labels decoded.
package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Label keys the lifecycle writes on app images.
const (
	LabelBuildMetadata     = "io.buildpacks.build.metadata"
	LabelLifecycleMetadata = "io.buildpacks.lifecycle.metadata"
	LabelStackID           = "io.buildpacks.stack.id"
)

// DebugConfigLabel is the label the debug buildpack writes: a JSON object
// keyed by process type.
const DebugConfigLabel = "dev.cnbdebug.debug.config"

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// ImageConfig is the part of the OCI image config the tests look at.
type ImageConfig struct {
	User       string            `json:"User"`
	Env        []string          `json:"Env"`
	Entrypoint []string          `json:"Entrypoint"`
	Cmd        []string          `json:"Cmd"`
	WorkingDir string            `json:"WorkingDir"`
	Labels     map[string]string `json:"Labels"`
}

// Image is an image in an OCI layout.
type Image struct {
	Path   string   // the layout dir of this image
	Digest string   // manifest digest
	Layers []string // layer digests, base first
	Config ImageConfig
}

// ReadImage reads the image at an OCI layout path (<layout>/<registry>/<repo>/<tag>).
func ReadImage(path string) (*Image, error) {
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := readJSON(filepath.Join(path, "index.json"), &index); err != nil {
		return nil, err
	}
	if len(index.Manifests) != 1 {
		return nil, fmt.Errorf("%s/index.json: %d manifests, want 1", path, len(index.Manifests))
	}
	var manifest struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := readJSON(blobPath(path, index.Manifests[0].Digest), &manifest); err != nil {
		return nil, err
	}
	var config struct {
		Config ImageConfig `json:"config"`
	}
	if err := readJSON(blobPath(path, manifest.Config.Digest), &config); err != nil {
		return nil, err
	}
	img := &Image{Path: path, Digest: index.Manifests[0].Digest, Config: config.Config}
	for _, l := range manifest.Layers {
		img.Layers = append(img.Layers, l.Digest)
	}
	return img, nil
}

// Image reads the app image the exporter wrote, failing the test on error.
func (w *Workspace) Image() *Image {
	w.t.Helper()
	img, err := ReadImage(w.ImagePath())
	if err != nil {
		w.t.Fatalf("read exported image %s: %v", w.ImageName, err)
	}
	return img
}

func blobPath(layout, digest string) string {
	algo, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(layout, "blobs", algo, hex)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Env returns the value of an env var in the image config.
func (i *Image) Env(name string) (string, bool) {
	for _, kv := range i.Config.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// BuildMetadata is the io.buildpacks.build.metadata label: the only place
// the merged process list is kept in the image.
type BuildMetadata struct {
	Processes  []Process    `json:"processes"`
	Buildpacks []GroupEntry `json:"buildpacks"`
	Launcher   struct {
		Version string `json:"version"`
	} `json:"launcher"`
	BuildpackDefaultProcessType string `json:"buildpack-default-process-type"`
}

// BuildMetadata decodes the io.buildpacks.build.metadata label.
func (i *Image) BuildMetadata() (*BuildMetadata, error) {
	raw, ok := i.Config.Labels[LabelBuildMetadata]
	if !ok {
		return nil, fmt.Errorf("image %s has no %s label", i.Path, LabelBuildMetadata)
	}
	var md BuildMetadata
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		return nil, fmt.Errorf("label %s: %w", LabelBuildMetadata, err)
	}
	return &md, nil
}

// LayerMetadata is one buildpack layer in io.buildpacks.lifecycle.metadata.
type LayerMetadata struct {
	SHA    string         `json:"sha"`
	Launch bool           `json:"launch"`
	Build  bool           `json:"build"`
	Cache  bool           `json:"cache"`
	Data   map[string]any `json:"data"`
}

// LifecycleMetadata is the part of io.buildpacks.lifecycle.metadata that
// says which layer of which buildpack has which digest: comparing it across
// two builds shows which layers were reused.
type LifecycleMetadata struct {
	App []struct {
		SHA string `json:"sha"`
	} `json:"app"`
	Buildpacks []struct {
		Key     string                   `json:"key"`
		Version string                   `json:"version"`
		Layers  map[string]LayerMetadata `json:"layers"`
	} `json:"buildpacks"`
	RunImage struct {
		TopLayer  string `json:"topLayer"`
		Reference string `json:"reference"`
	} `json:"runImage"`
}

// LifecycleMetadata decodes the io.buildpacks.lifecycle.metadata label.
func (i *Image) LifecycleMetadata() (*LifecycleMetadata, error) {
	raw, ok := i.Config.Labels[LabelLifecycleMetadata]
	if !ok {
		return nil, fmt.Errorf("image %s has no %s label", i.Path, LabelLifecycleMetadata)
	}
	var md LifecycleMetadata
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		return nil, fmt.Errorf("label %s: %w", LabelLifecycleMetadata, err)
	}
	return &md, nil
}

// Layer returns the metadata of a buildpack's layer in the image.
func (m *LifecycleMetadata) Layer(buildpackID, layer string) (LayerMetadata, bool) {
	for _, bp := range m.Buildpacks {
		if bp.Key == buildpackID {
			l, ok := bp.Layers[layer]
			return l, ok
		}
	}
	return LayerMetadata{}, false
}

// DebugConfig decodes the debug buildpack's label; the value per process
// type is left raw for the tests that own its schema.
func (i *Image) DebugConfig() (map[string]json.RawMessage, error) {
	raw, ok := i.Config.Labels[DebugConfigLabel]
	if !ok {
		return nil, fmt.Errorf("image %s has no %s label", i.Path, DebugConfigLabel)
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return nil, fmt.Errorf("label %s is not a JSON object: %w", DebugConfigLabel, err)
	}
	return cfg, nil
}
