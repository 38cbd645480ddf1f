// Connecting to a headless Delve with Delve's own JSON-RPC 2 client
// (service/rpc2), retrying while the container starts.
package pack

import (
	"fmt"
	"net"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

// dialDlv connects to a headless Delve at addr and returns the client once
// it answers GetVersion (a published port may accept before Delve listens
// behind it, and a refused or closed connection is retried).
func dialDlv(addr string, timeout time.Duration) (*rpc2.RPCClient, *api.GetVersionOut, error) {
	deadline := time.Now().Add(timeout)
	lastErr := fmt.Errorf("no attempt")
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			lastErr = err
			time.Sleep(200 * time.Millisecond)
			continue
		}
		type answer struct {
			client  *rpc2.RPCClient
			version *api.GetVersionOut
		}
		answered := make(chan answer, 1)
		go func() {
			// NewClientFromConn already makes a call (SetApiVersion); errors
			// show as an empty GetVersion answer.
			c := rpc2.NewClientFromConn(conn)
			answered <- answer{c, c.GetVersion()}
		}()
		select {
		case a := <-answered:
			if a.version != nil && a.version.DelveVersion != "" {
				return a.client, a.version, nil
			}
			lastErr = fmt.Errorf("connected, but GetVersion gave no answer")
		case <-time.After(5 * time.Second):
			lastErr = fmt.Errorf("connected, but no answer to GetVersion within 5s")
		}
		conn.Close()
		time.Sleep(200 * time.Millisecond)
	}
	return nil, nil, fmt.Errorf("dlv at %s: %v", addr, lastErr)
}
