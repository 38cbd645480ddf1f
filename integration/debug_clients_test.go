// The real debugger clients the debugger tests drive: Delve's own JSON-RPC
// client, a DAP client for debugpy (go-dap), a Chrome DevTools Protocol
// client over WebSocket for the node inspector, and jdb for JDWP. Each one
// sets a breakpoint on a marked line, waits for an HTTP request to stop
// there, and lets it go.
package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/google/go-dap"
)

// dialRetry dials addr until it accepts or timeout passes: a debugger opens
// its port a moment after the process starts.
func dialRetry(addr string, timeout time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitTCP waits until the host:port of an http:// URL accepts connections
// (without sending a request, which a breakpoint would hold).
func waitTCP(rawURL string, timeout time.Duration) error {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return err
	}
	conn, err := dialRetry(u.Host, timeout)
	if err != nil {
		return err
	}
	return conn.Close()
}

// httpResult is the outcome of one GET.
type httpResult struct {
	body string
	err  error
	at   time.Time
}

// getAsync sends GET url in the background: a request that hits a
// breakpoint blocks until the debugger lets it go.
func getAsync(url string) <-chan httpResult {
	ch := make(chan httpResult, 1)
	go func() {
		client := &http.Client{Timeout: 60 * time.Second}
		resp, err := client.Get(url)
		if err != nil {
			ch <- httpResult{err: err, at: time.Now()}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
		ch <- httpResult{body: string(body), err: err, at: time.Now()}
	}()
	return ch
}

// mustBlock asserts the request has not been answered: it is held at the
// breakpoint.
func mustBlock(t testing.TB, ch <-chan httpResult, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s: the request was answered while the app should be stopped at the breakpoint: %q, %v", what, r.body, r.err)
	default:
	}
}

// mustAnswer waits for the request's answer and checks the body.
func mustAnswer(t testing.TB, ch <-chan httpResult, want string, timeout time.Duration) string {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("request: %v", r.err)
		}
		if !strings.Contains(r.body, want) {
			t.Fatalf("response %q lacks %q", r.body, want)
		}
		return r.body
	case <-time.After(timeout):
		t.Fatalf("no HTTP answer within %s after the debugger continued", timeout)
	}
	return ""
}

// ---- Delve (service/rpc2) ----------------------------------------------------

// dlvSession is a connected Delve JSON-RPC client.
type dlvSession struct {
	*rpc2.RPCClient
	addr string
}

func dialDlv(t testing.TB, addr string) *dlvSession {
	t.Helper()
	conn, err := dialRetry(addr, 20*time.Second)
	if err != nil {
		t.Fatalf("dlv: %v", err)
	}
	// rpc2 calls have no timeout of their own: never hang the suite.
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	t.Cleanup(func() { conn.Close() })
	return &dlvSession{RPCClient: rpc2.NewClientFromConn(conn), addr: addr}
}

// continueUntilStop resumes the target and waits for the next stop.
func (d *dlvSession) continueUntilStop(timeout time.Duration) (*api.DebuggerState, error) {
	ch := d.Continue()
	select {
	case st, ok := <-ch:
		if !ok || st == nil {
			return nil, fmt.Errorf("dlv %s: continue channel closed without a state", d.addr)
		}
		if st.Err != nil {
			return st, fmt.Errorf("dlv %s: %v", d.addr, st.Err)
		}
		return st, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("dlv %s: the target did not stop within %s", d.addr, timeout)
	}
}

// dlvHitBreakpoint is the Go breakpoint scenario: halt, break at file:line,
// continue, drive a request into the breakpoint, check where it stopped,
// continue, get the answer, and disconnect leaving dlv and the app running
// (what an IDE does with a multi-client server).
func dlvHitBreakpoint(t testing.TB, addr, file string, line int, url, want string) string {
	t.Helper()
	d := dialDlv(t, addr)
	if v := d.GetVersion(); v == nil || v.DelveVersion == "" {
		t.Fatalf("dlv %s: GetVersion returned nothing", addr)
	}
	// Headless dlv with --continue runs the target: stop it to change breakpoints.
	if st, err := d.Halt(); err != nil {
		t.Fatalf("dlv halt: %v (state %+v)", err, st)
	}
	bp, err := d.CreateBreakpoint(&api.Breakpoint{File: file, Line: line})
	if err != nil {
		t.Fatalf("dlv CreateBreakpoint %s:%d: %v", file, line, err)
	}
	th, body := dlvStopAndLeave(t, d, bp, url, file, line, want)
	fn := ""
	if th.Function != nil {
		fn = th.Function.Name()
	}
	return fmt.Sprintf("dlv stopped at %s:%d in %s (breakpoint %d, goroutine %d); answered %s", th.File, th.Line, fn, bp.ID, th.GoroutineID, body)
}

