// What a launched app really does, read from /proc: its process tree, each
// process's executable and argv, and the TCP ports they listen on (with the
// address), so tests can tell the debugger from the app and 127.0.0.1 from
// 0.0.0.0 without trusting anything the app prints.
package harness

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Listener is one listening TCP socket.
type Listener struct {
	IP    net.IP
	Port  int
	Inode uint64
	PID   int // the process holding it, 0 when not looked up
}

// Addr is "IP:PORT" (IPv6 in brackets).
func (l Listener) Addr() string { return net.JoinHostPort(l.IP.String(), strconv.Itoa(l.Port)) }

// Listeners lists every listening TCP socket of the host (/proc/net/tcp and
// tcp6), without owners.
func Listeners() ([]Listener, error) {
	var all []Listener
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		ls, err := readProcNetTCP(file)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		all = append(all, ls...)
	}
	return all, nil
}

func readProcNetTCP(file string) ([]Listener, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Listener
	scanner := bufio.NewScanner(f)
	scanner.Scan() // header
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 10 || fields[3] != "0A" { // 0A: TCP_LISTEN
			continue
		}
		host, port, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		ip, err := procHexIP(host)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		p, err := strconv.ParseUint(port, 16, 16)
		if err != nil {
			return nil, fmt.Errorf("%s: port %q: %v", file, port, err)
		}
		inode, err := strconv.ParseUint(fields[9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: inode %q: %v", file, fields[9], err)
		}
		out = append(out, Listener{IP: ip, Port: int(p), Inode: inode})
	}
	return out, scanner.Err()
}

// procHexIP decodes /proc/net/tcp's address: 32-bit words in host (little
// endian) order.
func procHexIP(s string) (net.IP, error) {
	raw, err := hex.DecodeString(s)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, fmt.Errorf("address %q", s)
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		ip[i], ip[i+1], ip[i+2], ip[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	if v4 := ip.To4(); v4 != nil && len(raw) == 16 {
		return v4, nil
	}
	return ip, nil
}

// Descendants is pid and every process below it, pid first.
func Descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, err := ParentPID(child); err == nil {
			children[ppid] = append(children[ppid], child)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		kids := children[out[i]]
		sort.Ints(kids)
		out = append(out, kids...)
	}
	return out
}

// ParentPID reads the parent of pid from /proc/<pid>/stat.
func ParentPID(pid int) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: skip past it.
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 2 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	return strconv.Atoi(fields[1])
}

// Exe is the executable of pid (/proc/<pid>/exe).
func Exe(pid int) (string, error) { return os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)) }

// Cmdline is the argv of pid.
func Cmdline(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00"), nil
}

// Environ is the environment pid started with.
func Environ(pid int) (map[string]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env, nil
}

// socketInodes maps the socket inodes pid holds open to pid.
func socketInodes(pid int, into map[uint64]int) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil || !strings.HasPrefix(target, "socket:[") {
			continue
		}
		if inode, err := strconv.ParseUint(strings.TrimSuffix(target[len("socket:["):], "]"), 10, 64); err == nil {
			into[inode] = pid
		}
	}
}

// ListenersOf lists the listening sockets held by pid or any process below
// it, each with the pid that holds it.
func ListenersOf(pid int) ([]Listener, error) { return listenersOfPids(Descendants(pid)) }

func listenersOfPids(pids []int) ([]Listener, error) {
	owners := map[uint64]int{}
	for _, p := range pids {
		socketInodes(p, owners)
	}
	all, err := Listeners()
	if err != nil {
		return nil, err
	}
	var out []Listener
	for _, l := range all {
		if owner, ok := owners[l.Inode]; ok {
			l.PID = owner
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port < out[j].Port })
	return out, nil
}

// Processes are the launched process, every process below it, and every
// process that inherited this launch's environment but left the tree (a
// daemonized debug adapter), with their descendants; the launched pid first
// while it runs.
func (p *RunningProcess) Processes() []int {
	seen := map[int]bool{}
	var out []int
	add := func(root int) {
		for _, pid := range Descendants(root) {
			if !seen[pid] {
				seen[pid] = true
				out = append(out, pid)
			}
		}
	}
	// Once reaped, the pid may name someone else's process.
	if !p.Exited() {
		add(p.Pid())
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || seen[pid] {
			continue
		}
		if env, err := Environ(pid); err == nil && env[LaunchTokenEnv] == p.token {
			add(pid)
		}
	}
	return out
}

// ListenersOf lists the listening sockets of the launch's processes
// (Processes), each with the pid holding it.
func (p *RunningProcess) ListenersOf() ([]Listener, error) { return listenersOfPids(p.Processes()) }

// Tree describes the launch's processes (pid, exe, argv), one line each,
// for logs and failure messages.
func (p *RunningProcess) Tree() string {
	var lines []string
	for _, pid := range p.Processes() {
		exe, _ := Exe(pid)
		argv, _ := Cmdline(pid)
		lines = append(lines, fmt.Sprintf("%d %s %q", pid, exe, argv))
	}
	return strings.Join(lines, "\n")
}
