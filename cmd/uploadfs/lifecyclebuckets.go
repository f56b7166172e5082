package main

import (
	"context"
	"log/slog"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/listing"
)

// lifecycleBucket is one bucket of the lifecycle command, with the lister
// that reads and writes it and, over several accounts, its account. One
// with err and no name is an account that could not be reached or whose
// buckets could not be listed: its line says so (never left out).
type lifecycleBucket struct {
	acct accounts.Account
	l    *listing.S3
	name string
	err  error
}

// lifecycleBuckets are the buckets the flags name: named ones, every one
// of the account (all), or every one of each account the account flags
// name (accountListers, as the report's).
func lifecycleBuckets(ctx context.Context, c *config, all bool, names []string, log *slog.Logger) ([]lifecycleBucket, error) {
	if !c.manyAccounts() {
		cfg, err := loadConfig(ctx, c)
		if err != nil {
			return nil, err
		}
		router, custom := newS3Client(cfg, c, log)
		l := newS3Lister(c, router, c.directoryRegions(custom))
		if all {
			bs, err := l.Buckets(ctx)
			if err != nil {
				return nil, explain(err, c, "")
			}
			for _, b := range bs {
				names = append(names, b.Name)
			}
		}
		var out []lifecycleBucket
		for _, n := range names {
			out = append(out, lifecycleBucket{l: l, name: n})
		}
		return out, nil
	}
	als, err := accountListers(ctx, c, nil, log)
	if err != nil {
		return nil, err
	}
	var out []lifecycleBucket
	for _, a := range als {
		out = append(out, accountBuckets(ctx, a)...)
	}
	return out, nil
}

// accountBuckets are every bucket of a, or a's one failure.
func accountBuckets(ctx context.Context, a accountLister) []lifecycleBucket {
	if err := a.reach(ctx); err != nil {
		return []lifecycleBucket{{acct: a.Account, err: err}}
	}
	bs, err := a.l.Buckets(ctx)
	if err != nil {
		return []lifecycleBucket{{acct: a.Account, err: &accounts.Error{Account: a.Account, Op: "ListBuckets", Err: err}}}
	}
	var out []lifecycleBucket
	for _, b := range bs {
		out = append(out, lifecycleBucket{acct: a.Account, l: a.l, name: b.Name})
	}
	return out
}

// where names the bucket in a line: over several accounts with its
// account; an account's failure is its account alone.
func (b lifecycleBucket) where() string {
	switch {
	case b.acct.ID == "":
		return b.name
	case b.name == "":
		return "account " + b.acct.ID
	}
	return "account " + b.acct.ID + ": " + b.name
}

// read reads the bucket's lifecycle configuration, within the timeout.
func (b lifecycleBucket) read(ctx context.Context, c *config) (*listing.LifecycleConfig, error) {
	if b.err != nil {
		return nil, b.err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	lcfg, err := b.l.LifecycleConfiguration(ctx, b.name)
	return lcfg, explain(err, c, b.name)
}

// planEnsure plans the rule of days for the bucket, within the timeout.
func (b lifecycleBucket) planEnsure(ctx context.Context, c *config, days int32) (*act.Ensure, error) {
	if b.err != nil {
		return nil, b.err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	e, err := act.PlanEnsure(ctx, b.l, b.name, days)
	return e, explain(err, c, b.name)
}

// bucketEnsure is one bucket's plan, with the bucket it is of.
type bucketEnsure struct {
	at lifecycleBucket
	*act.Ensure
}
