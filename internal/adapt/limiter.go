// Package adapt bounds the listings a scan (the report's walk, abort's)
// keeps in flight, and moves the bound with what the server says: up while
// answers come back as fast as ever and nothing is throttled, down on 503
// SlowDown, throttling and failures. A fixed pool is wrong both ways: S3
// answers thousands of LIST requests a second, a small server fewer.
//
// The rule is TCP's (AIMD with a slow start): the bound starts at Start,
// and every answer that comes back within twice the least latency seen,
// while the bound is in use, adds one to it (doubling it each round trip)
// until the first sign of congestion; then it halves, and grows by one a
// round trip. An answer slower than that ends the doubling, so a server
// that queues (its latency grows with the load) is not pushed further. A
// cap (--concurrency) bounds it all.
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
	base      time.Duration // least latency seen
	cut       time.Time     // the last decrease
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

// answered is told of an answer that took took, to a request sent at
// sent: a fast one while the bound is in use grows it; a slow one ends
// the slow start.
func (l *Limiter) answered(sent time.Time, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.base == 0 || took < l.base {
		l.base = took
	}
	if took > 2*l.base {
		l.threshold = min(l.threshold, l.limit)
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

// congested is told of a throttled or failed request sent at sent: the
// bound halves, once for all the requests that were in flight when it
// last did (they saw the same congestion).
func (l *Limiter) congested(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sent.Before(l.cut) {
		return
	}
	l.limit = max(1, l.limit/2)
	l.threshold = l.limit
	l.cut = time.Now()
}
