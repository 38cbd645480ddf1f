// Reads a packaged buildpack (.cnb: an OCI image layout in a tar, as pack
// writes it for tools/package.sh) for the tests that check what it holds.
package harness

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
)

// CNB is a .cnb read into memory: the blobs of its one manifest.
type CNB struct {
	Path  string
	blobs map[string][]byte
	// Manifest is index.json's only manifest.
	Manifest struct {
		Config struct{ Digest string }   `json:"config"`
		Layers []struct{ Digest string } `json:"layers"`
	}
}

// ReadCNB reads the .cnb at path: index.json must name exactly one manifest.
func ReadCNB(t testing.TB, path string) *CNB {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &CNB{Path: path, blobs: map[string][]byte{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if c.blobs[strings.TrimPrefix(h.Name, "/")], err = io.ReadAll(tr); err != nil {
			t.Fatalf("%s: %s: %v", path, h.Name, err)
		}
	}
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if err := json.Unmarshal(c.blobs["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("%s: index.json %q: %v (want one manifest)", path, c.blobs["index.json"], err)
	}
	if err := json.Unmarshal(c.Blob(t, index.Manifests[0].Digest), &c.Manifest); err != nil {
		t.Fatalf("%s: manifest: %v", path, err)
	}
	return c
}

// Blob is the blob with digest (sha256:<hex>); it must match the digest.
func (c *CNB) Blob(t testing.TB, digest string) []byte {
	t.Helper()
	b, ok := c.blobs["blobs/"+strings.Replace(digest, ":", "/", 1)]
	if !ok {
		t.Fatalf("%s: no blob %s", c.Path, digest)
	}
	sum := sha256.Sum256(b)
	if "sha256:"+hex.EncodeToString(sum[:]) != digest {
		t.Fatalf("%s: blob %s does not match its digest", c.Path, digest)
	}
	return b
}

// DecodeConfig unmarshals the image config into v.
func (c *CNB) DecodeConfig(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(c.Blob(t, c.Manifest.Config.Digest), v); err != nil {
		t.Fatalf("%s: config: %v", c.Path, err)
	}
}

// WalkLayers calls fn with every entry of every (gzipped) layer, in order;
// r reads the entry's content. An error from fn fails the test, naming the
// layer and the entry.
func (c *CNB) WalkLayers(t testing.TB, fn func(h *tar.Header, r io.Reader) error) {
	t.Helper()
	for _, layer := range c.Manifest.Layers {
		gz, err := gzip.NewReader(bytes.NewReader(c.Blob(t, layer.Digest)))
		if err != nil {
			t.Fatalf("%s: layer %s: %v", c.Path, layer.Digest, err)
		}
		lr := tar.NewReader(gz)
		for {
			h, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: layer %s: %v", c.Path, layer.Digest, err)
			}
			if err := fn(h, lr); err != nil {
				t.Fatalf("%s: layer %s: %s: %v", c.Path, layer.Digest, h.Name, err)
			}
		}
	}
}
