package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uploadfs/uploadfs/internal/adapt"
	"github.com/uploadfs/uploadfs/listing"
)

// Lister is what the report needs of a listing backend (*listing.S3; for
// Glacier, Vaults): the buckets, one level of a bucket page by page
// (listing.S3.ScanLevel: the report never holds a level whole), and an
// upload's parts.
type Lister interface {
	Buckets(ctx context.Context) ([]listing.Bucket, error)
	ScanLevel(ctx context.Context, bucket, prefix string, each func(*listing.Level) error) error
	Parts(ctx context.Context, bucket, key, uploadID string) (*listing.Parts, error)
}

// Lifecycles reads a bucket's abort rules (*listing.S3).
type Lifecycles interface {
	Lifecycle(ctx context.Context, bucket string) (*listing.Lifecycle, error)
}

// Target is one BUCKET[/PREFIX] argument.
type Target struct {
	Bucket string
	Prefix string // "" for the whole bucket
}

// ParseTarget splits BUCKET[/PREFIX]; an access point ARN
// (arn:…:accesspoint/NAME) keeps its own slash.
func ParseTarget(s string) (Target, error) {
	head := 0
	if strings.HasPrefix(s, "arn:") {
		i := strings.Index(s, "/")
		if i < 0 {
			return Target{}, fmt.Errorf("%q is not an access point ARN (arn:…:accesspoint/NAME)", s)
		}
		head = i + 1
	}
	t := Target{Bucket: s}
	if i := strings.Index(s[head:], "/"); i >= 0 {
		t.Bucket, t.Prefix = s[:head+i], s[head+i+1:]
	}
	if t.Bucket == "" || strings.HasSuffix(t.Bucket, "/") {
		return Target{}, fmt.Errorf("%q names no bucket", s)
	}
	return t, nil
}

// DefaultConcurrency caps the listings in flight. The walk starts at
// adapt.Start (as many as the mount's walk fetches ahead of find and du)
// and goes up to it while the server keeps up; each listing sends its own
// pages at once besides (listing.S3.Concurrency).
const DefaultConcurrency = 512

// Options configure Run. Lister is required, unless Accounts are given.
type Options struct {
	Lister Lister
	// Lifecycles, if set, gives each row its lifecycle coverage and each
	// upload its abort date; nil (Glacier vaults): not applicable.
	Lifecycles Lifecycles
	// Region names a bucket's region, once it has been listed; nil: none.
	Region func(bucket string) string
	// Accounts, if set, are scanned instead of Lister, Lifecycles and
	// Region, all at once under the one Concurrency bound; every row
	// carries its account, and an account that cannot be reached or whose
	// buckets cannot be listed is one row with its error.
	Accounts []Account
	// Targets are what to report on (in every account); empty: every
	// bucket Lister.Buckets lists.
	Targets []Target
	By      By
	// Ages default to DefaultAges.
	Ages []Age
	// Prices default to DefaultPrices().
	Prices *Prices
	// Concurrency caps the listings in flight (levels, part listings,
	// lifecycle configurations); within it their number adapts to the
	// server (package adapt), which the client tells how its requests went
	// when adapt.Middleware is installed (without it, the walk keeps
	// adapt.Start in flight). Default DefaultConcurrency.
	Concurrency int
	// Requests, if set, counts the requests sent (the same counter must
	// be installed in the client, see Requests.Middleware): the report
	// states the scan's own cost from it.
	Requests *Requests
	// Progress, if set, is kept up to date as the walk goes.
	Progress *Progress
	// Now is the report's clock; nil means time.Now.
	Now func() time.Time
	// Top is how many uploads the report lists by name (--top), ranked
	// by TopBy; 0: none.
	Top   int
	TopBy TopBy
	// Log, if set, is told at Info what the listing absorbed of a
	// server's deviations (listing.Level.Notes) and which buckets were
	// walked twice (listing.ErrStartOver): nothing was lost by either.
	Log *slog.Logger
}

// Report is the outcome of Run.
type Report struct {
	Time   time.Time
	By     By
	Ages   []Age
	Prices *Prices
	// Rows sorted by bucket, then the grouping keys; a target that could
	// not be listed is one row with Err.
	Rows  []Row
	Total Row
	// Failed counts the rows with Err.
	Failed int
	// Vanished counts the uploads a level listed that ListParts then did
	// not find (vanished.go): in no row.
	Vanished int64
	Requests RequestCounts
	ScanUSD  float64
	// Elapsed is how long the walk took.
	Elapsed time.Duration
	// Top are the TopN highest-ranked uploads by TopBy (Options.Top),
	// the highest first; none of a row with Err.
	Top   []Upload
	TopN  int
	TopBy TopBy
}

