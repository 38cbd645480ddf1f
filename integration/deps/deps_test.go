// Package deps tests dependency download, verification, extraction and
// layer reuse against a loopback HTTP server the test controls: each fault
// (404, 5xx, resets, stalls, truncation, bad checksums, hostile archives,
// a full disk) must fail with a message naming the URL or entry, exit
// non-zero, leave no partial layer and keep the previous layer intact.
//
// It drives the C library through the deps-cli test driver
// (tests/data/deps/deps_cli.c). Set BP_DEPS_CLI to its path, or build the
// repository into <repo>/build (cmake -S . -B build && cmake --build build),
// which puts it at build/tests/deps-cli. ctest runs this package with
// BP_DEPS_CLI set (test "integration_deps").
package deps

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// ---- the driver ---------------------------------------------------------

func cliPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BP_DEPS_CLI"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("BP_DEPS_CLI=%s: %v", p, err)
		}
		return p
	}
	p, err := filepath.Abs("../../build/tests/deps-cli")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("deps-cli not found at %s: build the repo (cmake -S . -B build && cmake --build build) or set BP_DEPS_CLI", p)
	}
	return p
}

type result struct {
	stdout, stderr string
	code           int
}

// fast options: quick retries and timeouts so faults cost seconds, not minutes.
var fast = []string{"--max-attempts", "3", "--retry-delay-ms", "20", "--connect-timeout", "5", "--low-speed-time", "2"}

