// A dependency mirror on 127.0.0.1: serves the debug buildpack's dependency
// files by the base name of the request path, the way a user's
// BP_DEPENDENCY_MIRROR would, and records every request so tests can say
// what the buildpack downloaded (and that a rebuild downloaded nothing).
package harness

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// DependencyServer is a loopback HTTP server holding dependency files.
type DependencyServer struct {
	URL string // http://127.0.0.1:PORT, what BP_DEPENDENCY_MIRROR is set to

	srv      *httptest.Server
	mu       sync.Mutex
	files    map[string]string // base name -> file on disk
	requests []DependencyRequest
}

// DependencyRequest is one request the server answered.
type DependencyRequest struct {
	Path   string // the request path, e.g. /cnbdebug/.../dlv-1.27.2-linux-amd64.tar.gz
	Status int    // 200, or 404 for a name the server does not hold
	Bytes  int64
}

// NewDependencyServer starts an empty server on 127.0.0.1, closed when the
// test ends. Add files with AddFile.
func NewDependencyServer(t interface {
	Helper()
	Cleanup(func())
}) *DependencyServer {
	t.Helper()
	s := &DependencyServer{files: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func (s *DependencyServer) serve(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	s.mu.Lock()
	file, ok := s.files[name]
	s.mu.Unlock()
	req := DependencyRequest{Path: r.URL.Path, Status: http.StatusNotFound}
	if ok && r.Method == http.MethodGet {
		if info, err := os.Stat(file); err == nil {
			req.Status, req.Bytes = http.StatusOK, info.Size()
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	if req.Status != http.StatusOK {
		http.NotFound(w, r)
		return
	}
	http.ServeFile(w, r, file)
}

// AddFile serves the file at path under its base name (or under name when
// name is not "").
func (s *DependencyServer) AddFile(name, file string) {
	if name == "" {
		name = filepath.Base(file)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = file
}

// Files are the base names the server holds, sorted.
func (s *DependencyServer) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for name := range s.files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Requests is every request so far, in order.
func (s *DependencyServer) Requests() []DependencyRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DependencyRequest(nil), s.requests...)
}

// ResetRequests forgets the requests so far (e.g. before a rebuild).
func (s *DependencyServer) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Downloaded lists the base names served with 200, in order.
func (s *DependencyServer) Downloaded() []string {
	var names []string
	for _, r := range s.Requests() {
		if r.Status == http.StatusOK {
			names = append(names, path.Base(r.Path))
		}
	}
	return names
}

// String summarises the requests for logs.
func (s *DependencyServer) String() string {
	var parts []string
	for _, r := range s.Requests() {
		parts = append(parts, fmt.Sprintf("%s %d (%d bytes)", r.Path, r.Status, r.Bytes))
	}
	return fmt.Sprintf("%s: %d requests [%s]", s.URL, len(parts), strings.Join(parts, ", "))
}

// ServeDependencies starts a DependencyServer holding the debug buildpack's
// dependency files for this machine (dlv, debugpy, ptvsd; made and cached as
// for the offline staging), sets <platform>/env/BP_DEPENDENCY_MIRROR to it,
// and stages the debug buildpack without dependencies/ (also when it was
// already added), so every tool the build needs comes from the server.
func (w *Workspace) ServeDependencies() *DependencyServer {
	w.t.Helper()
	bp := w.env.DebugBuildpack(w.t)
	s := NewDependencyServer(w.t)
	if err := s.AddDependenciesOf(bp); err != nil {
		w.t.Fatalf("dependency server: %v", err)
	}
	w.SetPlatformEnv("BP_DEPENDENCY_MIRROR", s.URL)
	w.depServer = s
	for _, staged := range w.group {
		if staged.ID == DebugBuildpackID {
			dir := filepath.Join(w.Buildpacks, staged.EscapedID(), staged.Version, "dependencies")
			if err := os.RemoveAll(dir); err != nil {
				w.t.Fatal(err)
			}
		}
	}
	return s
}

// DependencyServer is the server ServeDependencies started, or nil.
func (w *Workspace) DependencyServer() *DependencyServer { return w.depServer }

// AddDependenciesOf serves bp's dependency files: the ones the harness
// embeds when staging it, or those of a packaged buildpack's dependencies/.
func (s *DependencyServer) AddDependenciesOf(bp Buildpack) error {
	for _, d := range bp.deps {
		s.AddFile(d.File, filepath.Join(bp.depStore, d.SHA, d.File))
	}
	packaged, err := filepath.Glob(filepath.Join(bp.Dir, "dependencies", "*", "*"))
	if err != nil {
		return err
	}
	for _, f := range packaged {
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() && !strings.HasSuffix(f, ".toml") {
			s.AddFile("", f)
		}
	}
	if len(s.Files()) == 0 {
		return fmt.Errorf("the debug buildpack in %s has no dependency files to serve", bp.Dir)
	}
	return nil
}
