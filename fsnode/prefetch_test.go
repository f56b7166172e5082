package fsnode

import (
	"slices"
	"testing"

	"github.com/uploadfs/uploadfs/listing"
)

// drain takes every task the windows allow now, without waiting.
func drain(q *prefetchQueue) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	for {
		_, t, ok := q.take()
		if !ok {
			return out
		}
		if t.upload != nil {
			out = append(out, t.upload.Key)
		} else {
			out = append(out, t.prefix)
		}
	}
}

func batch(dir string, names ...string) *prefetchBatch {
	b := &prefetchBatch{dir: dir, bucket: "b"}
	for _, n := range names {
		b.tasks = append(b.tasks, prefetchTask{prefix: n})
	}
	return b
}

func uploads(dir string, keys ...string) *prefetchBatch {
	b := &prefetchBatch{dir: dir, bucket: "b"}
	for _, k := range keys {
		b.tasks = append(b.tasks, prefetchTask{upload: &listing.Upload{Key: k, ID: "id"}})
	}
	return b
}

func opened(q *prefetchQueue, key string) {
	q.reached("b", func(t prefetchTask) bool { return t.upload != nil && t.upload.Key == key })
}

// enter marks a batch as gone into by the walker (its first task reached).
func enter(b *prefetchBatch) *prefetchBatch {
	b.walked, b.next = 1, 1
	return b
}

// The newest batch is served first, each batch in order; guesses go to the
// bottom.
func TestPrefetchQueueOrder(t *testing.T) {
	q := newPrefetchQueue(100)
	q.push(enter(batch("a", "a0", "a1", "a2")), true)
	q.push(batch("g", "g1"), false)
	q.push(enter(batch("b", "b0", "b1", "b2")), true)
	if got := drain(q); !slices.Equal(got, []string{"b1", "b2", "a1", "a2", "g1"}) {
		t.Fatalf("order %v", got)
	}
	q.close()
	if _, _, ok := q.pop(); ok {
		t.Fatal("pop after close")
	}
}

// A batch is served from the moment the walker goes into it, a window
// ahead of the walker, which moves it on; a guess's window is an eighth,
// at once; a walker that skips entries still moves it.
func TestPrefetchWindow(t *testing.T) {
	q := newPrefetchQueue(16)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = string(rune('A'+i/26)) + string(rune('a'+i%26))
	}
	q.push(uploads("d", keys...), true)
	if got := drain(q); len(got) != 0 {
		t.Fatalf("served %v before the walker went into the directory (ls)", got)
	}
	opened(q, keys[0])
	if got := drain(q); !slices.Equal(got, keys[1:17]) {
		t.Fatalf("first window %v, want the 16 after the one opened", got)
	}
	opened(q, keys[1])
	opened(q, keys[2])
	if got := drain(q); !slices.Equal(got, keys[17:19]) {
		t.Fatalf("after the walker opened two more: %v, want two more", got)
	}
	opened(q, keys[20]) // skipped 2..19
	if got := drain(q); !slices.Equal(got, keys[21:37]) {
		t.Fatalf("after the walker jumped to 20: %v, want 21..36", got)
	}
	opened(q, keys[99]) // far past the window: not taken for progress
	if got := drain(q); len(got) != 0 {
		t.Fatalf("a jump far ahead moved the window: %v", got)
	}

	q = newPrefetchQueue(16)
	q.push(uploads("g", keys...), false)
	if got := drain(q); len(got) != 2 {
		t.Fatalf("a guess gave %d tasks, want 16/8", len(got))
	}
}

// Reading a directory again replaces its batch; a guess never replaces
// the walker's batch; beyond maxBatches the bottom is dropped.
func TestPrefetchQueueReplaceAndBound(t *testing.T) {
	q := newPrefetchQueue(100)
	q.push(enter(batch("a", "a0", "a1", "a2")), true)
	q.push(enter(batch("a", "a0", "a3")), true)
	q.push(batch("a", "guess"), false)
	if got := drain(q); !slices.Equal(got, []string{"a3"}) {
		t.Fatalf("got %v, want the newest read of a only", got)
	}
	for i := range maxBatches + 3 {
		q.push(enter(batch(string(rune('A'+i)), "", "x"+string(rune('A'+i)))), true)
	}
	if got := drain(q); len(got) != maxBatches || got[len(got)-1] != "xD" {
		t.Fatalf("%d tasks, last %v: want %d, the three oldest dropped", len(got), got, maxBatches)
	}
}

// A streamed level's batch stays while its first page is served, and
// grows by the rest of the level at the same positions.
func TestPrefetchGrow(t *testing.T) {
	q := newPrefetchQueue(100)
	b := enter(uploads("d", "k0", "k1", "k2"))
	b.grows = true
	q.push(b, true)
	if got := drain(q); !slices.Equal(got, []string{"k1", "k2"}) {
		t.Fatalf("first page %v", got)
	}
	q.grow("d", uploads("d", "k0", "k1", "k2", "k3", "k4").tasks)
	if got := drain(q); !slices.Equal(got, []string{"k3", "k4"}) {
		t.Fatalf("after the rest %v, want k3 k4", got)
	}
	if len(q.batches) != 0 {
		t.Fatal("a served, grown batch stays queued")
	}
}
