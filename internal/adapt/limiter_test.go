package adapt

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func full(t *testing.T, l *Limiter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if l.Acquire(ctx) {
		t.Fatal("a place beyond the bound")
	}
}

// The bound doubles in a round trip of fast answers while in use, shrinks
// by 30 % once for a round trip of throttled ones, then grows by one a
// round trip; it never passes its cap.
func TestLimiterRule(t *testing.T) {
	l := New(100)
	ctx := context.Background()
	for range Start {
		if !l.Acquire(ctx) {
			t.Fatal("no place")
		}
	}
	full(t, l)
	sent := time.Now()
	for range Start {
		l.answered(sent, time.Millisecond)
	}
	if n, most := l.Limit(); n != 100 || most != Start {
		t.Fatalf("after a round trip of fast answers: bound %d, most %d; want the cap 100, %d", n, most, Start)
	}
	l.congested(sent)
	l.congested(sent) // in flight when the bound was cut: the same congestion
	if n, _ := l.Limit(); n != 70 {
		t.Fatalf("after a throttled round trip: %d, want 70", n)
	}
	later := time.Now().Add(time.Second) // after the round trip that saw it
	for range 70 {
		l.answered(later, time.Millisecond)
	}
	if n, _ := l.Limit(); n != 70 && n != 71 {
		t.Fatalf("after a round trip past the first throttle: %d, want one more", n)
	}
	l.answered(later, 10*time.Millisecond) // slower than twice the usual: no growth
	for range Start {
		l.Release()
	}
	for range 20 {
		l.answered(later, time.Millisecond) // a bound not in use does not grow
	}
	if n, _ := l.Limit(); n > 71 {
		t.Fatalf("grew to %d unused", n)
	}
}

// A small cap is the bound from the start.
func TestLimiterCap(t *testing.T) {
	l := New(3)
	for range 3 {
		l.Acquire(context.Background())
	}
	full(t, l)
	l.Release()
	if !l.Acquire(context.Background()) {
		t.Fatal("a released place is not given again")
	}
}

// A throttled request's retry waits, its place given back, until the
// bound has room again: the bound it shrank to holds its retries too. When
// its context ends it takes its place back at once, for its caller's
// Release.
func TestLimiterRequeue(t *testing.T) {
	l := New(10)
	ctx := context.Background()
	for range 10 {
		l.Acquire(ctx)
	}
	l.congested(time.Now()) // the bound is 7 now, 10 in flight
	retried := make(chan struct{})
	go func() {
		l.requeue(ctx)
		close(retried)
	}()
	for range 3 {
		select {
		case <-retried:
			t.Fatal("a retry was sent beyond the bound")
		case <-time.After(10 * time.Millisecond):
		}
		l.Release()
	}
	<-retried // 6 in flight, then the retry: 7
	full(t, l)
	l.congested(time.Now().Add(time.Hour)) // a round trip later: the bound is 4
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	l.requeue(cancelled)
	for range 7 {
		l.Release()
	}
	for range 4 {
		if !l.Acquire(cancelled) {
			t.Fatal("a place lost to a cancelled retry")
		}
	}
	full(t, l)
}

// What counts as congestion: throttling, 5xx and no answer; not a 4xx
// answer nor the caller's own deadline.
func TestCongestion(t *testing.T) {
	answer := func(status int, code string) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code}}}
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{answer(503, "SlowDown"), true},
		{answer(400, "Throttling"), true},
		{answer(429, "TooManyRequests"), true},
		{answer(500, "InternalError"), true},
		{answer(404, "NoSuchUpload"), false},
		{answer(403, "AccessDenied"), false},
		{answer(501, "NotImplemented"), false},
		{&smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}, true},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
	} {
		if got := congestion(c.err); got != c.want {
			t.Errorf("%v: congestion %v, want %v", c.err, got, c.want)
		}
	}
}
