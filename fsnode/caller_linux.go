package fsnode

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// stopSignals are the signals that mean "stop": SIGHUP, SIGINT, SIGQUIT,
// SIGKILL and SIGTERM, as a mask of bit signo-1. The kernel adds SIGKILL to
// every thread of a process that a default-action signal kills; a program
// that handles SIGINT (Python's KeyboardInterrupt, Go's signal.Notify) has
// SIGINT itself pending while it waits on the mount.
const (
	stopSignals = 1<<0 | 1<<1 | 1<<2 | sigkill | 1<<14 // HUP INT QUIT KILL TERM
	sigkill     = 1 << 8                               // cannot be blocked
)

// callerStopping reports whether thread tid (the FUSE request's caller) has
// a stop signal pending for itself (SigPnd) or its process (ShdPnd), and not
// blocked (SigBlk: a program that takes SIGTERM through signalfd is not being
// stopped by it). A thread that no longer exists is stopping.
func callerStopping(tid uint32) bool {
	b, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(tid), 10) + "/status")
	if err != nil {
		return true
	}
	pending, blocked, ok := signalMasks(b)
	return !ok || pending&stopSignals&^(blocked&^sigkill) != 0
}

// signalMasks reads the pending and blocked signal masks out of a
// /proc/<tid>/status file.
func signalMasks(status []byte) (pending, blocked uint64, ok bool) {
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, value, _ := bytes.Cut(sc.Bytes(), []byte(":"))
		var dst *uint64
		switch string(name) {
		case "SigPnd", "ShdPnd":
			dst = &pending
		case "SigBlk":
			dst = &blocked
		default:
			continue
		}
		v, err := strconv.ParseUint(string(bytes.TrimSpace(value)), 16, 64)
		if err != nil {
			return 0, 0, false
		}
		*dst |= v
		found++
	}
	return pending, blocked, found == 3
}
