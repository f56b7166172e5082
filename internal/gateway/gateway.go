// Package gateway runs versitygw, the S3-compatible server of the
// end-to-end tests and the benchmark, as a child process on 127.0.0.1 with
// its posix backend in a directory of the caller's.
package gateway

import (
	"bytes"
	"fmt"
	"net"
	"os/exec"
	"time"
)

// Gateway is a running versitygw. Close stops it.
type Gateway struct {
	URL  string
	cmd  *exec.Cmd
	logs bytes.Buffer
}

// Start runs the versitygw binary bin with the given keys, serving dataDir,
// and returns once it accepts connections.
func Start(bin, accessKey, secretKey, dataDir string) (*Gateway, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + port
	g := &Gateway{URL: "http://" + addr}
	g.cmd = exec.Command(bin, "--access", accessKey, "--secret", secretKey, "--port", addr, "posix", dataDir)
	g.cmd.Stdout, g.cmd.Stderr = &g.logs, &g.logs
	if err := g.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return g, nil
		}
	}
	g.Close()
	return nil, fmt.Errorf("versitygw did not listen on %s: %s", addr, g.logs.String())
}

// Close stops the gateway.
func (g *Gateway) Close() {
	g.cmd.Process.Kill()
	g.cmd.Wait()
}

// FreePort returns a loopback TCP port nothing listens on right now.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port), nil
}
