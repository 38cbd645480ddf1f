// Reaching into another network namespace from the test (the kpack test's
// cluster, integration/k8s/cluster.sh): commands run there with nsenter, and
// the test's own clients dial there through a loopback forwarder, so the
// clients written for podman's published ports work unchanged.
package pack

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netns is the network namespace of a process.
type netns struct {
	pid int
}

// command runs name in the namespace's network only: the file system stays
// the host's, so podman's socket and the test's files keep their paths.
func (n netns) command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"-t", fmt.Sprint(n.pid), "-n", "--", name}, args...)...)
}

// dial connects to addr inside the namespace. A socket belongs to the
// namespace of the thread that made it, so the socket is made on a locked
// thread switched into the namespace and back. A thread that cannot switch
// back stays locked, so Go ends it with the goroutine instead of reusing it.
func (n netns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer home.Close()
		target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", n.pid))
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("setns into the network of pid %d: %w", n.pid, err)}
			return
		}
		conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- result{conn, err}
	}()
	r := <-done
	return r.conn, r.err
}

// forward listens on the host's loopback and relays each connection to addr
// inside the namespace; it returns the host port. It stops with the test.
func (n netns) forward(t *testing.T, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener closed
			}
			go func() {
				defer c.Close()
				r, err := n.dial(context.Background(), "tcp", addr)
				if err != nil {
					return // the client sees a closed connection, as with no listener
				}
				defer r.Close()
				go func() { _, _ = io.Copy(r, c); r.(*net.TCPConn).CloseWrite() }()
				_, _ = io.Copy(c, r)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