func run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(cliPath(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=", "ALL_PROXY=", "all_proxy=")
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running deps-cli: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

// ---- fixtures -----------------------------------------------------------

type entry struct {
	name, link string
	typ        byte
	mode       int64
	data       []byte
}

func tarGz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Typeflag: e.typ, Linkname: e.link, Size: int64(len(e.data)), ModTime: time.Unix(1700000000, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// goodTool is version 1.0 of "tool": what every test first installs.
func goodTool(t *testing.T, marker string) []byte {
	return tarGz(t,
		entry{name: "tool-1.0/bin/tool", mode: 0o755, data: []byte("#!tool " + marker + "\n")},
		entry{name: "tool-1.0/LICENSE", data: []byte("MIT\n")},
		entry{name: "tool-1.0/bin/tool-alias", typ: tar.TypeSymlink, link: "tool"},
	)
}

type dep struct {
	version, uri, sha string
	strip             int
	size              int64 // the catalog's size key when > 0
}

func writeCatalog(t *testing.T, dir string, deps ...dep) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("api = \"0.10\"\n[buildpack]\n  id = \"test/deps\"\n  version = \"0.0.1\"\n")
	for _, d := range deps {
		fmt.Fprintf(&b, "\n[[metadata.dependencies]]\n  id = \"tool\"\n  name = \"Tool\"\n  version = %q\n  uri = %q\n  checksum = \"sha256:%s\"\n  strip-components = %d\n  purls = [\"pkg:generic/tool@%s\"]\n  licenses = [{type = \"MIT\"}]\n",
			d.version, d.uri, d.sha, d.strip, d.version)
		if d.size > 0 {
			fmt.Fprintf(&b, "  size = %d\n", d.size)
		}
	}
	p := filepath.Join(dir, "buildpack.toml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// snapshot records every path under dir with its type, mode and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out[rel] = "link:" + l
		case info.IsDir():
			out[rel] = fmt.Sprintf("dir:%o", info.Mode().Perm())
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("file:%o:%s", info.Mode().Perm(), sum(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	var diffs []string
	for k, v := range before {
		if after[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: %q -> %q", k, v, after[k]))
		}
	}
	for k, v := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: new (%s)", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("layers dir changed after a failed install:\n  %s", strings.Join(diffs, "\n  "))
	}
}

// server is a loopback HTTP server whose paths the test programs.
type server struct {
	*httptest.Server
	mux  *http.ServeMux
	hits map[string]*int64
	ua   atomic.Value
}

func newServer(t *testing.T, tls bool) *server {
	s := &server{mux: http.NewServeMux(), hits: map[string]*int64{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ua.Store(r.UserAgent())
		s.mux.ServeHTTP(w, r)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(func() {
		s.CloseClientConnections()
		s.Close()
	})
	return s
}

// handle registers fn at path and counts its requests.
func (s *server) handle(path string, fn http.HandlerFunc) *int64 {
	n := new(int64)
	s.hits[path] = n
	s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(n, 1)
		fn(w, r)
	})
	return n
}

func (s *server) serve(path string, body []byte) *int64 {
	return s.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})
}

// workspace: a layers dir holding a good layer (tool 1.0), and a catalog
// with 1.0 and the given 2.0 entry.
type workspace struct {
	dir, layers, catalog, platform string
	srv                            *server
	before                         map[string]string
}

func prepare(t *testing.T, srv *server, layers string, v2 dep) *workspace {
	t.Helper()
	dir := t.TempDir()
	if layers == "" {
		layers = filepath.Join(dir, "layers")
	}
	good := goodTool(t, "v1")
	srv.serve("/tool-1.0.tar.gz", good)
	w := &workspace{dir: dir, layers: layers, platform: filepath.Join(dir, "platform"), srv: srv}
	for _, d := range []string{filepath.Join(w.platform, "env"), layers} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	v2.version = "2.0"
	w.catalog = writeCatalog(t, dir, dep{version: "1.0", uri: srv.URL + "/tool-1.0.tar.gz", sha: sum(good), strip: 1}, v2)
	r := w.install(t, "1.0")
	if r.code != 0 || !strings.Contains(r.stdout, "result: outcome=contributed") {
		t.Fatalf("installing the good version: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	w.before = snapshot(t, layers)
	if got := w.before["debug-tools/tool/bin/tool"]; !strings.HasPrefix(got, "file:755:") {
		t.Fatalf("good layer lacks an executable bin/tool: %v", w.before)
	}
	return w
}

func (w *workspace) install(t *testing.T, version string, extra ...string) result {
	t.Helper()
	args := append([]string{"install", "--buildpack-toml", w.catalog, "--id", "tool", "--version", version,
		"--layers", w.layers, "--launch", "--cache", "--platform", w.platform}, fast...)
	return run(t, append(args, extra...)...)
}

// expectFailure installs 2.0 and checks the message, exit code and that
// the layers dir is exactly as before (no partial layer, no temp files).
func (w *workspace) expectFailure(t *testing.T, wants []string, extra ...string) result {
	t.Helper()
	r := w.install(t, "2.0", extra...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 {
		t.Errorf("want one error line on stderr, got %d:\n%s", len(lines), r.stderr)
	}
	for _, want := range wants {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	sameSnapshot(t, w.before, snapshot(t, w.layers))
	t.Logf("error: %s", strings.TrimSpace(r.stderr))
	return r
}

// ---- faults -------------------------------------------------------------

func TestNotFoundIsNotRetried(t *testing.T) {
	srv := newServer(t, false)
	hits := srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x"))})
	w.expectFailure(t, []string{"downloading " + srv.URL + "/tool-2.0.tar.gz", "HTTP status 404", "(not retried)"})
	if n := atomic.LoadInt64(hits); n != 1 {
		t.Errorf("404 was requested %d times, want 1", n)
	}
}

func TestServerErrorThenSuccessIsRetried(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	var calls int64
	hits := srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt64(&calls, 1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write(body)
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	r := w.install(t, "2.0")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := atomic.LoadInt64(hits); n != 3 {
		t.Errorf("requests: %d, want 3 (two 503s, then success)", n)
	}
	if !strings.Contains(r.stdout, "Attempt 1 of 3 failed (HTTP status 503)") {
		t.Errorf("no retry logged:\n%s", r.stdout)
	}
	b, err := os.ReadFile(filepath.Join(w.layers, "debug-tools/tool/bin/tool"))
	if err != nil || !strings.Contains(string(b), "v2") {
		t.Errorf("layer not replaced by 2.0: %q %v", b, err)
	}
}

func TestServerErrorGivesUp(t *testing.T) {
	srv := newServer(t, false)
	hits := srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x"))})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "HTTP status 500", "gave up after 3 attempts"})
	if n := atomic.LoadInt64(hits); n != 3 {
		t.Errorf("requests: %d, want 3", n)
	}
}

// resetAfter sends the headers and half the body, then a TCP RST.
func resetAfter(t *testing.T, w http.ResponseWriter, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("no hijacker")
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
	buf.Write(body[:len(body)/2])
	buf.Flush()
	time.Sleep(50 * time.Millisecond)
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestConnectionResetMidBody(t *testing.T) {
	srv := newServer(t, false)
	body := randomBytes(t, 256<<10)
	hits := srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) { resetAfter(t, w, body) })
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body)})
	w.expectFailure(t, []string{"downloading " + srv.URL + "/tool-2.0.tar.gz", "reset", "gave up after 3 attempts"})
	if n := atomic.LoadInt64(hits); n != 3 {
		t.Errorf("requests: %d, want 3", n)
	}
}

func TestConnectionResetOnceThenSuccess(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	var calls int64
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt64(&calls, 1) == 1 {
			resetAfter(t, w, body)
			return
		}
		w.Write(body)
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	if r := w.install(t, "2.0"); r.code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestStalledServerTimesOut(t *testing.T) {
	srv := newServer(t, false)
	body := randomBytes(t, 64<<10)
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body[:100])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(60 * time.Second):
		}
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body)})
	start := time.Now()
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "too slow", "gave up after 2 attempts"}, "--max-attempts", "2", "--low-speed-time", "1")
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the low-speed timeout took %v", d)
	}
}

