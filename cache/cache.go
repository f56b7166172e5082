// Package cache is the mount's metadata cache: a bounded LRU of listings,
// each trusted for a fixed lifetime, with identical concurrent fetches merged
// into one.
//
// # Rules
//
//   - Only successful fetches are stored as values. An error is returned to
//     the callers that waited for that fetch and kept only for ErrorTTL (a
//     second or so, zero by default), so a failure never becomes a cached
//     "does not exist"; the kernel's short negative timeout is the only
//     negative cache. Keeping it that moment ends a storm: a script walking
//     a level the server cannot list would otherwise send a request per
//     entry it touches (TESTBED: 2,534 failing listings in one walk).
//     Cancellations are never kept.
//   - An entry is served until its lifetime (TTL) ends, then fetched again on
//     the next use. The clock is injected so tests control time. Held tells
//     an expired entry from one never fetched: a caller that would fetch
//     a small piece of a value never fetched fetches the whole value again
//     once it has had it, and Stale hands it the expired value to do so
//     for less.
//   - The LRU bounds the number of entries; eviction is silent and never
//     touches kernel state (go-fuse inodes keep their own attributes).
//   - A fetch runs on its own context, derived from the cache's base context
//     (the mount's lifetime), not from the first caller's: one caller's
//     interrupt must not fail the others waiting on it. When every waiter has
//     gone, the fetch is cancelled and its result discarded.
//
// golang-lru's expirable cache is not used: it starts a goroutine per cache
// that cannot be stopped and runs its eviction callback under its lock.
package cache

import (
	"context"
	"errors"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Config sets a cache up. The zero value is not usable: Entries must be
// positive.
type Config struct {
	// Entries bounds the number of cached values.
	Entries int
	// TTL is how long a fetched value is served. Zero disables caching but
	// still merges concurrent fetches.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Base is the context fetches run under; nil means context.Background.
	// Cancel it to stop every fetch (at unmount).
	Base context.Context
	// ErrorTTL is how long a failed fetch's error is returned again without
	// a new fetch. Zero: not at all.
	ErrorTTL time.Duration
}

// Cache maps keys to fetched values. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	lru    *lru.Cache[K, entry[V]]
	errs   *lru.Cache[K, entry[error]]
	ttl    time.Duration
	errTTL time.Duration
	now    func() time.Time
	base   context.Context

	mu      sync.Mutex
	flights map[K]*flight[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// flight is one fetch in progress and the callers waiting for it.
type flight[V any] struct {
	done    chan struct{}
	v       V
	err     error
	waiters int
	cancel  context.CancelFunc
}

// New returns an empty cache.
func New[K comparable, V any](cfg Config) (*Cache[K, V], error) {
	l, err := lru.New[K, entry[V]](cfg.Entries)
	if err != nil {
		return nil, err
	}
	errs, err := lru.New[K, entry[error]](cfg.Entries)
	if err != nil {
		return nil, err
	}
	c := &Cache[K, V]{lru: l, errs: errs, ttl: cfg.TTL, errTTL: cfg.ErrorTTL, now: cfg.Now, base: cfg.Base, flights: map[K]*flight[V]{}}
	if c.now == nil {
		c.now = time.Now
	}
	if c.base == nil {
		c.base = context.Background()
	}
	return c, nil
}

// Get returns the value for k if it is cached and still valid. It never
// fetches.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	e, ok := c.lru.Get(k)
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Held reports whether k has a value, valid or expired, that the LRU has
// not evicted: whether k was fetched lately. It never fetches.
func (c *Cache[K, V]) Held(k K) bool { return c.lru.Contains(k) }

// Stale returns k's value if the LRU still holds it, valid or expired:
// what the last fetch found, for a fetch that does less knowing it. It
// never fetches, and does not count as a use.
func (c *Cache[K, V]) Stale(k K) (V, bool) {
	e, ok := c.lru.Peek(k)
	return e.v, ok
}

// Delete forgets k's value or error (a fetch in flight still publishes its
// own).
func (c *Cache[K, V]) Delete(k K) {
	c.lru.Remove(k)
	c.errs.Remove(k)
}

// recentError returns the error of k's last fetch while ErrorTTL keeps it.
func (c *Cache[K, V]) recentError(k K) error {
	e, ok := c.errs.Get(k)
	if !ok || !c.now().Before(e.expires) {
		return nil
	}
	return e.v
}

// Fetch returns the cached value for k, or calls fetch once for all callers
// asking for k at the same time and caches its result. An error that
// ErrorTTL still keeps is returned without a fetch. If ctx ends first,
// Fetch returns ctx.Err() at once; the fetch goes on for the other waiters.
func (c *Cache[K, V]) Fetch(ctx context.Context, k K, fetch func(context.Context) (V, error)) (V, error) {
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	if err := c.recentError(k); err != nil {
		var zero V
		return zero, err
	}
	c.mu.Lock()
	f, ok := c.flights[k]
	if !ok {
		fctx, cancel := context.WithCancel(c.base)
		f = &flight[V]{done: make(chan struct{}), cancel: cancel}
		c.flights[k] = f
		go c.run(fctx, k, f, fetch)
	}
	f.waiters++
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Nobody wants the answer any more; the goroutine sees the
			// cancellation and publishes nothing.
			f.cancel()
			if c.flights[k] == f {
				delete(c.flights, k)
			}
		}
		c.mu.Unlock()
		var zero V
		return zero, ctx.Err()
	}
}

func (c *Cache[K, V]) run(ctx context.Context, k K, f *flight[V], fetch func(context.Context) (V, error)) {
	v, err := fetch(ctx)
	c.mu.Lock()
	if err == nil && ctx.Err() == nil && c.ttl > 0 {
		c.lru.Add(k, entry[V]{v: v, expires: c.now().Add(c.ttl)})
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	switch {
	case err == nil:
		c.errs.Remove(k)
	case c.errTTL > 0 && ctx.Err() == nil && !errors.Is(err, context.Canceled):
		c.errs.Add(k, entry[error]{v: err, expires: c.now().Add(c.errTTL)})
	}
	f.v, f.err = v, err
	if c.flights[k] == f {
		delete(c.flights, k)
	}
	c.mu.Unlock()
	f.cancel()
	close(f.done)
}

// Len returns the number of cached entries, valid or expired.
func (c *Cache[K, V]) Len() int { return c.lru.Len() }
