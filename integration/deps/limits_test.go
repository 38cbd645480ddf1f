// Bounded downloads: a size cap (the catalog's size key, else 512 MiB),
// refused early on Content-Length and while streaming; an overall deadline
// (BP_DEBUG_DOWNLOAD_TIMEOUT); a low-speed abort for a drip; and no
// redirect from https down to http. Each must fail fast, in one line, with
// the earlier layer byte-identical and nothing half-written left.
package deps

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// endless streams zeros at about rate bytes/s (0: as fast as possible)
// until the client goes away, after declaring declared as Content-Length
// (0: none, chunked).
// serverBudget bounds what one hostile server sends: above the 512 MiB
// default cap, so the cap is what stops a working client, but small enough
// that a regression fails the test instead of filling the disk (a first run
// before the fix wrote 54 GB).
const serverBudget = 1 << 30

func endless(declared int64, rate int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sent int64
		if declared > 0 {
			w.Header().Set("Content-Length", fmt.Sprint(declared))
		}
		chunk := make([]byte, 32<<10)
		if rate > 0 && rate < len(chunk)*10 {
			chunk = chunk[:rate/10]
		}
		for sent < serverBudget {
			n, err := w.Write(chunk)
			sent += int64(n)
			if err != nil {
				return
			}
			w.(http.Flusher).Flush()
			if rate > 0 {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			} else if r.Context().Err() != nil {
				return
			}
		}
	}
}

func TestHugeContentLengthIsRefusedBeforeTheBody(t *testing.T) {
	srv := newServer(t, false)
	var sent int64
	srv.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(int64(1)<<40))
		chunk := make([]byte, 1<<20)
		for r.Context().Err() == nil && atomic.LoadInt64(&sent) < serverBudget {
			n, err := w.Write(chunk)
			atomic.AddInt64(&sent, int64(n))
			if err != nil {
				return
			}
		}
	})
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x"))})
	start := time.Now()
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "1099511627776 bytes", "536870912-byte limit", "(not retried)"})
	took := time.Since(start)
	t.Logf("refused in %v after the server sent %d bytes", took, atomic.LoadInt64(&sent))
	if took > 3*time.Second {
		t.Errorf("refusing a 1 TB Content-Length took %v", took)
	}
}

func TestSizeKeyCapsAChunkedBody(t *testing.T) {
	srv := newServer(t, false)
	hits := srv.handle("/tool-2.0.tar.gz", endless(0, 0))
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x")), size: 100000})
	start := time.Now()
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "more than the 100000-byte limit", "(not retried)"})
	t.Logf("stopped in %v", time.Since(start))
	if n := atomic.LoadInt64(hits); n != 1 {
		t.Errorf("requests: %d, want 1 (an oversize body is not retried)", n)
	}
}

func TestSizeKeyCapsADeclaredBody(t *testing.T) {
	srv := newServer(t, false)
	body := randomBytes(t, 200000)
	srv.serve("/tool-2.0.tar.gz", body)
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), size: 1000})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "200000 bytes", "1000-byte limit"})
}

func TestSizeKeyIsValidated(t *testing.T) {
	dir := t.TempDir()
	p := writeCatalog(t, dir, dep{version: "1.0", uri: "https://deps.invalid/a.tgz", sha: sum([]byte("a"))})
	text, _ := os.ReadFile(p)
	os.WriteFile(p, append(text, []byte("  size = -5\n")...), 0o644)
	r := run(t, "resolve", "--buildpack-toml", p, "--id", "tool")
	if r.code != 1 || !strings.Contains(r.stderr, "size") || !strings.Contains(r.stderr, p) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// A 2 KB/s drip is far below any useful speed: the low-speed check ends it.
func TestDripIsAborted(t *testing.T) {
	srv := newServer(t, false)
	srv.handle("/tool-2.0.tar.gz", endless(50<<20, 2048))
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x"))})
	start := time.Now()
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "too slow"}, "--max-attempts", "1", "--low-speed-time", "2")
	took := time.Since(start)
	t.Logf("drip aborted in %v", took)
	if took > 8*time.Second {
		t.Errorf("the drip ran %v", took)
	}
}

