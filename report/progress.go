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
	targets, done          atomic.Int64 // buckets (targets) to walk, and walked
	accounts, accountsDone atomic.Int64 // accounts to scan, and scanned
	uploads, bytes         atomic.Int64
}

// accountsLine is what the line says of the accounts when there are
// several: "2/5 accounts, " scanned.
func (p *Progress) accountsLine() string {
	if n := p.accounts.Load(); n > 1 {
		return fmt.Sprintf("%d/%d accounts, ", p.accountsDone.Load(), n)
	}
	return ""
}

// Targets adds n targets (buckets) to walk: each account's, as it lists
// its buckets.
func (p *Progress) Targets(n int) { p.targets.Add(int64(n)) }

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
// are alike, rough when one dwarfs the others, and none ("?") until the
// first bucket is done (progressbar's own estimate says 0s then, so the
// times are drawn here, after the bar).
func (p *Progress) Show(w io.Writer, r *Requests) (stop func()) {
	start := time.Now()
	line := func() string {
		var reqs int64
		if r != nil {
			reqs = r.Counts().Total()
		}
		return fmt.Sprintf("%s %s%s, %s, %s", times(time.Since(start), p.done.Load(), p.targets.Load()), p.accountsLine(),
			plural(p.uploads.Load(), "upload"), humanBytes(p.bytes.Load()), plural(reqs, "request"))
	}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetDescription(line()), // the first drawing's: later ones are throttled
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(20),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("buckets"),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
		// No spinner goroutine of the bar's own: it would draw on after
		// stop, unsynchronized with Clear (a data race on w); the loop
		// below draws often enough.
		progressbar.OptionSetSpinnerChangeInterval(0),
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
			bar.Describe(line())
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

// times is "[elapsed:left]" after done of total buckets, the time left
// estimated from the buckets done so far: "?" before the first is done
// (no estimate rather than a made-up one), none while total is unknown.
func times(elapsed time.Duration, done, total int64) string {
	el := elapsed.Truncate(time.Second)
	switch {
	case total <= 0:
		return fmt.Sprintf("[%s]", el)
	case done == 0:
		return fmt.Sprintf("[%s:?]", el)
	}
	left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	return fmt.Sprintf("[%s:%s]", el, left.Truncate(time.Second))
}