// dlvStopAndLeave continues the halted target, drives a request to url into
// breakpoint bp, checks that it stopped there at file:line (file "": the
// line only, for a client that knows the file by another path) with the
// request held, then clears bp and disconnects leaving dlv and the app
// running (what an IDE does with a multi-client server). It returns the
// stopped thread and the answer, which must contain want.
func dlvStopAndLeave(t testing.TB, d *dlvSession, bp *api.Breakpoint, url, file string, line int, want string) (*api.Thread, string) {
	t.Helper()
	cont := d.Continue()
	reply := getAsync(url)
	var st *api.DebuggerState
	select {
	case st = <-cont:
	case <-time.After(30 * time.Second):
		t.Fatalf("dlv: no stop within 30s of sending the request")
	}
	if st == nil || st.Err != nil {
		t.Fatalf("dlv: continue ended with %+v", st)
	}
	if st.Exited {
		t.Fatalf("dlv: the target exited (status %d) instead of stopping", st.ExitStatus)
	}
	th := st.CurrentThread
	if th == nil || th.Breakpoint == nil || th.Breakpoint.ID != bp.ID {
		t.Fatalf("dlv: stopped, but not at breakpoint %d: thread %+v", bp.ID, th)
	}
	if (file != "" && th.File != file) || th.Line != line {
		t.Fatalf("dlv: stopped at %s:%d, want %s:%d", th.File, th.Line, file, line)
	}
	mustBlock(t, reply, "dlv")
	if _, err := d.ClearBreakpoint(bp.ID); err != nil {
		t.Fatalf("dlv ClearBreakpoint: %v", err)
	}
	// Resume and leave: the target runs on, dlv keeps serving.
	if err := d.Disconnect(true); err != nil {
		t.Fatalf("dlv Disconnect(continue): %v", err)
	}
	return th, strings.TrimSpace(mustAnswer(t, reply, want, 20*time.Second))
}

// dlvBreakThroughRules halts the target and sets a breakpoint at local:line,
// a path the binary does not know (-trimpath: it knows module paths): the
// breakpoint must be refused as it is, and bind through substitute-path
// rules ([remote, local] pairs).
func dlvBreakThroughRules(t testing.TB, d *dlvSession, local string, line int, rules [][2]string) *api.Breakpoint {
	t.Helper()
	if st, err := d.Halt(); err != nil {
		t.Fatalf("dlv halt: %v (state %+v)", err, st)
	}
	loc := fmt.Sprintf("%s:%d", local, line)
	if _, err := d.CreateBreakpoint(&api.Breakpoint{File: local, Line: line}); err == nil {
		t.Fatalf("a breakpoint at %s bound without substitute-path rules: the test proves nothing", loc)
	}
	bp, err := d.CreateBreakpointWithExpr(&api.Breakpoint{}, loc, rules, false)
	if err != nil {
		t.Fatalf("breakpoint at %s with substitute-path %v: %v", loc, rules, err)
	}
	return bp
}

// pump passes what next reads to msgs until next fails; then the error goes
// to errc and msgs is closed, which the session's await reports.
func pump[M any](msgs chan<- M, errc chan<- error, next func() (M, error)) {
	for {
		m, err := next()
		if err != nil {
			errc <- err
			close(msgs)
			return
		}
		msgs <- m
	}
}

// awaitMessage reads a session's msgs (fed by pump) until match says yes. It
// fails when the connection closes first (with the reader's error from errc)
// or timeout passes; proto names the protocol and seen adds what the session
// has seen to either message.
func awaitMessage[M any](t testing.TB, proto, what string, timeout time.Duration, msgs <-chan M, errc <-chan error, seen func() string, match func(M) bool) M {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("%s: connection closed while waiting for %s: %v%s", proto, what, <-errc, seen())
			}
			if match(m) {
				return m
			}
		case <-deadline:
			t.Fatalf("%s: no %s within %s%s", proto, what, timeout, seen())
		}
	}
}