// Run walks every target and sums its uploads. It returns an error only
// when there is no report to give: the buckets cannot be listed, or ctx
// ended (then promptly, without a partial report).
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Ages == nil {
		o.Ages = DefaultAges
	}
	if o.Prices == nil {
		o.Prices = DefaultPrices()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	now := o.Now()
	accts := o.Accounts
	if len(accts) == 0 {
		accts = []Account{{Lister: o.Lister, Lifecycles: o.Lifecycles, Region: o.Region}}
	}
	if o.Progress != nil {
		o.Progress.accounts.Store(int64(len(accts)))
	}
	w := &walker{o: o, now: now, lim: adapt.New(o.Concurrency), spare: make(chan struct{}, o.Concurrency), jobs: make(chan func()), top: newTop(o.Top, o.TopBy)}
	ctx = adapt.With(ctx, w.lim)
	runs := make([]*accountRun, len(accts))
	var all sync.WaitGroup
	for i := range accts {
		runs[i] = &accountRun{Account: &accts[i]}
		all.Go(func() { w.account(ctx, runs[i], o.Targets) })
	}
	all.Wait()
	close(w.jobs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(o.Accounts) == 0 && runs[0].err != nil {
		return nil, runs[0].err // one account's buckets: no report to give
	}
	rep := &Report{Time: now, By: o.By, Ages: o.Ages, Prices: o.Prices, Elapsed: o.Now().Sub(now), Top: topResult(w.top, o.Region), TopN: o.Top, TopBy: o.TopBy}
	var targets []*targetRun
	for _, a := range runs {
		rep.Rows = append(rep.Rows, a.rows(o)...)
		targets = append(targets, a.runs...)
	}
	sortRows(rep.Rows)
	for _, r := range rep.Rows {
		if r.Err != nil {
			rep.Failed++
		}
	}
	rep.Total = total(rep.Rows, o.Ages, o.Prices)
	rep.Vanished = vanishedIn(targets, o.Log)
	if o.Requests != nil {
		rep.Requests = o.Requests.Counts()
	}
	rep.ScanUSD = o.Prices.ScanCost(rep.Requests)
	return rep, nil
}

// distinct drops repeated targets and those inside another of the same
// bucket (bkt/logs/ with bkt): nothing is counted twice.
func distinct(ts []Target) []Target {
	var out []Target
	for i, t := range ts {
		keep := true
		for j, o := range ts {
			inside := o.Bucket == t.Bucket && strings.HasPrefix(t.Prefix, o.Prefix)
			if inside && (o.Prefix != t.Prefix || j < i) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, t)
		}
	}
	return out
}

// walker bounds the walk: lim the listings in flight, spare the
// goroutines walking levels besides the caller's; jobs hands part
// listings to idle workers.
type walker struct {
	o     Options
	now   time.Time
	lim   *adapt.Limiter
	spare chan struct{}
	top   *top        // the targets' top uploads, each merged once walked
	jobs  chan func() // to the idle part-listing workers (run)
}

// spawn runs f on a spare goroutine if there is one, else on this one: a
// depth-first walk that goes wide only as far as the bound allows.
func (w *walker) spawn(wg *sync.WaitGroup, f func()) {
	select {
	case w.spare <- struct{}{}:
		wg.Add(1)
		go func() {
			defer func() { <-w.spare; wg.Done() }()
			f()
		}()
	default:
		f()
	}
}

// targetRun is the walk of one target: its rows, or its first error.
type targetRun struct {
	Target
	acct   *Account
	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup // its part listings and level walkers

	lc *bucketLifecycle // shared by the targets in its bucket

	mu      sync.Mutex
	rows    map[Key]*Row
	top     *top // its own until walked whole: a second walk starts it over
	err     error
	again   bool         // walked a second time (listing.ErrStartOver)
	gone    vanished     // its uploads gone before their parts were listed
	counted atomic.Int64 // uploads it added to the progress
	bytes   atomic.Int64 // and their bytes
}

func (t *targetRun) fail(err error) {
	t.mu.Lock()
	if t.err == nil {
		t.err = err
	}
	t.mu.Unlock()
	t.cancel(err)
}

// startOver reports whether the walk just ended must be done again: a
// level's pages were handed out decoded wrongly (listing.ErrStartOver),
// for the first time. What it counted is thrown away.
func (t *targetRun) startOver(p *Progress, log *slog.Logger) bool {
	if t.again || !errors.Is(t.err, listing.ErrStartOver) {
		return false
	}
	why := "the server's keys proved not URL-encoded after some had been counted"
	if t.err != listing.ErrStartOver {
		why = t.err.Error() // the listing's proof found keys lost
	}
	log.Info("listing: "+why+": walking the bucket again", "bucket", t.Bucket)
	t.again, t.err, t.rows, t.gone = true, nil, map[Key]*Row{}, vanished{}
	t.top.reset()
	if p != nil {
		p.Counted(-int(t.counted.Swap(0)), -t.bytes.Swap(0))
	}
	return true
}

// inside reports whether an upload's key is inside the target (a target
// prefix that does not end in "/" cuts into a level).
func (t *targetRun) inside(key string) bool { return strings.HasPrefix(key, t.Prefix) }

// reaches reports whether a common prefix of the target's level holds keys
// inside the target: it is inside it, or the target is inside it.
func (t *targetRun) reaches(prefix string) bool {
	return strings.HasPrefix(prefix, t.Prefix) || strings.HasPrefix(t.Prefix, prefix)
}

