package listing

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// AbortRule is one enabled lifecycle rule of a bucket whose action
// AbortIncompleteMultipartUpload applies (S3 allows only a prefix filter
// with it).
type AbortRule struct {
	ID     string // the rule's ID ("" when it has none)
	Prefix string // its prefix filter ("" = the whole bucket)
	Days   int32  // DaysAfterInitiation
}

// Lifecycle is what a bucket's lifecycle configuration says of incomplete
// uploads. The zero value (no rules) is a bucket with no abort rule.
type Lifecycle struct {
	Rules []AbortRule // enabled abort rules, sorted by prefix, then days
}

// Lifecycle reads the bucket's configuration (readLifecycle, the reading
// `uploadfs lifecycle` uses too) and keeps the rules that abort incomplete
// uploads.
//
// No rule, and &Lifecycle{} with no error, is what a bucket without a
// configuration, or a server without lifecycle support (versitygw answers
// NotImplemented), means: no rule will ever abort an upload there. A 404
// with any other code (NoSuchBucket) stays ErrNotFound. AccessDenied (a
// caller without s3:GetLifecycleConfiguration) is an *Error of kind
// ErrAccessDenied, and an answer that is not a configuration in S3's form
// one of kind ErrBadResponse; callers show both as "unknown".
//
// A rule counts when its Status is Enabled and it has
// AbortIncompleteMultipartUpload with DaysAfterInitiation of at least 1.
// Its prefix is Filter.Prefix, Filter.And.Prefix, or the legacy top-level
// Prefix. S3 refuses the abort action on a rule whose filter has tags or
// object sizes (an incomplete upload has neither); a server that returns
// one anyway is not believed: the rule is skipped, it cannot apply to an
// upload. So is a rule of fewer than 1 day, which S3 also refuses.
func (c *S3) Lifecycle(ctx context.Context, bucket string) (*Lifecycle, error) {
	lc, err := c.readLifecycle(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return lc.Aborts(), nil
}

// abortRules keeps the rules that abort uploads, sorted.
func abortRules(rules []types.LifecycleRule) *Lifecycle {
	l := &Lifecycle{}
	for _, r := range rules {
		if r.Status != types.ExpirationStatusEnabled || r.AbortIncompleteMultipartUpload == nil {
			continue
		}
		days := aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation)
		prefix, ok := rulePrefix(r)
		if !ok || days < 1 {
			continue
		}
		l.Rules = append(l.Rules, AbortRule{ID: str(r.ID), Prefix: prefix, Days: days})
	}
	slices.SortFunc(l.Rules, func(a, b AbortRule) int {
		if c := strings.Compare(a.Prefix, b.Prefix); c != 0 {
			return c
		}
		return int(a.Days) - int(b.Days)
	})
	return l
}

// rulePrefix is the prefix a rule applies to; false when its filter has a
// condition besides the prefix (tags, object sizes).
func rulePrefix(r types.LifecycleRule) (string, bool) {
	f := r.Filter
	if f == nil {
		//lint:ignore SA1019 the legacy prefix is what configurations from before Filter have
		return str(r.Prefix), true
	}
	if f.Tag != nil || f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil {
		return "", false
	}
	if a := f.And; a != nil {
		if len(a.Tags) > 0 || a.ObjectSizeGreaterThan != nil || a.ObjectSizeLessThan != nil {
			return "", false
		}
		return str(a.Prefix), true
	}
	return str(f.Prefix), true
}

// RuleFor returns the rule that aborts an upload of key soonest (least Days
// among the rules whose Prefix the key starts with; of equal Days the
// shortest prefix), false when none covers it.
func (l *Lifecycle) RuleFor(key string) (AbortRule, bool) {
	var best AbortRule
	found := false
	for _, r := range l.Rules {
		if strings.HasPrefix(key, r.Prefix) && (!found || r.Days < best.Days) {
			best, found = r, true
		}
	}
	return best, found
}

// Coverage says how a bucket's abort rules cover the keys below a prefix.
type Coverage int

const (
	CoverageNone   Coverage = iota // no rule covers any key below the prefix
	CoveragePartly                 // rules cover some keys below it (longer prefixes)
	CoverageFull                   // a rule covers every key below it
)

func (c Coverage) String() string {
	switch c {
	case CoverageFull:
		return "covered"
	case CoveragePartly:
		return "partly"
	}
	return "none"
}

// Coverage says how the rules cover the keys below prefix ("" = the
// bucket): CoverageFull when a rule covers every such key (its Prefix is a
// prefix of prefix; days is the least such Days), CoveragePartly when rules
// cover only some (a rule's Prefix starts with prefix; days is then 0),
// CoverageNone otherwise.
func (l *Lifecycle) Coverage(prefix string) (cov Coverage, days int32) {
	for _, r := range l.Rules {
		switch {
		case strings.HasPrefix(prefix, r.Prefix):
			if cov != CoverageFull || r.Days < days {
				cov, days = CoverageFull, r.Days
			}
		case cov == CoverageNone && strings.HasPrefix(r.Prefix, prefix):
			cov = CoveragePartly
		}
	}
	return cov, days
}

// AbortDate is when S3 aborts an upload initiated at initiated under a rule
// of days. S3's lifecycle documentation: it "calculates the time by adding
// the number of days specified in the rule to the object creation time and
// rounding the resulting time to the next day midnight UTC" (created
// 10:30 UTC on 1/15 with 3 days: 1/19 00:00 UTC). So: initiated + days,
// then the next midnight UTC after it — a sum that falls exactly on
// midnight is also moved to the following one, as "next day midnight"
// reads. The upload becomes eligible then; S3 may act on it later.
func AbortDate(initiated time.Time, days int32) time.Time {
	t := initiated.UTC().AddDate(0, 0, int(days))
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
}
