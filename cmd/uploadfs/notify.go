package main

import (
	"net"
	"os"
)

// sdNotify sends state to the service manager when it asked for it
// (NOTIFY_SOCKET, as systemd sets for Type=notify): the protocol is one
// datagram, so no library is needed. Errors are ignored: a mount does not
// fail because nobody listens.
func sdNotify(state string) {
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock == "" {
		return
	}
	if sock[0] == '@' { // an abstract socket
		sock = "\x00" + sock[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Write([]byte(state))
}
