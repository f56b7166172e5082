package fsnode

import (
	"context"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// The kernel sends FUSE an INTERRUPT for any signal that reaches a thread
// waiting on the mount, handled and restartable ones included: the Go
// runtime's SIGURG, SIGALRM timers, SIGCHLD, SIGWINCH. go-fuse then ends the
// operation's context. Answering EINTR to every interrupt fails calls that
// nobody cancelled (Python's os.listdir raises InterruptedError; raw
// syscalls of a Go program fail); ignoring every interrupt makes Ctrl-C on a
// command stuck on a hung server wait for the whole deadline.
//
// So a waiting operation ends with EINTR only when its caller is being
// stopped (callerStopping, per platform). The kernel sends one INTERRUPT per
// request: after a harmless signal has used it, a later Ctrl-C sends
// nothing, so the operation keeps checking its caller every stopPoll until
// it has its answer.
const stopPoll = 100 * time.Millisecond

// untilStopped returns a context for an operation to wait under: it ends
// when the FUSE caller behind ctx is being stopped, not on every interrupt.
// A context that carries no FUSE caller (a shared fetch, a prefetch) is
// returned as it is. Call stop when the wait is over.
func untilStopped(ctx context.Context) (_ context.Context, stop func()) {
	caller, ok := fuse.FromContext(ctx)
	if !ok {
		return ctx, func() {}
	}
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	pid := caller.Pid
	// No goroutine until the kernel interrupts: most waits end first.
	unwatch := context.AfterFunc(ctx, func() {
		t := time.NewTicker(stopPoll)
		defer t.Stop()
		for !callerStopping(pid) {
			select {
			case <-out.Done():
				return
			case <-t.C:
			}
		}
		cancel()
	})
	return out, func() {
		unwatch()
		cancel()
	}
}
