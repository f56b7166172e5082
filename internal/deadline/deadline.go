// Package deadline bounds a listing by its progress, not its length: the
// listing ends with context.DeadlineExceeded once a whole timeout passes
// without an answer to any of its requests, and every answer gives it the
// timeout again. A hung or unreachable server is an error within the
// timeout; a level of a million uploads, a page after another, is never
// cut however long it takes, as long as its pages keep coming.
//
// The answers are seen by Middleware, installed in the SDK client; on a
// client without it a listing's context is a plain deadline of one
// timeout, as before.
package deadline

import (
	"context"
	"sync"
	"time"

	"github.com/aws/smithy-go/middleware"
)

// watch is a context that ends when its parent does or when d passes
// without progress. Its zero value is not usable; make it with With.
type watch struct {
	context.Context // the parent: its values, and the cause it ends with
	d               time.Duration
	done            chan struct{}
	timer           *time.Timer
	stop            func() bool // stops following the parent

	mu  sync.Mutex
	err error
}

type watchKey struct{}

// With returns a context that ends once d passes without progress
// (Middleware), with context.DeadlineExceeded, or when ctx does; cancel
// releases it and ends it with context.Canceled.
func With(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	w := &watch{Context: ctx, d: d, done: make(chan struct{})}
	w.mu.Lock() // either may end w at once
	w.timer = time.AfterFunc(d, func() { w.end(context.DeadlineExceeded) })
	w.stop = context.AfterFunc(ctx, func() { w.end(ctx.Err()) })
	w.mu.Unlock()
	return w, func() { w.end(context.Canceled) }
}

// end ends w with err, once.
func (w *watch) end(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	w.err = err
	w.timer.Stop()
	w.stop()
	close(w.done)
}

// progress gives w its whole timeout again, unless it has ended.
func (w *watch) progress() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.timer.Reset(w.d)
	}
}

// Deadline is the parent's: w has none fixed.
func (w *watch) Deadline() (time.Time, bool) { return w.Context.Deadline() }

func (w *watch) Done() <-chan struct{} { return w.done }

func (w *watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *watch) Value(key any) any {
	if key == (watchKey{}) {
		return w
	}
	return w.Context.Value(key)
}

// Middleware is an SDK API option (aws.Config.APIOptions) that counts
// each successful answer as progress of the listing whose context (With)
// the request was sent on; a server that answers only errors (503 on
// every retry) makes none. It sits in the Finalize step after the retry
// middleware, so each attempt is seen.
func Middleware(st *middleware.Stack) error {
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("uploadfsDeadline",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if w, ok := ctx.Value(watchKey{}).(*watch); ok && err == nil {
				w.progress()
			}
			return out, md, err
		}), middleware.After)
}
