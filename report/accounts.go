package report

import (
	"context"
	"errors"
	"sync"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/internal/adapt"
	"github.com/uploadfs/uploadfs/listing"
)

// Account is one account of a report over several (Options.Accounts):
// who it is, how its buckets are listed, and how it is reached.
type Account struct {
	accounts.Account
	// Reach, if set, is called first, under the concurrency bound (it
	// assumes the account's role): its error is the account's one row.
	Reach func(ctx context.Context) error
	// Lister, Lifecycles and Region are the account's, as in Options.
	Lister     Lister
	Lifecycles Lifecycles
	Region     func(bucket string) string
}

// accountRun is the scan of one account: its targets' walks, or the
// error that kept it from listing any.
type accountRun struct {
	*Account
	runs []*targetRun
	err  error
}

// account reaches a, lists its buckets unless targets are given, and
// walks every target, each under the bound.
func (w *walker) account(ctx context.Context, a *accountRun, targets []Target) {
	defer func() {
		if p := w.o.Progress; p != nil {
			p.accountsDone.Add(1)
		}
	}()
	if a.Reach != nil {
		if !w.lim.Acquire(ctx) {
			return
		}
		a.err = a.Reach(ctx)
		w.lim.Release()
		if a.err != nil {
			return
		}
	}
	if len(targets) == 0 {
		if !w.lim.Acquire(ctx) {
			return
		}
		bs, err := a.Lister.Buckets(adapt.Without(ctx))
		w.lim.Release()
		if err != nil {
			a.err = err
			if a.ID != "" {
				a.err = &accounts.Error{Account: a.Account.Account, Op: "ListBuckets", Err: err}
			}
			return
		}
		for _, b := range bs {
			targets = append(targets, Target{Bucket: b.Name})
		}
	}
	targets = distinct(targets)
	if w.o.Progress != nil {
		w.o.Progress.Targets(len(targets))
	}
	lcs := lifecycles(targets, a.Lifecycles)
	var all sync.WaitGroup
	for i, t := range targets {
		if ctx.Err() != nil {
			break
		}
		r := &targetRun{Target: t, acct: a.Account, rows: map[Key]*Row{}, lc: lcs[i], top: newTop(w.o.Top, w.o.TopBy)}
		a.runs = append(a.runs, r)
		w.spawn(&all, func() { w.target(ctx, r) })
	}
	all.Wait()
}

// rows are the account's rows: its targets', or its one error row. An
// account of several with no bucket is one row of zeros: every account
// scanned is in the report.
func (a *accountRun) rows(o Options) []Row {
	switch {
	case a.err != nil:
		return []Row{{Account: a.ID, AccountName: a.Name, Err: a.err}}
	case len(a.runs) == 0 && a.ID != "":
		return []Row{{Account: a.ID, AccountName: a.Name, Older: make([]Count, len(o.Ages))}}
	}
	var rows []Row
	for _, t := range a.runs {
		rows = append(rows, t.result(o)...)
	}
	return rows
}

// errorText is what a row's error says: where S3 refused a listing, the
// permission it lacked.
func errorText(err error) string {
	var le *listing.Error
	if errors.As(err, &le) {
		return accounts.Denied(le.Op, err)
	}
	return err.Error()
}

// manyAccounts reports whether the rows are of more than one account:
// the table then has an ACCOUNT column and a subtotal per account.
func (rep *Report) manyAccounts() bool {
	for _, r := range rep.Rows {
		if r.Account != rep.Rows[0].Account {
			return true
		}
	}
	return false
}

// tableLines are the rows the table writes: lines, with a subtotal after
// each account's rows when there are several (SUBTOTAL (INCOMPLETE) where
// some of them failed).
func (rep *Report) tableLines() []*Row {
	ls := rep.lines()
	if !rep.manyAccounts() {
		return ls
	}
	var out []*Row
	start := 0
	for i, r := range ls {
		if r.Total || ls[i+1].Account != r.Account {
			// ls ends with the total, so i+1 is in range before it.
			out = append(out, ls[start:i+1]...)
			if s := rep.subtotal(ls[start : i+1]); !r.Total && s.failed < i+1-start {
				out = append(out, s) // an account that failed whole has its error row only
			}
			start = i + 1
		}
	}
	return out
}

// subtotal sums one account's rows.
func (rep *Report) subtotal(rows []*Row) *Row {
	own := make([]Row, len(rows))
	for i, r := range rows {
		own[i] = *r
	}
	s := total(own, rep.Ages, rep.Prices)
	s.Subtotal, s.Account, s.AccountName = true, rows[0].Account, rows[0].AccountName
	for _, r := range rows {
		if r.Err != nil {
			s.failed++
		}
	}
	return &s
}
