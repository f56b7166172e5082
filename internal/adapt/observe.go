package adapt

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
)

type limiterKey struct{}

// With returns ctx carrying l: the requests sent on it tell l how they
// went (Middleware). A request on a context without a limiter (the mount's)
// is not observed.
func With(ctx context.Context, l *Limiter) context.Context {
	return context.WithValue(ctx, limiterKey{}, l)
}

// Without returns ctx carrying no limiter: what is sent on it (a bucket
// list, which no server answers at a listing's pace) teaches no limiter
// its latency.
func Without(ctx context.Context) context.Context {
	return context.WithValue(ctx, limiterKey{}, (*Limiter)(nil))
}

type holdingKey struct{}

// Holding returns ctx marking what is sent on it as holding one place of
// the bound (Acquire) for itself alone, as a part listing does: the retry
// of a throttled attempt then gives the place back and waits for room
// (requeue). A request sent while a listing holds one place for several
// (a level's pages, its proof) is not marked: its retry, waiting for room
// that listing holds, could wait for ever.
func Holding(ctx context.Context) context.Context {
	return context.WithValue(ctx, holdingKey{}, true)
}

// Middleware is an SDK API option (aws.Config.APIOptions) that tells the
// limiter of the request's context (With) how each attempt went: it sits
// in the Finalize step after the retry middleware, so each retry passes
// through it, and a throttled attempt is seen even when its retry
// succeeds; the retry of a throttled attempt that holds its own place
// (Holding) waits for room under the bound (requeue).
func Middleware(st *middleware.Stack) error {
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("uploadfsAdapt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			l, ok := ctx.Value(limiterKey{}).(*Limiter)
			if !ok || l == nil {
				return next.HandleFinalize(ctx, in)
			}
			sent := time.Now()
			out, md, err := next.HandleFinalize(ctx, in)
			switch {
			case err == nil:
				l.answered(sent, time.Since(sent))
			case congestion(err):
				l.congested(sent)
				if ctx.Value(holdingKey{}) != nil {
					l.requeue(ctx)
				}
			}
			return out, md, err
		}), middleware.After)
}

var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// congestion reports whether err says the server has too much to do, or
// cannot be reached: throttling (503 SlowDown, 429, the SDK's throttle
// codes), a 5xx, or no answer at all. A 4xx other than 429 (NoSuchUpload,
// AccessDenied) and 501 NotImplemented (a server without lifecycle
// configurations) are answers, and a cancelled or expired context is the
// caller's.
func congestion(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if throttles.IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status := re.HTTPStatusCode()
		return status == http.StatusTooManyRequests || status >= 500 && status != http.StatusNotImplemented
	}
	return true
}
