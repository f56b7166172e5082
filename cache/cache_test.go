package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTest(t *testing.T, entries int, ttl time.Duration) (*Cache[string, int], *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	c, err := New[string, int](Config{Entries: entries, TTL: ttl, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

func counter(calls *atomic.Int32, v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { calls.Add(1); return v, nil }
}

func TestFetchCachesUntilTTL(t *testing.T) {
	c, clock := newTest(t, 10, time.Minute)
	var calls atomic.Int32
	ctx := context.Background()
	for range 3 {
		if v, err := c.Fetch(ctx, "k", counter(&calls, 7)); v != 7 || err != nil {
			t.Fatalf("Fetch = %d, %v", v, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("fetched %d times within the TTL, want 1", calls.Load())
	}
	clock.Advance(59 * time.Second)
	if _, ok := c.Get("k"); !ok {
		t.Fatal("entry gone before its TTL")
	}
	clock.Advance(time.Second)
	if _, ok := c.Get("k"); ok {
		t.Fatal("entry served at its TTL")
	}
	c.Fetch(ctx, "k", counter(&calls, 8))
	if v, _ := c.Get("k"); v != 8 || calls.Load() != 2 {
		t.Fatalf("after expiry: value %d, %d calls; want 8, 2", v, calls.Load())
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c, _ := newTest(t, 10, time.Minute)
	boom := errors.New("boom")
	var calls atomic.Int32
	fail := func(context.Context) (int, error) { calls.Add(1); return 0, boom }
	for range 2 {
		if _, err := c.Fetch(context.Background(), "k", fail); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("a failed fetch was cached: %d calls, want 2", calls.Load())
	}
}

func TestConcurrentFetchesMerge(t *testing.T) {
	c, _ := newTest(t, 10, time.Minute)
	release := make(chan struct{})
	var calls atomic.Int32
	slow := func(context.Context) (int, error) { calls.Add(1); <-release; return 42, nil }
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Fetch(context.Background(), "k", slow); v != 42 || err != nil {
				t.Errorf("Fetch = %d, %v", v, err)
			}
		}()
	}
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others join the flight
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("%d fetches for 20 concurrent callers, want 1", calls.Load())
	}
}

// One caller giving up (Ctrl-C on ls) must neither fail the others waiting
// for the same fetch nor leave anything bad in the cache.
func TestCancelledWaiterDoesNotFailOthers(t *testing.T) {
	c, _ := newTest(t, 10, time.Minute)
	release := make(chan struct{})
	started := make(chan struct{})
	fetch := func(ctx context.Context) (int, error) {
		close(started)
		select {
		case <-release:
			return 5, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	res1 := make(chan error, 1)
	go func() { _, err := c.Fetch(ctx1, "k", fetch); res1 <- err }()
	<-started
	res2 := make(chan int, 1)
	go func() { v, _ := c.Fetch(context.Background(), "k", fetch); res2 <- v }()
	time.Sleep(20 * time.Millisecond)
	cancel1()
	if err := <-res1; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if v := <-res2; v != 5 {
		t.Fatalf("other caller got %d, want 5", v)
	}
	if v, ok := c.Get("k"); !ok || v != 5 {
		t.Fatalf("cache holds %d, %v; want 5", v, ok)
	}
}

// When the last waiter leaves, the fetch is cancelled and publishes nothing.
func TestAbandonedFetchIsCancelled(t *testing.T) {
	c, _ := newTest(t, 10, time.Minute)
	cancelled := make(chan struct{})
	fetch := func(ctx context.Context) (int, error) {
		<-ctx.Done()
		close(cancelled)
		return 1, nil // a result after cancellation must not be published
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := c.Fetch(ctx, "k", fetch); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("abandoned fetch still running")
	}
	time.Sleep(10 * time.Millisecond)
	if _, ok := c.Get("k"); ok {
		t.Fatal("a cancelled fetch was cached")
	}
}

func TestBoundedEntries(t *testing.T) {
	c, _ := newTest(t, 3, time.Minute)
	var calls atomic.Int32
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		c.Fetch(context.Background(), k, counter(&calls, 1))
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d, want the bound 3", c.Len())
	}
	if _, ok := c.Get("a"); ok {
		t.Fatal("least recently used entry not evicted")
	}
}

func TestBaseContextStopsFetches(t *testing.T) {
	base, stop := context.WithCancel(context.Background())
	c, err := New[string, int](Config{Entries: 1, TTL: time.Minute, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(10 * time.Millisecond); stop() }()
	_, err = c.Fetch(context.Background(), "k", func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled at unmount", err)
	}
}

// Held tells an expired entry (fetched lately) from one never fetched or
// evicted, without fetching; Stale returns it.
func TestHeld(t *testing.T) {
	c, clock := newTest(t, 1, time.Minute)
	var calls atomic.Int32
	if c.Held("a") {
		t.Fatal("held before any fetch")
	}
	c.Fetch(context.Background(), "a", counter(&calls, 1))
	clock.Advance(2 * time.Minute)
	if _, ok := c.Get("a"); ok || !c.Held("a") {
		t.Fatalf("expired entry: Get ok %v, Held %v; want false, true", ok, c.Held("a"))
	}
	if v, ok := c.Stale("a"); !ok || v != 1 {
		t.Fatalf("expired entry: Stale = %d, %v; want 1, true", v, ok)
	}
	c.Fetch(context.Background(), "b", counter(&calls, 2))
	if c.Held("a") {
		t.Fatal("evicted entry still held")
	}
	if _, ok := c.Stale("a"); ok {
		t.Fatal("evicted entry still stale")
	}
	if calls.Load() != 2 {
		t.Fatalf("%d fetches, want 2", calls.Load())
	}
}

func TestErrorKeptForErrorTTL(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	c, err := New[string, int](Config{Entries: 10, TTL: time.Minute, ErrorTTL: time.Second, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	var calls atomic.Int32
	fail := func(context.Context) (int, error) { calls.Add(1); return 0, boom }
	for range 3 {
		if _, err := c.Fetch(context.Background(), "k", fail); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d fetches within ErrorTTL, want 1", calls.Load())
	}
	if _, ok := c.Get("k"); ok {
		t.Fatal("an error became a value")
	}
	clock.Advance(time.Second)
	if v, err := c.Fetch(context.Background(), "k", counter(&calls, 5)); v != 5 || err != nil {
		t.Fatalf("after ErrorTTL: %d, %v", v, err)
	}
	// A success forgets the error; Delete forgets a kept one.
	c.Delete("k")
	c.Fetch(context.Background(), "k", fail)
	c.Delete("k")
	if v, err := c.Fetch(context.Background(), "k", counter(&calls, 6)); v != 6 || err != nil {
		t.Fatalf("after Delete of a kept error: %d, %v", v, err)
	}
}

func TestCancellationNotKept(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	c, err := New[string, int](Config{Entries: 10, TTL: time.Minute, ErrorTTL: time.Second, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cancelled := func(context.Context) (int, error) { return 0, context.Canceled }
	c.Fetch(context.Background(), "k", cancelled)
	var calls atomic.Int32
	if v, err := c.Fetch(context.Background(), "k", counter(&calls, 3)); v != 3 || err != nil {
		t.Fatalf("a cancelled fetch was kept: %d, %v", v, err)
	}
}
