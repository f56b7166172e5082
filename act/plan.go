package act

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/listing"
)

// Lister is what a plan needs of a listing backend (*listing.S3): the
// buckets, one level page by page, and an upload's parts. It is
// report.Lister's method set, declared here where it is used (act must not
// depend on report); both packages' backends satisfy both.
//
// The walks differ on purpose, so they are not one: the report's
// (report/walk.go) lists a bucket's levels concurrently, sums rows as
// pages arrive, reads the lifecycle alongside, and walks a bucket again
// when listing.ErrStartOver says keys were decoded wrongly — a sum can
// start over. A plan walks levels one after another (the ListParts of
// each selected upload is its bulk, and runs concurrently), and a target
// whose walk fails, ErrStartOver included, is left out whole: an upload
// that may have been named wrongly is never aborted.
type Lister interface {
	Buckets(ctx context.Context) ([]listing.Bucket, error)
	ScanLevel(ctx context.Context, bucket, prefix string, each func(*listing.Level) error) error
	Parts(ctx context.Context, bucket, key, uploadID string) (*listing.Parts, error)
}

// Target is one BUCKET[/PREFIX].
type Target struct {
	Bucket string
	Prefix string // "" for the whole bucket
}

// Selection says which uploads a plan aborts.
type Selection struct {
	// OlderThan: only uploads initiated at least this long ago.
	OlderThan time.Duration
	// Initiator, if set, is the initiator ID (an ARN on AWS) an upload
	// must have.
	Initiator string
	// StorageClass, if set, is the storage class an upload must have.
	StorageClass string
}

// Item is one upload of a plan, with its parts counted.
type Item struct {
	// Account is the upload's account in a plan over several
	// (MakeAccountsPlan); zero otherwise.
	Account      accounts.Account
	Bucket       string
	Upload       listing.Upload
	StorageClass string // as ListParts or else ListMultipartUploads said
	Parts        int
	Bytes        int64
}

// TargetError is a target that could not be listed whole: none of its
// uploads is in the plan.
type TargetError struct {
	Target
	// Account is the target's account in a plan over several; a target
	// with no bucket is the whole account, which could not be reached or
	// whose buckets could not be listed.
	Account accounts.Account
	Err     error
}

// Plan is what an abort would do.
type Plan struct {
	Now time.Time
	// Items are the selected uploads, sorted by bucket, key, upload ID.
	Items []Item
	// Undated are uploads of the targets never selected because their
	// Initiated time is missing or in the future (counted, not aborted).
	Undated []Item
	Failed  []TargetError
}

// Progress hears how far a plan has come. *report.Progress has it: cmd
// wires the report's progress line to a plan, so that act needs nothing
// of report.
type Progress interface {
	Targets(n int)                    // the targets to walk
	TargetDone()                      // one more walked
	Counted(uploads int, bytes int64) // uploads selected, parts counted
}

// PlanOptions are the knobs of MakePlan.
type PlanOptions struct {
	Concurrency int       // listings at once (at least 1)
	Now         time.Time // the time ages are measured at
	Progress    Progress  // if set, kept up to date
}

// MakePlan lists every upload of targets (every bucket when there is
// none), selects by sel, and lists the parts of the selected ones,
// o.Concurrency listings at once. An error is returned only when the
// buckets cannot be listed or ctx ended.
func MakePlan(ctx context.Context, l Lister, targets []Target, sel Selection, o PlanOptions) (*Plan, error) {
	if len(targets) == 0 {
		bs, err := l.Buckets(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			targets = append(targets, Target{Bucket: b.Name})
		}
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
	o.Progress.Targets(len(targets))
	p := &Plan{Now: o.Now}
	for _, t := range targets {
		items, undated, err := planTarget(ctx, l, t, sel, o)
		o.Progress.TargetDone()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			p.Failed = append(p.Failed, TargetError{Target: t, Err: err})
			continue
		}
		p.Items = append(p.Items, items...)
		p.Undated = append(p.Undated, undated...)
	}
	slices.SortFunc(p.Items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Upload.Key, b.Upload.Key), cmp.Compare(a.Upload.ID, b.Upload.ID))
	})
	return p, nil
}

// planTarget walks the target's levels depth first and lists the parts of
// each upload selected, as it is found.
func planTarget(ctx context.Context, l Lister, t Target, sel Selection, o PlanOptions) (items, undated []Item, err error) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, max(o.Concurrency, 1))
		errs []error
		now  = o.Now
	)
	count := func(u listing.Upload) {
		defer wg.Done()
		defer func() { <-sem }()
		ps, err := l.Parts(ctx, t.Bucket, u.Key, u.ID)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(err, listing.ErrNotFound) && ctx.Err() == nil:
			// completed or aborted since its level was listed
		case err != nil:
			errs = append(errs, err)
		default:
			it := itemOf(t.Bucket, u, ps)
			items = append(items, it)
			o.Progress.Counted(1, it.Bytes)
		}
	}
	consider := func(u listing.Upload) {
		if !strings.HasPrefix(u.Key, t.Prefix) {
			return
		}
		if u.Initiated.IsZero() || u.Initiated.After(now) {
			mu.Lock()
			undated = append(undated, Item{Bucket: t.Bucket, Upload: u, StorageClass: u.StorageClass})
			mu.Unlock()
			return
		}
		if sel.selects(u, now) {
			sem <- struct{}{}
			wg.Add(1)
			go count(u)
		}
	}
	walkErr := walk(ctx, l, t, t.Prefix[:strings.LastIndex(t.Prefix, listing.Delimiter)+1], consider)
	wg.Wait()
	return items, undated, errors.Join(append(errs, walkErr)...)
}

// noProgress hears nothing.
type noProgress struct{}

func (noProgress) Targets(int)        {}
func (noProgress) TargetDone()        {}
func (noProgress) Counted(int, int64) {}

// walk hands every upload of the level at prefix, and of the levels below
// it that can hold keys of the target, to each.
func walk(ctx context.Context, l Lister, t Target, prefix string, each func(listing.Upload)) error {
	var subs []string
	err := l.ScanLevel(ctx, t.Bucket, prefix, func(lv *listing.Level) error {
		for _, us := range [][]listing.Upload{lv.Uploads, lv.Deep} {
			for _, u := range us {
				each(u)
			}
		}
		if !lv.Flat() {
			for _, p := range lv.Prefixes {
				if strings.HasPrefix(p, t.Prefix) || strings.HasPrefix(t.Prefix, p) {
					subs = append(subs, p)
				}
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	for _, p := range subs {
		if err := walk(ctx, l, t, p, each); err != nil {
			return err
		}
	}
	return nil
}

// selects reports whether sel takes u (whose Initiated is known and past).
func (sel Selection) selects(u listing.Upload, now time.Time) bool {
	return now.Sub(u.Initiated) >= sel.OlderThan &&
		(sel.Initiator == "" || u.InitiatorID == sel.Initiator) &&
		(sel.StorageClass == "" || strings.EqualFold(u.StorageClass, sel.StorageClass))
}

func itemOf(bucket string, u listing.Upload, ps *listing.Parts) Item {
	class := ps.Info.StorageClass
	if class == "" {
		class = u.StorageClass
	}
	return Item{Bucket: bucket, Upload: u, StorageClass: class, Parts: len(ps.Parts), Bytes: ps.TotalBytes}
}

// Bytes sums the bytes of items by storage class ("" left as it is).
func Bytes(items []Item) (total int64, byClass map[string]int64) {
	byClass = map[string]int64{}
	for _, it := range items {
		total += it.Bytes
		byClass[it.StorageClass] += it.Bytes
	}
	return total, byClass
}