func (w *walker) target(ctx context.Context, t *targetRun) {
	w.start(ctx, t.lc)
	level := t.Prefix[:strings.LastIndex(t.Prefix, listing.Delimiter)+1]
	for again := true; again; again = t.startOver(w.o.Progress, w.o.Log) {
		t.ctx, t.cancel = context.WithCancelCause(ctx)
		w.level(t, level)
		t.wg.Wait()
		t.cancel(nil)
	}
	<-t.lc.ready
	if t.err == nil {
		w.top.merge(t.top)
	}
	if w.o.Progress != nil {
		w.o.Progress.TargetDone()
	}
}

// level walks the level at prefix page by page, as ScanLevel hands the
// pages out: a page's uploads have their parts listed at once, up to the
// bound, and its sub-levels are walked depth first, on spare goroutines
// where there are some, while the next page is being fetched. A page is
// let go once handed out, so a level holds at most two of its pages (the
// one handed out, the one fetched) however many uploads it has. From a
// server that ignores the delimiter the deep uploads come in the pages
// too, and there is no sub-level to walk.
func (w *walker) level(t *targetRun, prefix string) {
	pages := make(chan *listing.Level)
	var err error
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(pages)
		if !w.lim.Acquire(t.ctx) {
			return
		}
		held := true // a place for the request ScanLevel sends next
		err = t.acct.Lister.ScanLevel(t.ctx, t.Bucket, prefix, func(lv *listing.Level) error {
			w.lim.Release()
			held = false
			select {
			case pages <- lv:
			case <-t.ctx.Done():
				return t.ctx.Err()
			}
			held = w.lim.Acquire(t.ctx)
			return t.ctx.Err()
		})
		if held {
			w.lim.Release()
		}
	}()
	for lv := range pages {
		for _, n := range lv.Notes {
			w.o.Log.Info("listing: "+n, "bucket", t.Bucket, "prefix", prefix)
		}
		for _, us := range [][]listing.Upload{lv.Uploads, lv.Deep} {
			for _, u := range us {
				if t.inside(u.Key) && !w.parts(t, u) {
					return
				}
			}
		}
		if lv.Flat() {
			continue // its prefixes are its deep keys': listed already
		}
		for _, p := range lv.Prefixes {
			if t.ctx.Err() != nil {
				return
			}
			if t.reaches(p) {
				w.spawn(&t.wg, func() { w.level(t, p) })
			}
		}
	}
	if err != nil {
		t.fail(err)
	}
}

// parts lists u's parts on a goroutine of its own once a listing may
// start, and counts it; false when the target has ended.
func (w *walker) parts(t *targetRun, u listing.Upload) bool {
	if !w.lim.Acquire(t.ctx) {
		return false
	}
	t.wg.Add(1)
	w.run(func() {
		defer t.wg.Done()
		ps, err := t.acct.Lister.Parts(adapt.Holding(t.ctx), t.Bucket, u.Key, u.ID)
		w.lim.Release()
		switch {
		case err != nil && errors.Is(err, listing.ErrNotFound) && t.ctx.Err() == nil:
			t.vanish(u) // completed or aborted since its level was listed?
			return
		case err != nil:
			t.fail(err)
			return
		}
		up := uploadOf(u, ps, t.lc.rules())
		k := w.o.By.key(t.Target, up)
		t.mu.Lock()
		r := t.rows[k]
		if r == nil {
			r = &Row{Key: k}
			t.rows[k] = r
		}
		r.add(up, w.now, w.o.Ages)
		t.mu.Unlock()
		t.top.add(newUpload(t.acct, t.Bucket, u, up, w.o.Prices))
		if p := w.o.Progress; p != nil {
			p.Counted(1, up.bytes)
			t.counted.Add(1)
			t.bytes.Add(up.bytes)
		}
	})
	return true
}

// result is the target's rows: its sums, or one row with its error. A
// target with no upload is one row of zeros, so that every bucket asked
// about is in the report.
func (t *targetRun) result(o Options) []Row {
	region := ""
	if t.acct.Region != nil {
		region = t.acct.Region(t.Bucket)
	}
	hasPrefix := t.Prefix != "" || o.By.Prefix
	if t.err != nil {
		return []Row{{Key: Key{Bucket: t.Bucket, Prefix: t.Prefix}, Account: t.acct.ID, AccountName: t.acct.Name,
			Region: region, HasPrefix: t.Prefix != "", Err: t.err}}
	}
	if len(t.rows) == 0 {
		t.rows[Key{Bucket: t.Bucket, Prefix: t.Prefix}] = &Row{Key: Key{Bucket: t.Bucket, Prefix: t.Prefix}, Older: make([]Count, len(o.Ages))}
	}
	var rows []Row
	for _, r := range t.rows {
		r.Account, r.AccountName, r.Region, r.HasPrefix = t.acct.ID, t.acct.Name, region, hasPrefix
		r.Lifecycle = coverage(t.lc.lc, t.lc.err, t.acct.Lifecycles != nil, r.Prefix)
		r.MonthlyUSD = o.Prices.Monthly(r.byClass)
		rows = append(rows, *r)
	}
	return rows
}
