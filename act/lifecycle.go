package act

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/listing"
)

// LifecycleRW reads and writes whole configurations (*listing.S3).
type LifecycleRW interface {
	ReadLifecycle(ctx context.Context, bucket string) (*listing.LifecycleConfig, error)
	WriteLifecycle(ctx context.Context, bucket string, lc *listing.LifecycleConfig) error
}

// MaxRules is S3's limit on the rules of one configuration.
const MaxRules = 1000

// The ways an ensured rule can fail after the plan was made.
var (
	// ErrChanged: the configuration read just before the write was not
	// the one the plan was made from; nothing was written.
	ErrChanged = errors.New("the configuration changed since it was read: nothing written, run again")
	// ErrNotKept: what was read back after the write is not what was
	// written (the server dropped the rule, as MinIO does, or someone
	// changed the configuration meanwhile).
	ErrNotKept = errors.New("the configuration read back is not the one written")
)

// RuleID names the rule uploadfs adds.
func RuleID(days int32) string { return fmt.Sprintf("uploadfs-abort-incomplete-uploads-%dd", days) }

// Ensure is the plan for one bucket: Before as read; After what to write
// (nil: nothing to do, Covered says which rule already covers it).
type Ensure struct {
	Bucket  string
	Days    int32
	Before  *listing.LifecycleConfig
	After   *listing.LifecycleConfig
	Covered *listing.AbortRule
	// ManagedBy names the tool whose deployments own the bucket, as its
	// tags show (CloudFormation, Terraform): the next one reverts the
	// change. "" when the tags show none or cannot be read.
	ManagedBy string
}

// TagReader reads a bucket's tags (*listing.S3); optional for PlanEnsure.
type TagReader interface {
	BucketTags(ctx context.Context, bucket string) (map[string]string, error)
}

// managedBy names the deployment tool tags show: CloudFormation's own
// aws:cloudformation:* tags, or the usual Terraform markers (a key or value
// naming terraform, as ManagedBy=Terraform or terraform=true).
func managedBy(tags map[string]string) string {
	for k, v := range tags {
		switch {
		case strings.HasPrefix(k, "aws:cloudformation:"):
			return "CloudFormation"
		case strings.Contains(strings.ToLower(k+"="+v), "terraform"):
			return "Terraform"
		}
	}
	return ""
}

// PlanEnsure reads bucket's configuration and plans the rule that aborts
// every upload within days. An error is a refusal: the configuration
// cannot be read (AccessDenied is unknown, never none), cannot be carried
// over (listing.ReadLifecycle), or is full.
//
// A directory bucket (S3 Express One Zone) takes the same rule: the SDK
// sends its lifecycle GET and PUT to the Regional s3express-control
// endpoint, and directory buckets take prefix and size filters, expiration
// and the abort action — the rule added is a prefix filter and the abort
// action, and the rules read are carried over as they are. Only
// TransitionDefaultMinimumObjectSize, which directory buckets do not take,
// is refused.
func PlanEnsure(ctx context.Context, rw LifecycleRW, bucket string, days int32) (*Ensure, error) {
	before, err := rw.ReadLifecycle(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if listing.IsDirectoryBucket(bucket) && before.TransitionDefaultMinimumObjectSize != "" {
		return nil, fmt.Errorf("%s: a directory bucket's configuration with TransitionDefaultMinimumObjectSize %s, which directory buckets do not take: cannot be written back as read: refused",
			bucket, before.TransitionDefaultMinimumObjectSize)
	}
	e := &Ensure{Bucket: bucket, Days: days, Before: before}
	if r, ok := before.Aborts().RuleFor(""); ok && r.Days <= days {
		e.Covered = &r
		return e, nil
	}
	if len(before.Rules) >= MaxRules {
		return nil, fmt.Errorf("%s: the configuration has %d rules, S3's limit: refused", bucket, len(before.Rules))
	}
	for _, r := range before.Rules {
		if aws.ToString(r.ID) == RuleID(days) {
			return nil, fmt.Errorf("%s: a rule %s exists and does not cover the bucket (%s): refused, fix it by hand", bucket, RuleID(days), Describe(r))
		}
	}
	rules := append(append([]types.LifecycleRule(nil), before.Rules...), types.LifecycleRule{
		ID:                             aws.String(RuleID(days)),
		Status:                         types.ExpirationStatusEnabled,
		Filter:                         &types.LifecycleRuleFilter{Prefix: aws.String("")},
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(days)},
	})
	e.After = &listing.LifecycleConfig{Rules: rules, TransitionDefaultMinimumObjectSize: before.TransitionDefaultMinimumObjectSize}
	if tr, ok := rw.(TagReader); ok {
		// Tags that cannot be read (no s3:GetBucketTagging) only cost
		// the warning.
		if tags, err := tr.BucketTags(ctx, bucket); err == nil {
			e.ManagedBy = managedBy(tags)
		}
	}
	return e, nil
}

// Apply writes e.After: it reads the configuration again first (a change
// since the plan is ErrChanged, nothing written), writes, and reads back
// (anything but what was written is ErrNotKept).
func (e *Ensure) Apply(ctx context.Context, rw LifecycleRW) error {
	if e.After == nil {
		return nil
	}
	now, err := rw.ReadLifecycle(ctx, e.Bucket)
	if err != nil {
		return err
	}
	if !SameConfig(e.Before, now) {
		return ErrChanged
	}
	if err := rw.WriteLifecycle(ctx, e.Bucket, e.After); err != nil {
		return err
	}
	back, err := rw.ReadLifecycle(ctx, e.Bucket)
	if err != nil {
		return fmt.Errorf("reading back: %w", err)
	}
	if !SameConfig(e.After, back) {
		return fmt.Errorf("%w: %s", ErrNotKept, missing(e.After, back))
	}
	return nil
}

// SameConfig reports whether got is want: the same rules (in any order;
// a rule written without an ID may come back with one, as S3 gives it) and,
// where want has one, the same TransitionDefaultMinimumObjectSize (S3
// answers its default when none was written).
func SameConfig(want, got *listing.LifecycleConfig) bool {
	if want.None || got.None {
		return want.None == got.None
	}
	if want.TransitionDefaultMinimumObjectSize != "" && want.TransitionDefaultMinimumObjectSize != got.TransitionDefaultMinimumObjectSize {
		return false
	}
	return len(want.Rules) == len(got.Rules) && missing(want, got) == ""
}

// missing describes the first rule of want that got lacks ("" if none).
func missing(want, got *listing.LifecycleConfig) string {
	used := make([]bool, len(got.Rules))
	for _, w := range want.Rules {
		found := false
		for i, g := range got.Rules {
			if !used[i] && sameRule(w, g) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return "missing or changed: " + Describe(w)
		}
	}
	return ""
}

func sameRule(want, got types.LifecycleRule) bool {
	if want.ID == nil {
		got.ID = nil
	}
	return reflect.DeepEqual(want, got)
}