// Fast enough for the low-speed check, but endless: the overall deadline,
// set through <platform>/env, ends it, and no retry starts after it.
func TestOverallDeadline(t *testing.T) {
	srv := newServer(t, false)
	srv.handle("/tool-2.0.tar.gz", endless(0, 256<<10))
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum([]byte("x"))})
	if err := os.WriteFile(filepath.Join(w.platform, "env", "BP_DEBUG_DOWNLOAD_TIMEOUT"), []byte("2"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", "BP_DEBUG_DOWNLOAD_TIMEOUT", "2 s"}, "--max-attempts", "3", "--low-speed-time", "30")
	took := time.Since(start)
	t.Logf("deadline hit after %v", took)
	if took < 1500*time.Millisecond || took > 5*time.Second {
		t.Errorf("a 2 s deadline ended the download after %v", took)
	}
}

func TestBadDeadlineValueIsNamed(t *testing.T) {
	srv := newServer(t, false)
	hits := srv.serve("/tool-2.0.tar.gz", goodTool(t, "v2"))
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(goodTool(t, "v2"))})
	for _, v := range []string{"soon", "-1", "0", "99999999999999999999"} {
		os.WriteFile(filepath.Join(w.platform, "env", "BP_DEBUG_DOWNLOAD_TIMEOUT"), []byte(v), 0o644)
		w.expectFailure(t, []string{"BP_DEBUG_DOWNLOAD_TIMEOUT", fmt.Sprintf("%q", v)})
	}
	if n := atomic.LoadInt64(hits); n != 0 {
		t.Errorf("downloaded %d times with a bad deadline", n)
	}
}

func TestHTTPSRedirectToHTTPIsRefused(t *testing.T) {
	plain := newServer(t, false)
	body := goodTool(t, "v2")
	plainHits := plain.serve("/tool-2.0.tar.gz", body)
	secure := newServer(t, true)
	secure.handle("/tool-2.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/tool-2.0.tar.gz", http.StatusFound)
	})
	w := prepare(t, plain, "", dep{uri: secure.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}))
	writeBinding(t, w.platform, "corp-ca", "ca-certificates", map[string]string{"ca.pem": certPEM})
	w.expectFailure(t, []string{secure.URL + "/tool-2.0.tar.gz", "redirect", "(not retried)"})
	if n := atomic.LoadInt64(plainHits); n != 0 {
		t.Errorf("the http target was fetched %d times", n)
	}
}

// Another uid runs what the layer holds, so a strict umask in the build
// must not make it 0700/0600: directories (implicit ones too) are 0755,
// files 0644 or 0755.
func TestUmask077KeepsTheLayerReadable(t *testing.T) {
	srv := newServer(t, false)
	body := tarGz(t,
		entry{name: "tool-2.0/bin/tool", mode: 0o700, data: []byte("#!tool v2\n")},
		entry{name: "tool-2.0/share/deep/er/doc.txt", mode: 0o600, data: []byte("doc\n")},
	)
	srv.serve("/tool-2.0.tar.gz", body)
	dir := t.TempDir()
	layers := filepath.Join(dir, "layers")
	if err := os.MkdirAll(layers, 0o755); err != nil {
		t.Fatal(err)
	}
	catalog := writeCatalog(t, dir, dep{version: "2.0", uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	script := `umask 077 && exec "$@"`
	args := append([]string{"-c", script, "sh", cliPath(t), "install", "--buildpack-toml", catalog, "--id", "tool",
		"--version", "2.0", "--layers", layers, "--launch"}, fast...)
	cmd := exec.Command("/bin/sh", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	snap := snapshot(t, layers)
	for path, what := range snap {
		switch {
		case strings.HasPrefix(what, "dir:") && what != "dir:755":
			t.Errorf("%s: %s, want dir:755", path, what)
		case strings.HasPrefix(what, "file:") && !strings.HasPrefix(what, "file:644:") && !strings.HasPrefix(what, "file:755:"):
			t.Errorf("%s: %s, want 644 or 755", path, what)
		}
	}
	if !strings.HasPrefix(snap["debug-tools/tool/bin/tool"], "file:755:") {
		t.Errorf("bin/tool: %s", snap["debug-tools/tool/bin/tool"])
	}
	if len(snap) < 8 {
		t.Errorf("layer too small: %v", snap)
	}
}

// Names past 4095 bytes (PATH_MAX - 1) used to be cut silently to a
// different, shorter name.
func TestOverlongEntryNameIsRefused(t *testing.T) {
	srv := newServer(t, false)
	long := "tool-2.0/" + strings.Repeat("d123456789/", 420) + "file"
	body := tarGz(t, entry{name: long, data: []byte("x")})
	srv.serve("/tool-2.0.tar.gz", body)
	w := prepare(t, srv, "", dep{uri: srv.URL + "/tool-2.0.tar.gz", sha: sum(body), strip: 1})
	w.expectFailure(t, []string{srv.URL + "/tool-2.0.tar.gz", fmt.Sprintf("name of %d bytes is longer than 4095", len(long))})
}
