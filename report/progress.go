package report

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress is how far a Run has come. Safe for concurrent use; the zero
// value is ready.
type Progress struct {
	targets, done  atomic.Int64 // buckets (targets) to walk, and walked
	uploads, bytes atomic.Int64
}

// Targets sets the number of targets (buckets) to walk.
func (p *Progress) Targets(n int) { p.targets.Store(int64(n)) }

// TargetDone counts one more target walked.
func (p *Progress) TargetDone() { p.done.Add(1) }

// Counted adds uploads and their bytes (negative to take them back).
func (p *Progress) Counted(uploads int, bytes int64) {
	p.uploads.Add(int64(uploads))
	p.bytes.Add(bytes)
}

// Show draws p, with the requests r counted (if set), on w (a terminal)
// until stop is called, which clears the line. The bar measures buckets
// walked, so its estimate of the time left is by buckets: good when they
// are alike, rough when one dwarfs the others.
func (p *Progress) Show(w io.Writer, r *Requests) (stop func()) {
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(20),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("buckets"),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		max := int64(-1)
		for {
			if n := p.targets.Load(); n > 0 && n != max {
				max = n
				bar.ChangeMax64(n)
			}
			var reqs int64
			if r != nil {
				reqs = r.Counts().Total()
			}
			bar.Describe(fmt.Sprintf("%d uploads, %s, %d requests", p.uploads.Load(), humanBytes(p.bytes.Load()), reqs))
			bar.Set64(p.done.Load())
			select {
			case <-done:
				bar.Clear()
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