// ---- debugpy (DAP, google/go-dap) -------------------------------------------

// dapMessage is any DAP message, decoded only as far as routing needs:
// debugpy sends events go-dap's codec does not know (debugpySockets).
type dapMessage struct {
	Seq        int             `json:"seq"`
	Type       string          `json:"type"`
	Command    string          `json:"command"`
	Event      string          `json:"event"`
	RequestSeq int             `json:"request_seq"`
	Success    bool            `json:"success"`
	Message    string          `json:"message"`
	Body       json.RawMessage `json:"body"`
}

type dapSession struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	seq  int
	msgs chan dapMessage
	errc chan error
	log  []string
	// seen, when set, is shown every message await reads.
	seen func(dapMessage)
}

func dialDAP(t testing.TB, addr string) *dapSession {
	t.Helper()
	conn, err := dialRetry(addr, 30*time.Second)
	if err != nil {
		t.Fatalf("debugpy: %v", err)
	}
	s := &dapSession{t: t, conn: conn, r: bufio.NewReader(conn), msgs: make(chan dapMessage, 256), errc: make(chan error, 1)}
	go pump(s.msgs, s.errc, func() (dapMessage, error) {
		var m dapMessage
		raw, err := dap.ReadBaseMessage(s.r)
		if err != nil {
			return m, err
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return m, fmt.Errorf("DAP message %q: %w", raw, err)
		}
		return m, nil
	})
	t.Cleanup(func() { conn.Close() })
	return s
}

func (s *dapSession) send(msg dap.RequestMessage) int {
	s.t.Helper()
	s.seq++
	req := msg.GetRequest()
	req.Seq, req.Type = s.seq, "request"
	if err := dap.WriteProtocolMessage(s.conn, msg); err != nil {
		s.t.Fatalf("DAP %s: %v", req.Command, err)
	}
	return s.seq
}

// await reads messages until match says yes; it fails on a failed response
// to any request and on timeout.
func (s *dapSession) await(what string, timeout time.Duration, match func(dapMessage) bool) dapMessage {
	s.t.Helper()
	seen := func() string { return " (seen: " + strings.Join(s.log, ", ") + ")" }
	return awaitMessage(s.t, "DAP", what, timeout, s.msgs, s.errc, seen, func(m dapMessage) bool {
		s.log = append(s.log, m.Type+":"+m.Command+m.Event)
		if s.seen != nil {
			s.seen(m)
		}
		if m.Type == "response" && !m.Success {
			s.t.Fatalf("DAP %s request failed: %s (%s)", m.Command, m.Message, m.Body)
		}
		return match(m)
	})
}

// disconnect leaves the debuggee running.
func (s *dapSession) disconnect() {
	s.t.Helper()
	seq := s.send(&dap.DisconnectRequest{Request: dap.Request{Command: "disconnect"},
		Arguments: &dap.DisconnectArguments{TerminateDebuggee: false}})
	s.response(seq, "disconnect")
}

func (s *dapSession) response(seq int, command string) dapMessage {
	s.t.Helper()
	return s.await(command+" response", 30*time.Second, func(m dapMessage) bool {
		return m.Type == "response" && m.RequestSeq == seq
	})
}

func (s *dapSession) event(name string, timeout time.Duration) dapMessage {
	s.t.Helper()
	return s.await(name+" event", timeout, func(m dapMessage) bool { return m.Type == "event" && m.Event == name })
}

// dapClient is who attaches and how: the initialize request's clientID,
// the attach arguments, and where to keep the debugpyAttach events seen
// during the handshake (debugpy announces each forked worker that way; a
// client answers each with a new session to the same adapter).
type dapClient struct {
	id       string          // "cnbdebug-it" when empty
	args     json.RawMessage // {"justMyCode": false} when nil
	children *[]json.RawMessage
}