func TestTruncatedBody(t *testing.T) {
	srv := newServer(t, false)
	body := randomBytes(t, 100<<10)
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body[:len(body)/3])
		// Returning early: the server closes the connection short of the length.
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body)})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "gave up after 3 attempts"})
}

func TestTruncatedChunkedBodyFailsChecksum(t *testing.T) {
	// Without a length the transfer looks complete: only the checksum can tell.
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body[:len(body)-10])
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body)})
	w.expectFailure(t, []string{"tool 2.0 from " + srv.URL + "/tool-2.0.tar.gz", "sha256 mismatch: expected " + sum(body)})
}

func TestWrongChecksum(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	hits := srv.serve("/tool-2.0.tar.gz", body)
	wrong := sum([]byte("something else"))
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: wrong})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "sha256 mismatch: expected " + wrong + ", got " + sum(body)})
	if n := atomic.LoadInt64(hits); n != 1 {
		t.Errorf("a checksum mismatch was retried: %d requests", n)
	}
}

func TestArchiveWithDotDot(t *testing.T) {
	srv := newServer(t, false)
	body := tarGz(t, entry{name: "ok.txt", data: []byte("ok")}, entry{name: "../../etc/passwd", data: []byte("root::0:0::/:/bin/sh\n")})
	srv.serve("/tool-2.0.tar.gz", body)
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body)})
	w.expectFailure(t, []string{"extracting " + srv.URL + "/tool-2.0.tar.gz", `entry "../../etc/passwd"`, "leaves the destination"})
	filepath.WalkDir(w.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "passwd" {
			t.Errorf("passwd written at %s", p)
		}
		return nil
	})
}

func TestSymlinkEscapingTheLayer(t *testing.T) {
	srv := newServer(t, false)
	body := tarGz(t,
		entry{name: "tool-2.0/bin/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "tool-2.0/bin/evil", typ: tar.TypeSymlink, link: "../../../../../../etc"},
		entry{name: "tool-2.0/bin/evil/cron.d/x", data: []byte("* * * * * root sh\n")})
	srv.serve("/tool-2.0.tar.gz", body)
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", `entry "tool-2.0/bin/evil"`, "leaves the destination"})
}

func TestZipBombHitsTheSizeCap(t *testing.T) {
	srv := newServer(t, false)
	body := zipOf(t, "huge.bin", make([]byte, 64<<20)) // 64 MiB of zeros, ~64 KiB zipped
	srv.serve("/tool-2.0.zip", body)
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.zip", sha: sum(body)})
	w.expectFailure(t, []string{"extracting " + srv.URL + "/tool-2.0.zip", `entry "huge.bin"`, "exceeds the 8388608-byte limit"}, "--max-extract-bytes", "8388608")
}

// tmpfs mounts a 1 MiB tmpfs (root only) for the layers.
func tmpfs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	return mnt
}

func TestDiskFullWhileDownloading(t *testing.T) {
	mnt := tmpfs(t)
	srv := newServer(t, false)
	body := randomBytes(t, 3<<20) // does not fit in 1 MiB
	hits := srv.serve("/tool-2.0", body)
	w := prepare(t, srv, mnt, dep{uri: srv.URL + "/tool-2.0", sha: sum(body)})
	w.expectFailure(t, []string{"downloading " + srv.URL + "/tool-2.0", "writing " + mnt + "/debug-tools.tmp.", "No space left on device"})
	if n := atomic.LoadInt64(hits); n != 1 {
		t.Errorf("a full disk was retried: %d requests", n)
	}
}

