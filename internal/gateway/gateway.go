// Package gateway runs versitygw, the S3-compatible server of the
// end-to-end tests and the benchmark, as a child process on 127.0.0.1 with
// its posix backend in a directory of the caller's; and MinIO likewise for
// the optional compatibility check (make compat); and moto_server, which
// keeps lifecycle configurations (moto.go).
package gateway

import (
	"bytes"
	"fmt"
	"net"
	"os"
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
	return start(func(addr string) *exec.Cmd {
		return exec.Command(bin, "--access", accessKey, "--secret", secretKey, "--port", addr, "posix", dataDir)
	})
}

// StartMinIO runs a MinIO server binary the same way (for make compat).
func StartMinIO(bin, accessKey, secretKey, dataDir string) (*Gateway, error) {
	return start(func(addr string) *exec.Cmd {
		cmd := exec.Command(bin, "server", "--quiet", "--address", addr, dataDir)
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+accessKey, "MINIO_ROOT_PASSWORD="+secretKey)
		return cmd
	})
}

func start(command func(addr string) *exec.Cmd) (*Gateway, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + port
	g := &Gateway{URL: "http://" + addr}
	g.cmd = command(addr)
	g.cmd.Stdout, g.cmd.Stderr = &g.logs, &g.logs
	if err := g.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return g, nil
		}
	}
	g.Close()
	return nil, fmt.Errorf("%s did not listen on %s: %s", g.cmd.Path, addr, g.logs.String())
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
