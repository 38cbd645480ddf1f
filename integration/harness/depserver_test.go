// Unit tests of the harness pieces the debugger tests lean on: the loopback
// dependency mirror, /proc socket and process inspection, and staging a
// buildpack without its dependencies.
package harness

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestProcHexIP(t *testing.T) {
	cases := map[string]string{
		"0100007F":                         "127.0.0.1",
		"00000000":                         "0.0.0.0",
		"00000000000000000000000000000000": "::",
		"00000000000000000000000001000000": "::1",
		"0000000000000000FFFF00000100007F": "127.0.0.1", // v4-mapped
	}
	for in, want := range cases {
		ip, err := procHexIP(in)
		if err != nil || ip.String() != want {
			t.Errorf("procHexIP(%q) = %v, %v; want %s", in, ip, err, want)
		}
	}
	for _, bad := range []string{"", "0100007", "zz00007F", "0100007F00"} {
		if _, err := procHexIP(bad); err == nil {
			t.Errorf("procHexIP(%q) accepted", bad)
		}
	}
}

func TestListenersOfFindsOwnSocket(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	ls, err := ListenersOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ls {
		if s.Port == port {
			if s.PID != os.Getpid() || !s.IP.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Errorf("listener %+v, want 127.0.0.1 held by pid %d", s, os.Getpid())
			}
			return
		}
	}
	t.Errorf("ListenersOf(self) = %v, lacks port %d", ls, port)
}

func TestDescendantsAndParent(t *testing.T) {
	ppid, err := ParentPID(os.Getpid())
	if err != nil || ppid != os.Getppid() {
		t.Errorf("ParentPID(self) = %d, %v; want %d", ppid, err, os.Getppid())
	}
	if d := Descendants(os.Getppid()); len(d) < 2 || d[0] != os.Getppid() {
		t.Errorf("Descendants(parent) = %v, want the parent first and this process below it", d)
	}
}

func TestDependencyServerServesByBaseName(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tool-1.0.tar.gz")
	if err := os.WriteFile(file, []byte("archive bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewDependencyServer(t)
	s.AddFile("", file)
	get := func(path string) (int, string) {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// Any path works: a mirror keeps the original URI's path.
	if code, body := get("/owner/repo/releases/download/v1/tool-1.0.tar.gz"); code != 200 || body != "archive bytes" {
		t.Errorf("GET by base name = %d %q", code, body)
	}
	if code, _ := get("/other.tar.gz"); code != 404 {
		t.Errorf("GET of an unknown name = %d, want 404", code)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Status != 200 || reqs[0].Bytes != int64(len("archive bytes")) || reqs[1].Status != 404 {
		t.Errorf("requests = %+v", reqs)
	}
	if got := s.Downloaded(); !reflect.DeepEqual(got, []string{"tool-1.0.tar.gz"}) {
		t.Errorf("Downloaded() = %v", got)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Errorf("ResetRequests kept %v", s.Requests())
	}
}

func TestWithoutDependenciesAndDescriptor(t *testing.T) {
	src := t.TempDir()
	for _, f := range []string{"buildpack.toml", "bin/build", "dependencies/abc/tool.tgz"} {
		path := filepath.Join(src, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("original "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bp := Buildpack{Dir: src, ID: "x/y", Version: "1", files: []string{"buildpack.toml", "bin/build", "dependencies"}}
	bp = bp.WithoutDependencies().WithDescriptor([]byte("edited"))
	staged := t.TempDir()
	if err := bp.stage(staged); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(staged, "x_y", "1")
	if _, err := os.Stat(filepath.Join(root, "dependencies")); !os.IsNotExist(err) {
		t.Errorf("dependencies/ was staged: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "buildpack.toml")); string(data) != "edited" {
		t.Errorf("staged buildpack.toml = %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(src, "buildpack.toml")); string(data) != "original buildpack.toml" {
		t.Errorf("the source buildpack.toml changed: %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "bin", "build")); string(data) != "original bin/build" {
		t.Errorf("staged bin/build = %q", data)
	}
}
