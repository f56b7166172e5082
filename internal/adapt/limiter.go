// Package adapt bounds the listings a scan (the report's walk, abort's)
// keeps in flight, and moves the bound with what the server says: up while
// answers come back as fast as ever and nothing is throttled, down on 503
// SlowDown, throttling and failures. A fixed pool is wrong both ways: S3
// answers thousands of LIST requests a second, a small server fewer.
//
// The rule is TCP's (AIMD with a slow start): the bound starts at Start,
// and every answer that comes back within twice the usual latency, while
// the bound is in use, adds one to it (doubling it each round trip) until
// the first sign of congestion; then it shrinks by 30 %, and grows by one
// a round trip. When most answers come slower than that, the doubling
// ends and nothing grows, so a server that queues (its latency grows with
// the load) is not pushed further. A cap (--concurrency) bounds it all.
// The bound holds attempts, not only listings: a throttled request that
// holds a place of its own (Holding) gives it back and its retry waits for
// room, so that the listings in flight when the bound shrank do not keep
// the server throttling them.
//
// Use: New(cap) for a scan; put it in the scan's context (With), so that
// the client's Middleware tells it how each request went; Acquire before
// each listing, Release after.
//
// Files: limiter.go, the bound and its rule; observe.go, the SDK
// middleware that tells a scan's limiter (from the request's context) how
// each attempt went.
package adapt

import (
	"context"
	"sync"
	"time"
)

// Start is the bound a scan begins with (at most its cap): the fixed pool
// the report used before it adapted, as many as the mount prefetches.
const Start = 64

// Limiter is the adaptive bound. Safe for concurrent use; make it with
// New.
type Limiter struct {
	ceiling int

	mu        sync.Mutex
	limit     float64 // the bound; in flight may reach int(limit)
	threshold float64 // slow start (one more per answer) ends here
	inFlight  int
	most      int           // the most in flight at once
	least     time.Duration // least latency seen
	usual     float64       // latency, averaged over about 256 answers (ns)
	slow      float64       // the share of recent answers that were slow
	cut       time.Time     // the last decrease, and a round trip after
	freed     chan struct{} // closed when a place may have become free
}

// New returns a Limiter that starts at Start (or ceiling, if smaller) and
// never goes beyond ceiling (at least 1).
func New(ceiling int) *Limiter {
	ceiling = max(ceiling, 1)
	return &Limiter{ceiling: ceiling, limit: float64(min(Start, ceiling)), threshold: float64(ceiling), freed: make(chan struct{})}
}

// Acquire takes a place among those in flight, waiting for one; false if
// ctx ended first. Each true is followed by one Release.
func (l *Limiter) Acquire(ctx context.Context) bool {
	for {
		l.mu.Lock()
		if l.inFlight < int(l.limit) {
			l.inFlight++
			l.most = max(l.most, l.inFlight)
			l.mu.Unlock()
			return true
		}
		freed := l.freed
		l.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return false
		}
	}
}

// requeue holds a throttled request's retry until the bound has room for
// it, as if it were a new request: its place is given back and taken
// again. Without it, the listings in flight when the bound shrank would
// keep sending their retries, each holding its place through the SDK's
// attempts, and a server that throttles beyond so many in flight would
// throttle them all, round after round, until they gave up. When ctx ends
// the place is taken back at once (the caller Releases it), and the
// request fails on ctx.
func (l *Limiter) requeue(ctx context.Context) {
	l.Release()
	if !l.Acquire(ctx) {
		l.mu.Lock()
		l.inFlight++
		l.mu.Unlock()
	}
}

// Release gives back a place Acquire took.
func (l *Limiter) Release() {
	l.mu.Lock()
	l.inFlight--
	l.wake()
	l.mu.Unlock()
}

// wake tells the waiting Acquires to look again; l.mu is held.
func (l *Limiter) wake() {
	close(l.freed)
	l.freed = make(chan struct{})
}

// Limit is the bound now, and the most in flight at once so far.
func (l *Limiter) Limit() (limit, most int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int(l.limit), l.most
}

// Averaging weights: the usual latency moves with about 256 answers, the
// share of slow ones with about 16.
const (
	usualWeight = 1.0 / 256
	slowWeight  = 1.0 / 16
)

// answered is told of an answer that took took, to a request sent at
// sent. An answer is slow beyond twice the usual latency, the usual being
// at most four times the least seen (so that growing queues do not become
// the usual bit by bit). A fast one, while the bound is in use, grows it;
// when most recent answers are slow, the slow start ends and nothing
// grows. Single slow answers (S3's tail latency) change nothing.
func (l *Limiter) answered(sent time.Time, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.least == 0 || took < l.least {
		l.least = took
	}
	if l.usual == 0 {
		l.usual = float64(took)
	}
	l.usual += (float64(took) - l.usual) * usualWeight
	usual := min(l.usual, float64(4*l.least))
	fast := float64(took) <= 2*usual
	if fast {
		l.slow -= l.slow * slowWeight
	} else {
		l.slow += (1 - l.slow) * slowWeight
	}
	if l.slow > 0.5 {
		l.threshold = min(l.threshold, l.limit)
		return
	}
	if !fast {
		return
	}
	// A bound not in use says nothing about whether more would be taken.
	if float64(l.inFlight) < l.limit/2 || sent.Before(l.cut) {
		return
	}
	if l.limit < l.threshold {
		l.limit++
	} else {
		l.limit += 1 / l.limit
	}
	l.limit = min(l.limit, float64(l.ceiling))
	l.wake()
}

// backOff is what a sign of congestion leaves of the bound: CUBIC's 0.7
// rather than Reno's half, since the bound then grows back by one a round
// trip only.
const backOff = 0.7

// congested is told of a throttled or failed request sent at sent: the
// bound shrinks (backOff), once for all the requests that were in flight
// when it last did and those sent within a usual round trip after (they
// saw the same congestion; the SDK's retries of throttled requests are
// among them).
func (l *Limiter) congested(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sent.Before(l.cut) {
		return
	}
	l.limit = max(1, l.limit*backOff)
	l.threshold = l.limit
	l.cut = time.Now().Add(time.Duration(l.usual))
}