// dapAttach does the attach handshake with a breakpoint at file:line (none
// when line is 0) set before configurationDone, as an IDE does.
func dapAttach(t testing.TB, addr, file string, line int) *dapSession {
	t.Helper()
	return dapAttachAs(t, addr, file, line, dapClient{})
}

// dapAttachAs is dapAttach for the client c; debugpy must verify the
// breakpoint.
func dapAttachAs(t testing.TB, addr, file string, line int, c dapClient) *dapSession {
	t.Helper()
	if c.id == "" {
		c.id = "cnbdebug-it"
	}
	if c.args == nil {
		c.args = json.RawMessage(`{"justMyCode": false}`)
	}
	s := dialDAP(t, addr)
	if c.children != nil {
		s.seen = func(m dapMessage) {
			if m.Type == "event" && m.Event == "debugpyAttach" {
				*c.children = append(*c.children, m.Body)
			}
		}
		defer func() { s.seen = nil }()
	}
	initSeq := s.send(&dap.InitializeRequest{Request: dap.Request{Command: "initialize"},
		Arguments: dap.InitializeRequestArguments{ClientID: c.id, AdapterID: "debugpy",
			LinesStartAt1: true, ColumnsStartAt1: true, PathFormat: "path"}})
	s.response(initSeq, "initialize")
	attachSeq := s.send(&dap.AttachRequest{Request: dap.Request{Command: "attach"}, Arguments: c.args})
	s.event("initialized", 30*time.Second)
	if line > 0 {
		bpSeq := s.send(&dap.SetBreakpointsRequest{Request: dap.Request{Command: "setBreakpoints"},
			Arguments: dap.SetBreakpointsArguments{Source: dap.Source{Path: file}, Breakpoints: []dap.SourceBreakpoint{{Line: line}}}})
		resp := s.response(bpSeq, "setBreakpoints")
		var body dap.SetBreakpointsResponseBody
		if err := json.Unmarshal(resp.Body, &body); err != nil || len(body.Breakpoints) != 1 || !body.Breakpoints[0].Verified {
			t.Fatalf("debugpy did not verify the breakpoint at %s:%d: %s (%v)", file, line, resp.Body, err)
		}
	}
	doneSeq := s.send(&dap.ConfigurationDoneRequest{Request: dap.Request{Command: "configurationDone"}})
	s.response(doneSeq, "configurationDone")
	s.response(attachSeq, "attach")
	return s
}

// dapStoppedOrAnswered waits for a stopped event, or for the request to be
// answered first (it was not stopped); other messages are passed over.
func dapStoppedOrAnswered(s *dapSession, reply <-chan httpResult, timeout time.Duration) (dapMessage, *httpResult) {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				s.t.Fatalf("DAP: the connection closed while waiting for a stopped event")
			}
			s.log = append(s.log, m.Type+":"+m.Event+m.Command)
			if m.Type == "event" && m.Event == "stopped" {
				return m, nil
			}
		case r := <-reply:
			return dapMessage{}, &r
		case <-deadline:
			s.t.Fatalf("DAP: no stopped event within %v (seen: %s)", timeout, strings.Join(s.log, ", "))
		}
	}
}

// dapHitBreakpoint: attach, break at file:line, drive a request into it,
// check the stop and the frame, continue, get the answer, disconnect.
func dapHitBreakpoint(t testing.TB, addr, file string, line int, url, want string) string {
	t.Helper()
	s := dapAttach(t, addr, file, line)
	reply := getAsync(url)
	ev, answered := dapStoppedOrAnswered(s, reply, 30*time.Second)
	if answered != nil {
		// Seen about once per full parallel CI run on a loaded machine, in
		// TestShapes only: the first request after attaching was served
		// without stopping although debugpy had verified the breakpoint. An
		// IDE user would send the request again; so does the test, once,
		// and says so, and a second miss fails.
		t.Logf("debugpy: the first request was answered without stopping (%q, %v); sending it again", answered.body, answered.err)
		reply = getAsync(url)
		if ev, answered = dapStoppedOrAnswered(s, reply, 30*time.Second); answered != nil {
			t.Fatalf("debugpy: the request was answered again without stopping at %s:%d: %q, %v", file, line, answered.body, answered.err)
		}
	}
	top, stopped, body := dapStoppedAt(t, s, ev, reply, file, line, want)
	s.disconnect()
	return fmt.Sprintf("debugpy stopped at %s:%d in %s (thread %d); answered %s", top.Source.Path, top.Line, top.Name, stopped.ThreadId, body)
}

