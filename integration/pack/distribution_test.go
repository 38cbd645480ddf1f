// Distribution: the buildpack as an image in a registry (tools/package.sh
// --publish, i.e. `pack buildpack package --format image --publish`) on
// Debian's docker-registry at 127.0.0.1, and a builder made from that image
// whose order holds cnbdebug/debug as optional after the language group, so
// one builder makes plain images (no BP_DEBUG) and debug images (BP_DEBUG=true).
package pack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	imageDistPlain   = "cnbdebug.local/pack-it-go:dist-plain"
	imageDistDebug   = "cnbdebug.local/pack-it-go:dist-debug"
	builderFromImage = "cnbdebug.local/pack-it-builder:from-registry"
)

// registryGet fetches a manifest or blob from the registry's HTTP API.
func registryGet(t *testing.T, url, accept string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v\n%s", url, resp.Status, err, body)
	}
	return body
}

func TestDistribution(t *testing.T) {
	start := time.Now()
	p := requirePlatform(t)
	t.Cleanup(func() { t.Logf("TestDistribution ran in %s", time.Since(start).Round(time.Second)) })
	reg := startRegistry(t, p)
	version := buildpackVersion(t, p)
	ref := fmt.Sprintf("%s/cnbdebug/debug:%s", reg.host, version)

	t.Run("tools/package.sh --publish pushes the buildpack image", func(t *testing.T) {
		cnb := filepath.Join(t.TempDir(), "debug.cnb")
		t0 := time.Now()
		if out, err := runCmd(p.env, p.repo, filepath.Join(p.repo, "tools", "package.sh"), "--offline", "--publish", ref, cnb); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Logf("tools/package.sh --offline --publish %s: %s", ref, time.Since(t0).Round(time.Millisecond))
		// The registry itself says what it holds: a manifest whose config
		// carries the buildpackage label naming cnbdebug/debug.
		manifest := registryGet(t, fmt.Sprintf("http://%s/v2/cnbdebug/debug/manifests/%s", reg.host, version),
			"application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
		var m struct {
			Config struct {
				Digest string `json:"digest"`
			} `json:"config"`
			Layers []json.RawMessage `json:"layers"`
		}
		if err := json.Unmarshal(manifest, &m); err != nil || m.Config.Digest == "" || len(m.Layers) == 0 {
			t.Fatalf("manifest of %s: %v\n%s", ref, err, manifest)
		}
		var cfg struct {
			Config struct {
				Labels map[string]string `json:"Labels"`
			} `json:"config"`
		}
		blob := registryGet(t, fmt.Sprintf("http://%s/v2/cnbdebug/debug/blobs/%s", reg.host, m.Config.Digest), "")
		if err := json.Unmarshal(blob, &cfg); err != nil {
			t.Fatalf("config of %s: %v", ref, err)
		}
		md := cfg.Config.Labels["io.buildpacks.buildpackage.metadata"]
		if !strings.Contains(md, `"id":"cnbdebug/debug"`) || !strings.Contains(md, `"version":"`+version+`"`) {
			t.Errorf("label io.buildpacks.buildpackage.metadata = %q, want cnbdebug/debug %s", md, version)
		}
		t.Logf("%s: %d layer(s), buildpackage metadata %s", ref, len(m.Layers), md)
	})

	// The builder takes the buildpack from the registry by its image reference
	// (pack v0.40 refuses `docker://HOST:PORT/…` here: name.ParseReference fails),
	// as a platform operator's builder.toml (or kpack's ClusterStore) does.
	builder := ""
	outer := t
	ok := t.Run("pack builder create from the registry image, debug optional", func(t *testing.T) {
		config := filepath.Join(t.TempDir(), "builder.toml")
		toml := p.builderOptionalDebugTOML(ref, version)
		if err := os.WriteFile(config, []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
		// if-not-present: the stack images are local; the buildpack image is
		// not, so the daemon pulls it from the registry.
		if out, err := runCmd(p.env, "", p.pack, "builder", "create", builderFromImage, "--config", config,
			"--pull-policy", "if-not-present", "--no-color"); err != nil {
			t.Fatalf("pack builder create: %v\n%s", err, out)
		}
		outer.Cleanup(func() { _, _ = p.podman("rmi", "-f", builderFromImage, ref) })
		builder = builderFromImage
	})
	if !ok {
		return
	}

	t.Run("no BP_DEBUG: a plain image", func(t *testing.T) {
		t.Cleanup(func() { _, _ = p.podman("rmi", "-f", imageDistPlain) })
		out, err := p.packBuildWith(t, imageDistPlain, builder, true, "--clear-cache")
		if err != nil {
			t.Fatalf("%v", err)
		}
		img := p.inspect(t, imageDistPlain)
		md := img.buildMetadata(t)
		for _, bp := range md.Buildpacks {
			if bp.ID == debugBuildpackID {
				t.Errorf("%s ran without BP_DEBUG: %+v", debugBuildpackID, md.Buildpacks)
			}
		}
		if layers := img.layers(t, debugBuildpackID); len(layers) != 0 {
			t.Errorf("%s contributed layers without BP_DEBUG: %v", debugBuildpackID, layers)
		}
		if proc := md.process(t, md.DefaultProcessType); len(proc.Command) != 1 || proc.Command[0] != goBinary {
			t.Errorf("default process %+v, want the app %s itself", proc, goBinary)
		}
		if strings.Contains(out, "debug-tools") {
			t.Errorf("the debug buildpack built without BP_DEBUG:\n%s", out)
		}
	})

	t.Run("BP_DEBUG=true: the debugger, breakpoint hit", func(t *testing.T) {
		t.Cleanup(func() { _, _ = p.podman("rmi", "-f", imageDistDebug) })
		if _, err := p.packBuildWith(t, imageDistDebug, builder, true, "--env", "BP_DEBUG=true", "--clear-cache"); err != nil {
			t.Fatalf("%v", err)
		}
		img := p.inspect(t, imageDistDebug)
		checkDebugProcess(t, img)
		md := img.buildMetadata(t)
		found := false
		for _, bp := range md.Buildpacks {
			found = found || (bp.ID == debugBuildpackID && bp.Version == version)
		}
		if !found {
			t.Errorf("build metadata buildpacks %+v lack %s %s", md.Buildpacks, debugBuildpackID, version)
		}
		c := p.runContainer(t, imageDistDebug)
		if body := c.waitHTTP(t, "/dist"); !strings.Contains(body, "path=/dist") {
			t.Fatalf("GET /dist = %q", body)
		}
		hitBreakpoint(t, p, c)
	})
}

// buildpackVersion reads [buildpack] version from buildpack.toml.
func buildpackVersion(t *testing.T, p *platform) string {
	t.Helper()
	data := mustRead(t, filepath.Join(p.repo, "buildpack.toml"))
	inBuildpack := false
	for _, line := range strings.Split(string(data), "\n") {
		s := strings.TrimSpace(line)
		if strings.HasPrefix(s, "[") {
			inBuildpack = s == "[buildpack]"
			continue
		}
		if v, ok := strings.CutPrefix(s, "version = "); ok && inBuildpack {
			return strings.Trim(v, `"`)
		}
	}
	t.Fatal("buildpack.toml has no [buildpack] version")
	return ""
}
