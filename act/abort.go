package act

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/uploadfs/uploadfs/listing"
)

// Outcome is what became of one upload of a plan.
type Outcome string

const (
	Aborted    Outcome = "aborted"     // aborted, and S3 says it is gone
	Skipped    Outcome = "skipped"     // gone before its abort (completed or aborted meanwhile)
	Failed     Outcome = "failed"      // the abort or its confirmation failed (Reason)
	NotStarted Outcome = "not-started" // interrupted before its abort began
)

// Result is one upload's outcome.
type Result struct {
	Item
	Outcome Outcome
	Reason  string
}

// ConditionalAborter aborts an upload only if it began at initiated, where
// the server offers that condition (*listing.S3: directory buckets).
type ConditionalAborter interface {
	AbortInitiated(ctx context.Context, bucket, key, uploadID string, initiated time.Time) error
}

// conditional is an Aborter that sends the condition of the planned
// upload's Initiated time with every abort of it.
type conditional struct {
	ca        ConditionalAborter
	initiated time.Time
}

func (c conditional) Abort(ctx context.Context, bucket, key, uploadID string) error {
	return c.ca.AbortInitiated(ctx, bucket, key, uploadID, c.initiated)
}

// Runner runs a plan. Aborter and Lister are required unless Backends
// serves every item; an Aborter that is also a ConditionalAborter makes each abort conditional where it can.
type Runner struct {
	Aborter Aborter
	Lister  FirstPager
	// Backends, if set, are the Aborter and Lister of each account of a
	// plan over several, by account ID; an item of an account not in it
	// goes to Aborter and Lister.
	Backends map[string]Backend
	// Concurrency bounds the aborts in flight (default 1).
	Concurrency int
	// Timeout bounds one upload's listing, abort and confirmation.
	Timeout time.Duration
	// Log is told of every abort (Info) and failure (Error).
	Log *slog.Logger
}

// Run aborts items, at most Concurrency at once, and hands each result to
// each (one call at a time) as it comes. Once ctx ends no abort is
// started; those started run to their end on their own deadline, so that
// every result says what really happened.
func (r *Runner) Run(ctx context.Context, items []Item, each func(Result)) []Result {
	results := make([]Result, len(items))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(r.Concurrency, 1))
	done := func(i int, res Result) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = res
		each(res)
	}
	for i, it := range items {
		if !acquire(ctx, sem) {
			done(i, Result{Item: it, Outcome: NotStarted, Reason: "interrupted"})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			done(i, r.one(context.WithoutCancel(ctx), it))
		}()
	}
	wg.Wait()
	return results
}

// acquire takes a place in sem; false (and none taken) once ctx ended.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		if ctx.Err() != nil {
			<-sem
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

// one lists the upload again, aborts it and confirms it gone.
func (r *Runner) one(ctx context.Context, it Item) Result {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	u := it.Upload
	log := r.Log.With("bucket", it.Bucket, "key", u.Key, "upload-id", u.ID)
	ab, l := r.Aborter, r.Lister
	if b, ok := r.Backends[it.Account.ID]; ok {
		ab, l = b, b
		log = log.With("account", it.Account.ID)
	}
	_, err := l.FirstPartsPage(ctx, it.Bucket, u.Key, u.ID)
	switch {
	case errors.Is(err, listing.ErrNotFound):
		log.Info("skipped upload: gone since the plan (completed or aborted)")
		return Result{Item: it, Outcome: Skipped, Reason: "gone since the plan (completed or aborted)"}
	case err != nil:
		log.Error("abort not sent: the upload could not be listed again", "err", err)
		return Result{Item: it, Outcome: Failed, Reason: err.Error()}
	}
	var a Aborter = ab
	if ca, ok := ab.(ConditionalAborter); ok {
		a = conditional{ca, u.Initiated}
	}
	gone, err := AbortAndVerify(ctx, a, l, it.Bucket, u.Key, u.ID)
	switch {
	case err != nil:
		log.Error("abort failed", "err", err)
		return Result{Item: it, Outcome: Failed, Reason: err.Error()}
	case !gone:
		log.Error("abort failed: the upload is still listed", "attempts", Verifications)
		return Result{Item: it, Outcome: Failed, Reason: "still listed after the abort"}
	}
	log.Info("aborted upload", "initiated", u.Initiated.UTC().Format(time.RFC3339), "parts", it.Parts, "bytes", it.Bytes, "verified-gone", true)
	return Result{Item: it, Outcome: Aborted}
}
