package report

import (
	"bytes"
	"regexp"
	"testing"
	"time"
)

// Before the first bucket is done there is no estimate of the time left
// (progressbar's own said 0s); after, the buckets done so far give it.
func TestProgressTimes(t *testing.T) {
	for _, tc := range []struct {
		elapsed     time.Duration
		done, total int64
		want        string
	}{
		{4*time.Second + 300*time.Millisecond, 0, 3, "[4s:?]"},
		{4 * time.Second, 1, 3, "[4s:8s]"},
		{90 * time.Second, 3, 3, "[1m30s:0s]"},
		{2 * time.Second, 0, 0, "[2s]"},
	} {
		if got := times(tc.elapsed, tc.done, tc.total); got != tc.want {
			t.Errorf("times(%v, %d, %d) = %q, want %q", tc.elapsed, tc.done, tc.total, got, tc.want)
		}
	}
}

// The line says "1 upload" and no time left before a bucket is done.
func TestProgressLine(t *testing.T) {
	var p Progress
	p.targets.Store(3)
	p.uploads.Store(1)
	var w bytes.Buffer
	p.Show(&w, nil)() // one drawing, then cleared
	if !regexp.MustCompile(`\(0/3\) \[[0-9]+s:\?\] 1 upload, 0 B, 0 requests`).Match(w.Bytes()) {
		t.Errorf("progress line %q", w.String())
	}
}
