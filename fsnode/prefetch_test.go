package fsnode

import (
	"slices"
	"testing"
)

func drain(q *prefetchQueue) []string {
	var out []string
	for q.n > 0 {
		t, _ := q.pop()
		out = append(out, t.prefix)
	}
	return out
}

func batch(names ...string) []prefetchTask {
	var b []prefetchTask
	for _, n := range names {
		b = append(b, prefetchTask{prefix: n})
	}
	return b
}

// The newest batch is served first, each batch in order; guesses go to the
// bottom; a full queue drops its bottom.
func TestPrefetchQueueOrder(t *testing.T) {
	q := newPrefetchQueue(100)
	q.push(batch("a1", "a2"), true)
	q.push(batch("g1"), false)
	q.push(batch("b1", "b2"), true)
	if got := drain(q); !slices.Equal(got, []string{"b1", "b2", "a1", "a2", "g1"}) {
		t.Fatalf("order %v", got)
	}
	q = newPrefetchQueue(3)
	q.push(batch("a1", "a2"), true)
	if dropped := q.push(batch("b1", "b2"), true); dropped != 1 {
		t.Fatalf("dropped %d, want 1", dropped)
	}
	if got := drain(q); !slices.Equal(got, []string{"b1", "b2", "a2"}) {
		t.Fatalf("after overflow %v, want the oldest dropped", got)
	}
	q.close()
	if _, ok := q.pop(); ok {
		t.Fatal("pop after close")
	}
}
