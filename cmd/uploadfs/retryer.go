package main

import (
	"errors"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// retryAttempts is how often the SDK tries a throttled, failed or dropped
// request before the error reaches the file system as EIO.
const retryAttempts = 5

// reconnectDelay is the wait before the nth retry of a refused or reset
// connection: n times it, so the five attempts take about a second.
const reconnectDelay = 100 * time.Millisecond

// newRetryer is the SDK's standard retryer as every command uses it.
func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = retryAttempts
		o.MaxBackoff = 5 * time.Second
		o.Backoff = quickReconnect{retry.NewExponentialJitterBackoff(o.MaxBackoff)}
		// The SDK's retry quota would, after a burst of throttling,
		// refuse every retry for the rest of a mount that lives for
		// days; the timeout bounds the retries instead.
		o.RateLimiter = ratelimit.None
	})
}

// quickReconnect retries a refused or reset connection soon: a server that
// is down says so at once, and the exponential backoff meant for
// throttling (up to 5 s a retry) would make the five attempts take the
// whole timeout before the error, which names the refusal, is shown.
// Throttling and the rest keep the exponential backoff.
type quickReconnect struct{ retry.BackoffDelayer }

func (b quickReconnect) BackoffDelay(attempt int, err error) (time.Duration, error) {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return time.Duration(attempt) * reconnectDelay, nil
	}
	return b.BackoffDelayer.BackoffDelay(attempt, err)
}