// dapStoppedAt checks that the stopped event ev is a breakpoint stop whose
// top frame is file:line, as this client knows the file (the image's path,
// or an IDE's checkout mapped through pathMappings), and that the request
// behind reply is held; then it continues and returns the frame, the event
// and the answer, which must contain want.
func dapStoppedAt(t testing.TB, s *dapSession, ev dapMessage, reply <-chan httpResult, file string, line int, want string) (dap.StackFrame, dap.StoppedEventBody, string) {
	t.Helper()
	var stopped dap.StoppedEventBody
	if err := json.Unmarshal(ev.Body, &stopped); err != nil {
		t.Fatalf("stopped event body %s: %v", ev.Body, err)
	}
	if stopped.Reason != "breakpoint" {
		t.Fatalf("debugpy stopped for %q, want breakpoint (%s)", stopped.Reason, ev.Body)
	}
	traceSeq := s.send(&dap.StackTraceRequest{Request: dap.Request{Command: "stackTrace"},
		Arguments: dap.StackTraceArguments{ThreadId: stopped.ThreadId, Levels: 1}})
	var trace dap.StackTraceResponseBody
	if err := json.Unmarshal(s.response(traceSeq, "stackTrace").Body, &trace); err != nil || len(trace.StackFrames) == 0 {
		t.Fatalf("stackTrace: %v %+v", err, trace)
	}
	top := trace.StackFrames[0]
	if top.Source == nil || top.Source.Path != file || top.Line != line {
		t.Fatalf("debugpy stopped at %+v line %d, want %s:%d", top.Source, top.Line, file, line)
	}
	mustBlock(t, reply, "debugpy")
	contSeq := s.send(&dap.ContinueRequest{Request: dap.Request{Command: "continue"},
		Arguments: dap.ContinueArguments{ThreadId: stopped.ThreadId}})
	s.response(contSeq, "continue")
	body := mustAnswer(t, reply, want, 20*time.Second)
	return top, stopped, strings.TrimSpace(body)
}

// ---- node inspector (CDP over WebSocket, coder/websocket) ------------------

// cdpTarget is one entry of the inspector's /json/list.
type cdpTarget struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	Title                string `json:"title"`
	URL                  string `json:"url"`
	WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
}

