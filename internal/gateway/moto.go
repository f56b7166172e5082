package gateway

import (
	"net"
	"os/exec"
	"testing"
)

// StartMoto runs moto_server (moto's stand-alone S3, which keeps lifecycle
// configurations) on a free loopback port; it takes any keys.
func StartMoto(bin string) (*Gateway, error) {
	return start(func(addr string) *exec.Cmd {
		host, port, _ := net.SplitHostPort(addr)
		return exec.Command(bin, "-H", host, "-p", port)
	})
}

// MotoForTest starts moto_server for t and stops it when t ends: t is
// skipped where moto_server is not on PATH (make test does not install
// it), failed where it does not start.
func MotoForTest(t testing.TB) *Gateway {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not on PATH (pip install 'moto[server]'): this test needs it")
	}
	g, err := StartMoto(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}
