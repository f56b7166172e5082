package act

import (
	"context"

	"github.com/uploadfs/uploadfs/accounts"
)

// Backend is what a plan and its run need of one account's S3 (or
// Glacier): the listing, the abort and the confirmation.
type Backend interface {
	Lister
	Aborter
	FirstPager
}

// Account is one account of a plan over several (MakeAccountsPlan).
type Account struct {
	accounts.Account
	// Reach, if set, is called first (it assumes the account's role): its
	// error leaves the whole account out of the plan, as a failed target.
	Reach   func(ctx context.Context) error
	Backend Backend
}

// MakeAccountsPlan is MakePlan over every bucket of each account in turn,
// each item and failed target naming its account. An account that cannot
// be reached, or whose buckets cannot be listed, is one failed target
// (with no bucket) whose error is an *accounts.Error: never left out
// silently. Only ctx's end is an error.
func MakeAccountsPlan(ctx context.Context, accts []Account, sel Selection, o PlanOptions) (*Plan, error) {
	p := &Plan{Now: o.Now}
	for _, a := range accts {
		sub, err := planAccount(ctx, a, sel, o)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			p.Failed = append(p.Failed, TargetError{Account: a.Account, Err: err})
			continue
		}
		p.Items = append(p.Items, tag(sub.Items, a.Account)...)
		p.Undated = append(p.Undated, tag(sub.Undated, a.Account)...)
		for _, f := range sub.Failed {
			f.Account = a.Account
			p.Failed = append(p.Failed, f)
		}
	}
	return p, nil
}

// planAccount reaches a and plans every bucket of it.
func planAccount(ctx context.Context, a Account, sel Selection, o PlanOptions) (*Plan, error) {
	if a.Reach != nil {
		if err := a.Reach(ctx); err != nil {
			return nil, err
		}
	}
	p, err := MakePlan(ctx, a.Backend, nil, sel, o)
	if err != nil && ctx.Err() == nil {
		return nil, &accounts.Error{Account: a.Account, Op: "ListBuckets", Err: err}
	}
	return p, err
}

// tag names a as the account of every item.
func tag(items []Item, a accounts.Account) []Item {
	for i := range items {
		items[i].Account = a
	}
	return items
}