// cdpTargets polls http://addr/json/list until the inspector answers.
func cdpTargets(addr string, timeout time.Duration) ([]cdpTarget, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/json/list")
		if err == nil {
			var targets []cdpTarget
			err = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			if err == nil {
				return targets, nil
			}
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("inspector %s/json/list: %v", addr, lastErr)
}

type cdpMessage struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type cdpSession struct {
	t    testing.TB
	conn *websocket.Conn
	ctx  context.Context
	id   int
	msgs chan cdpMessage
	errc chan error

	mu      sync.Mutex
	scripts map[string]string // scriptId -> url, from Debugger.scriptParsed
}

// scriptURL is the url of a parsed script (call frames carry only its id).
func (s *cdpSession) scriptURL(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scripts[id]
}

func dialCDP(t testing.TB, wsURL string) *cdpSession {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dialCtx, dialCancel := context.WithTimeout(ctx, 10*time.Second)
	defer dialCancel()
	conn, _, err := websocket.Dial(dialCtx, wsURL, nil)
	if err != nil {
		t.Fatalf("CDP dial %s: %v", wsURL, err)
	}
	conn.SetReadLimit(64 << 20)
	s := &cdpSession{t: t, conn: conn, ctx: ctx, msgs: make(chan cdpMessage, 1024), errc: make(chan error, 1), scripts: map[string]string{}}
	go pump(s.msgs, s.errc, func() (cdpMessage, error) {
		for {
			var m cdpMessage
			_, data, err := conn.Read(ctx)
			if err != nil {
				return m, err
			}
			if err := json.Unmarshal(data, &m); err != nil {
				return m, err
			}
			if m.Method != "Debugger.scriptParsed" {
				return m, nil
			}
			// Kept for the pause's frames, not passed on.
			var p struct {
				ScriptID string `json:"scriptId"`
				URL      string `json:"url"`
			}
			if json.Unmarshal(m.Params, &p) == nil {
				s.mu.Lock()
				s.scripts[p.ScriptID] = p.URL
				s.mu.Unlock()
			}
		}
	})
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	return s
}

func (s *cdpSession) await(what string, timeout time.Duration, match func(cdpMessage) bool) cdpMessage {
	s.t.Helper()
	return awaitMessage(s.t, "CDP", what, timeout, s.msgs, s.errc, func() string { return "" }, match)
}

// call sends a command and waits for its result.
func (s *cdpSession) call(method string, params any) json.RawMessage {
	s.t.Helper()
	s.id++
	id := s.id
	data, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.conn.Write(s.ctx, websocket.MessageText, data); err != nil {
		s.t.Fatalf("CDP %s: %v", method, err)
	}
	m := s.await(method+" result", 30*time.Second, func(m cdpMessage) bool { return m.ID == id })
	if m.Error != nil {
		s.t.Fatalf("CDP %s: error %d %s", method, m.Error.Code, m.Error.Message)
	}
	return m.Result
}

// cdpStart is how the app's node waits for the debugger, if it does.
type cdpStart int

const (
	cdpRunning cdpStart = iota // --inspect: it runs
	// --inspect-brk: it waits for Runtime.runIfWaitingForDebugger, then
	// stops before the first line.
	cdpBreakOnStart
	// inspector.open(..., wait): it waits for Runtime.runIfWaitingForDebugger,
	// then runs on (no pause on start).
	cdpWaiting
)

// cdpHitBreakpoint: the inspector at addr must list exactly one target, the
// app's script; break at its line (1-based), let a waiting node run until
// the app's port is up, drive a request into the breakpoint, check the
// pause, resume, get the answer.
func cdpHitBreakpoint(t testing.TB, addr, file string, line int, url, want string, start cdpStart) string {
	t.Helper()
	targets, err := cdpTargets(addr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 {
		t.Fatalf("inspector %s lists %d targets, want exactly the app's: %+v", addr, len(targets), targets)
	}
	if targets[0].URL != "file://"+file {
		t.Fatalf("inspector %s debugs %q, want the app's file://%s", addr, targets[0].URL, file)
	}
	s := dialCDP(t, targets[0].WebSocketDebuggerURL)
	s.call("Debugger.enable", map[string]any{})
	var set struct {
		BreakpointID string `json:"breakpointId"`
	}
	if err := json.Unmarshal(s.call("Debugger.setBreakpointByUrl", map[string]any{
		"lineNumber": line - 1, "url": "file://" + file}), &set); err != nil || set.BreakpointID == "" {
		t.Fatalf("Debugger.setBreakpointByUrl: %v %+v", err, set)
	}
	if start != cdpRunning {
		s.call("Runtime.runIfWaitingForDebugger", map[string]any{})
		if start == cdpBreakOnStart {
			s.await("Debugger.paused on start", 30*time.Second, func(m cdpMessage) bool { return m.Method == "Debugger.paused" })
			s.call("Debugger.resume", map[string]any{})
		}
		if err := waitTCP(url, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	reply := getAsync(url)
	paused := s.await("Debugger.paused", 30*time.Second, func(m cdpMessage) bool { return m.Method == "Debugger.paused" })
	var p struct {
		Reason         string   `json:"reason"`
		HitBreakpoints []string `json:"hitBreakpoints"`
		CallFrames     []struct {
			FunctionName string `json:"functionName"`
			Location     struct {
				ScriptID   string `json:"scriptId"`
				LineNumber int    `json:"lineNumber"`
			} `json:"location"`
		} `json:"callFrames"`
	}
	if err := json.Unmarshal(paused.Params, &p); err != nil || len(p.CallFrames) == 0 {
		t.Fatalf("Debugger.paused params %s: %v", paused.Params, err)
	}
	// Node 20 says reason "other" for a breakpoint: hitBreakpoints tells.
	if len(p.HitBreakpoints) != 1 || p.HitBreakpoints[0] != set.BreakpointID {
		t.Fatalf("paused (reason %q) at breakpoints %v, want %s", p.Reason, p.HitBreakpoints, set.BreakpointID)
	}
	top := p.CallFrames[0]
	topURL := s.scriptURL(top.Location.ScriptID)
	if topURL != "file://"+file || top.Location.LineNumber != line-1 {
		t.Fatalf("paused at %s:%d (0-based), want %s:%d", topURL, top.Location.LineNumber, file, line-1)
	}
	mustBlock(t, reply, "node")
	s.call("Debugger.removeBreakpoint", map[string]any{"breakpointId": set.BreakpointID})
	s.call("Debugger.resume", map[string]any{})
	body := mustAnswer(t, reply, want, 20*time.Second)
	return fmt.Sprintf("node paused (reason %q, hitBreakpoints %v) at %s:%d in %q; answered %s", p.Reason, p.HitBreakpoints, topURL, top.Location.LineNumber+1, top.FunctionName, strings.TrimSpace(body))
}

// ---- JDWP (jdb) ----------------------------------------------------------------

// jdbSession runs jdb with piped stdin/stdout; commands are paced by waiting
// for jdb's answer to each one (it drops input sent before it is ready).
type jdbSession struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	done   chan struct{} // closed when jdb has exited
	mu     sync.Mutex
	out    strings.Builder
	offset int
}

func startJdb(t testing.TB, addr string) *jdbSession {
	t.Helper()
	jdb, err := exec.LookPath("jdb")
	if err != nil {
		t.Skip("jdb is not installed (Debian package openjdk-17-jdk-headless)")
	}
	cmd := exec.Command(jdb, "-attach", addr)
	// Every JVM reads JAVA_TOOL_OPTIONS, jdb included.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JAVA_TOOL_OPTIONS=") && !strings.HasPrefix(kv, "JDK_JAVA_OPTIONS=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	s := &jdbSession{t: t, cmd: cmd, done: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.stdin = stdin
	cmd.Stdout = s
	cmd.Stderr = s
	if err := cmd.Start(); err != nil {
		t.Fatalf("jdb: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("jdb output:\n%s", s.output())
		}
	})
	return s
}

func (s *jdbSession) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func (s *jdbSession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// expect waits until output after the last match matches pattern.
func (s *jdbSession) expect(pattern string, timeout time.Duration) string {
	s.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(timeout)
	for {
		out := s.output()
		if loc := re.FindStringIndex(out[s.offset:]); loc != nil {
			m := out[s.offset+loc[0] : s.offset+loc[1]]
			s.offset += loc[1]
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("jdb: no %q within %s; output:\n%s", pattern, timeout, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *jdbSession) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatalf("jdb %q: %v", line, err)
	}
}

// jdbHitBreakpoint: attach, `stop at CLASS:LINE`, drive a request into it,
// wait for "Breakpoint hit" at that line, `cont`, get the answer, detach.
func jdbHitBreakpoint(t testing.TB, addr, class string, line int, url, want string) string {
	t.Helper()
	s := startJdb(t, addr)
	s.expect(`Initializing jdb \.\.\.`, 30*time.Second)
	s.expect(`> `, 30*time.Second)
	s.send(fmt.Sprintf("stop at %s:%d", class, line))
	s.expect(fmt.Sprintf(`Set breakpoint %s:%d`, regexp.QuoteMeta(class), line), 30*time.Second)
	reply := getAsync(url)
	hit := s.expect(`Breakpoint hit: "thread=[^"]*", [^\n]*line=\d+ bci=\d+`, 30*time.Second)
	if !strings.Contains(hit, fmt.Sprintf("line=%d ", line)) {
		t.Fatalf("jdb stopped at %q, want line %d", hit, line)
	}
	s.expect(`\[\d+\] `, 10*time.Second) // the thread's prompt: it is suspended
	mustBlock(t, reply, "jdb")
	s.send(fmt.Sprintf("clear %s:%d", class, line))
	s.expect(`Removed: breakpoint`, 10*time.Second)
	s.send("cont")
	body := mustAnswer(t, reply, want, 20*time.Second)
	s.send("quit")
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("jdb did not quit")
	}
	return fmt.Sprintf("jdb: %s; answered %s", hit, strings.TrimSpace(body))
}