func TestDiskFullWhileExtracting(t *testing.T) {
	mnt := tmpfs(t)
	srv := newServer(t, false)
	// 4 MiB that gzip shrinks to a few KiB; not zeros, which libarchive
	// writes as holes that take no space.
	body := tarGz(t, entry{name: "tool-2.0/big", data: bytes.Repeat([]byte("debug buildpack "), 256<<10)})
	srv.serve("/tool-2.0.tar.gz", body)
	w := prepare(t, srv, mnt, dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	w.expectFailure(t, []string{"extracting " + srv.URL + "/tool-2.0.tar.gz", `entry "tool-2.0/big"`, "No space left on device"})
}

// ---- sources, reuse and transport --------------------------------------

func TestRebuildReusesTheLayerWithoutDownloading(t *testing.T) {
	srv := newServer(t, false)
	w := prepare(t, srv, "", dep{uri: srv.URL + "/unused", sha: sum([]byte("x"))})
	hits := srv.hits["/tool-1.0.tar.gz"]
	before := atomic.LoadInt64(hits)
	r := w.install(t, "1.0")
	if r.code != 0 || !strings.Contains(r.stdout, "Reusing cached layer "+filepath.Join(w.layers, "debug-tools")) ||
		!strings.Contains(r.stdout, "result: outcome=reused bytes=0") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := atomic.LoadInt64(hits) - before; n != 0 {
		t.Errorf("a warm rebuild made %d requests", n)
	}
	after := snapshot(t, w.layers)
	delete(after, "debug-tools.toml") // rewritten with [types], same content
	delete(w.before, "debug-tools.toml")
	sameSnapshot(t, w.before, after)
	if ua, _ := srv.ua.Load().(string); !strings.HasPrefix(ua, "cnbdebug/debug ") {
		t.Errorf("User-Agent %q does not name the buildpack", ua)
	}
	sbom, err := os.ReadFile(filepath.Join(w.layers, "debug-tools.sbom.cdx.json"))
	if err != nil || !strings.Contains(string(sbom), `"purl": "pkg:generic/tool@1.0"`) {
		t.Errorf("SBOM: %v\n%s", err, sbom)
	}
}

func TestRedirectIsFollowed(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	srv.serve("/real/tool-2.0.tar.gz", body)
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/real/tool-2.0.tar.gz", http.StatusFound)
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	if r := w.install(t, "2.0"); r.code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestRedirectToFileIsRefused(t *testing.T) {
	srv := newServer(t, false)
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x"))})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "(not retried)"})
}

func TestMirrorFromPlatformEnv(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	hits := srv.serve("/mirror/deps.invalid/releases/tool-2.0.tar.gz", body)
	w := prepare(t, srv, "", dep{uri: "https://deps.invalid/releases/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	os.WriteFile(filepath.Join(w.platform, "env", "BP_DEPENDENCY_MIRROR_DEPS_INVALID"), []byte(srv.URL+"/mirror/{originalHost}\n"), 0o644)
	r := w.install(t, "2.0")
	if r.code != 0 || atomic.LoadInt64(hits) != 1 {
		t.Fatalf("exit %d, mirror hits %d:\n%s\n%s", r.code, atomic.LoadInt64(hits), r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Downloading from "+srv.URL+"/mirror/deps.invalid/releases/tool-2.0.tar.gz") {
		t.Errorf("log does not show the mirror URL:\n%s", r.stdout)
	}
}

func writeBinding(t *testing.T, platform, name, typ string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(platform, "bindings", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files["type"] = typ
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDependencyMappingBinding(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	hits := srv.serve("/mapped/tool.tgz", body)
	w := prepare(t, srv, "", dep{uri: "https://deps.invalid/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	writeBinding(t, w.platform, "deps", "dependency-mapping", map[string]string{sum(body): srv.URL + "/mapped/tool.tgz\n"})
	if r := w.install(t, "2.0"); r.code != 0 || atomic.LoadInt64(hits) != 1 {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestOfflinePackagedDependency(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	w := prepare(t, srv, "", dep{uri: "https://deps.invalid/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	bp := filepath.Join(w.dir, "buildpack")
	os.MkdirAll(filepath.Join(bp, "dependencies", sum(body)), 0o755)
	os.WriteFile(filepath.Join(bp, "dependencies", sum(body), "tool-2.0.tar.gz"), body, 0o644)
	r := w.install(t, "2.0", "--buildpack-dir", bp)
	if r.code != 0 || !strings.Contains(r.stdout, "bytes=0 offline=1") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestHTTPProxyAndNoProxy(t *testing.T) {
	srv := newServer(t, false)
	body := goodTool(t, "v2")
	var proxied atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.URL.String())
		w.Write(body)
	}))
	defer proxy.Close()
	w := prepare(t, srv, "", dep{uri: "http://deps.invalid/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	os.WriteFile(filepath.Join(w.platform, "env", "HTTP_PROXY"), []byte(proxy.URL), 0o644)
	if r := w.install(t, "2.0"); r.code != 0 {
		t.Fatalf("through the proxy: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got, _ := proxied.Load().(string); got != "http://deps.invalid/tool-2.0.tar.gz" {
		t.Errorf("proxy saw %q", got)
	}
	// NO_PROXY sends loopback direct even though HTTP_PROXY is dead.
	os.WriteFile(filepath.Join(w.platform, "env", "HTTP_PROXY"), []byte("http://127.0.0.1:1"), 0o644)
	os.WriteFile(filepath.Join(w.platform, "env", "NO_PROXY"), []byte("127.0.0.1,localhost"), 0o644)
	w.catalog = writeCatalog(t, w.dir, dep{version: "1.0", uri: srv.URL + "/tool-1.0.tar.gz", sha: sum(goodTool(t, "v1")), strip: 1})
	os.RemoveAll(filepath.Join(w.layers, "debug-tools"))
	if r := w.install(t, "1.0"); r.code != 0 {
		t.Fatalf("NO_PROXY: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestCACertificatesBinding(t *testing.T) {
	srv := newServer(t, true)
	body := goodTool(t, "v2")
	srv.serve("/tool-2.0.tar.gz", body)
	// The first (good) install also goes over TLS: trust the server first.
	dir := t.TempDir()
	platform := filepath.Join(dir, "platform")
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	good := goodTool(t, "v1")
	srv.serve("/tool-1.0.tar.gz", good)
	catalog := writeCatalog(t, dir,
		dep{version: "1.0", uri: srv.URL + "/tool-1.0.tar.gz", sha: sum(good), strip: 1},
		dep{version: "2.0", uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	layers := filepath.Join(dir, "layers")
	os.MkdirAll(layers, 0o755)
	install := func(version string) result {
		return run(t, append([]string{"install", "--buildpack-toml", catalog, "--id", "tool", "--version", version,
			"--layers", layers, "--launch", "--platform", platform}, fast...)...)
	}
	// Untrusted: a verification failure, named, not retried.
	r := install("1.0")
	if r.code != 1 || !strings.Contains(r.stderr, srv.URL+"/tool-1.0.tar.gz") || !strings.Contains(r.stderr, "(not retried)") {
		t.Fatalf("without the CA: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(layers, "debug-tools")); err == nil {
		t.Fatal("a layer was left after a TLS failure")
	}
	writeBinding(t, platform, "corp-ca", "ca-certificates", map[string]string{"ca.pem": certPEM})
	if r := install("1.0"); r.code != 0 {
		t.Fatalf("with the CA binding: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := install("2.0"); r.code != 0 || !strings.Contains(r.stdout, "Trusting 1 CA certificate file") {
		t.Fatalf("with the CA binding: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestResolveErrorListsWhatIsAvailable(t *testing.T) {
	dir := t.TempDir()
	catalog := writeCatalog(t, dir, dep{version: "1.0", uri: "https://deps.invalid/a.tgz", sha: sum([]byte("a"))},
		dep{version: "2.0", uri: "https://deps.invalid/b.tgz", sha: sum([]byte("b"))})
	r := run(t, "install", "--buildpack-toml", catalog, "--id", "tool", "--version", "3", "--dest", filepath.Join(dir, "d"))
	if r.code != 1 || !strings.Contains(r.stderr, "no tool fits (version 3,") || !strings.Contains(r.stderr, "available: 2.0 (linux/any); 1.0 (linux/any)") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(r.stderr))
	n := 0
	for sc.Scan() {
		n++
	}
	if n != 1 {
		t.Errorf("%d lines on stderr, want 1", n)
	}
}
