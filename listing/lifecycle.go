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

// Lifecycle reads the bucket's configuration (LifecycleConfiguration, the reading
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
	lc, err := c.LifecycleConfiguration(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return lc.Aborts(), nil
}

// abortRules keeps the rules that abort uploads, sorted.
func abortRules(rules []types.LifecycleRule) *Lifecycle {
	l := &Lifecycle{}
	for _, r := range rules {
		if ar, why := RuleAborts(r); why == "" {
			l.Rules = append(l.Rules, ar)
		}
	}
	slices.SortFunc(l.Rules, func(a, b AbortRule) int {
		if c := strings.Compare(a.Prefix, b.Prefix); c != 0 {
			return c
		}
		return int(a.Days) - int(b.Days)
	})
	return l
}

// RuleAborts reads one rule as Lifecycle does: the AbortRule it is, and
// why it aborts no upload ("" when it does: Lifecycle keeps it). A rule
// without the action aborts none; so does one that is disabled, of fewer
// than 1 day, or whose filter has tags or object sizes (S3 refuses the
// action on such a rule: an incomplete upload has neither).
func RuleAborts(r types.LifecycleRule) (AbortRule, string) {
	ar := AbortRule{ID: str(r.ID)}
	if r.AbortIncompleteMultipartUpload == nil {
		return ar, "it has no AbortIncompleteMultipartUpload action"
	}
	ar.Days = aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation)
	prefix, why := rulePrefix(r)
	ar.Prefix = prefix
	switch {
	case why != "":
		return ar, why
	case r.Status != types.ExpirationStatusEnabled:
		return ar, "it is not enabled"
	case ar.Days < 1:
		return ar, "it is of fewer than 1 day, which S3 refuses"
	}
	return ar, ""
}

// rulePrefix is the prefix a rule applies to, and why it cannot apply to
// an upload when its filter has a condition besides the prefix.
func rulePrefix(r types.LifecycleRule) (string, string) {
	f := r.Filter
	if f == nil {
		//lint:ignore SA1019 the legacy prefix is what configurations from before Filter have
		return str(r.Prefix), ""
	}
	prefix, tags, sized := str(f.Prefix), f.Tag != nil, f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil
	if a := f.And; a != nil {
		prefix = str(a.Prefix)
		tags = tags || len(a.Tags) > 0
		sized = sized || a.ObjectSizeGreaterThan != nil || a.ObjectSizeLessThan != nil
	}
	switch {
	case tags:
		return prefix, "its filter has tags: S3 refuses the action on it, an upload has none"
	case sized:
		return prefix, "its filter has object sizes: S3 refuses the action on it, an upload has no size yet"
	}
	return prefix, ""
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
