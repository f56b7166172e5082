package gateway

import (
	"net"
	"os/exec"
)

// StartMoto runs moto_server (moto's stand-alone S3, which keeps lifecycle
// configurations) on a free loopback port; it takes any keys.
func StartMoto(bin string) (*Gateway, error) {
	return start(func(addr string) *exec.Cmd {
		host, port, _ := net.SplitHostPort(addr)
		return exec.Command(bin, "-H", host, "-p", port)
	})
}
