// Package motoserver starts moto_server (Organizations, STS and S3 of
// many accounts in one process) on loopback for the tests of a whole
// organization. moto is not among what make test installs: a test calls
// Start and skips when it returns ErrMissing.
package motoserver

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/gateway"
)

// ErrMissing: moto_server is not on PATH.
var ErrMissing = errors.New("moto_server not on PATH (pip install 'moto[server]')")

// Server is a running moto_server.
type Server struct {
	URL string
	cmd *exec.Cmd
}

// Start runs moto_server on a free loopback port and waits until it
// listens.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrMissing
	}
	port, err := gateway.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://127.0.0.1:" + port, cmd: exec.Command(bin, "-H", "127.0.0.1", "-p", port)}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	// moto imports every service's models before it listens: seconds.
	for range 600 {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Close()
	return nil, fmt.Errorf("moto_server did not listen on port %s", port)
}

// Close stops the server.
func (s *Server) Close() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// ForTest starts a server that stops when t ends, skipping t when
// moto_server is missing and failing it when it does not start.
func ForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if errors.Is(err, ErrMissing) {
		t.Skipf("%v: this test needs it", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
