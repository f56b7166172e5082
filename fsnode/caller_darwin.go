package fsnode

// callerStopping: macOS has no way to read another process's pending
// signals (XNU reports a process's p_siglist as empty, and signals are per
// thread), so an interrupt is taken as a stop request, as macFUSE's own
// file systems do: Ctrl-C stays instant, and a handled signal can fail a
// waiting call with EINTR, which the libraries of most programs retry.
func callerStopping(uint32) bool { return true }
