package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
)

// lastAttempt makes an operation that ran out of time say why: the SDK
// retries a server that is down until the deadline, and then reports only
// "context deadline exceeded"; the error of the last attempt ("connection
// refused", "503 SlowDown") is added to it. The deadline stays the error
// (errors.Is), the last attempt is its explanation.
func lastAttempt(st *middleware.Stack) error {
	err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("uploadfsLastAttempt",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			last := &atomic.Pointer[error]{}
			out, md, err := next.HandleInitialize(context.WithValue(ctx, lastAttemptKey{}, last), in)
			if l := last.Load(); l != nil && errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w (the last attempt: %v)", err, *l)
			}
			return out, md, err
		}), middleware.Before)
	if err != nil {
		return err
	}
	// After the retry middleware: once per attempt.
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("uploadfsAttemptError",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if last, ok := ctx.Value(lastAttemptKey{}).(*atomic.Pointer[error]); ok && err != nil &&
				!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				last.Store(&err)
			}
			return out, md, err
		}), middleware.After)
}

type lastAttemptKey struct{}
