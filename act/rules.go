package act

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Describe is a rule on one line: ID, status, filter, actions. It is for
// people (the diff, the listing); comparisons use the rules themselves.
func Describe(r types.LifecycleRule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", orNone(aws.ToString(r.ID)), r.Status, filterOf(r))
	for _, t := range r.Transitions {
		fmt.Fprintf(&b, " transition(%s %s)", when(t.Days, t.Date), t.StorageClass)
	}
	if e := r.Expiration; e != nil {
		fmt.Fprintf(&b, " expire(%s", when(e.Days, e.Date))
		if aws.ToBool(e.ExpiredObjectDeleteMarker) {
			b.WriteString("delete-markers")
		}
		b.WriteString(")")
	}
	for _, t := range r.NoncurrentVersionTransitions {
		fmt.Fprintf(&b, " noncurrent-transition(%dd %s)", aws.ToInt32(t.NoncurrentDays), t.StorageClass)
	}
	if e := r.NoncurrentVersionExpiration; e != nil {
		fmt.Fprintf(&b, " noncurrent-expire(%dd)", aws.ToInt32(e.NoncurrentDays))
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		fmt.Fprintf(&b, " abort-incomplete-uploads(%dd)", aws.ToInt32(a.DaysAfterInitiation))
	}
	return b.String()
}

// filterOf is a rule's filter: its prefix, tags and sizes, or the legacy
// rule-level prefix.
func filterOf(r types.LifecycleRule) string {
	f := r.Filter
	if f == nil {
		//lint:ignore SA1019 the legacy prefix is part of configurations uploadfs carries over
		return fmt.Sprintf("prefix=%q(rule-level)", aws.ToString(r.Prefix))
	}
	var parts []string
	add := func(prefix *string, tags []types.Tag, gt, lt *int64) {
		if prefix != nil {
			parts = append(parts, fmt.Sprintf("prefix=%q", *prefix))
		}
		for _, t := range tags {
			parts = append(parts, fmt.Sprintf("tag:%s=%s", aws.ToString(t.Key), aws.ToString(t.Value)))
		}
		if gt != nil {
			parts = append(parts, fmt.Sprintf("size>%d", *gt))
		}
		if lt != nil {
			parts = append(parts, fmt.Sprintf("size<%d", *lt))
		}
	}
	var tags []types.Tag
	if f.Tag != nil {
		tags = []types.Tag{*f.Tag}
	}
	add(f.Prefix, tags, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan)
	if a := f.And; a != nil {
		add(a.Prefix, a.Tags, a.ObjectSizeGreaterThan, a.ObjectSizeLessThan)
	}
	if len(parts) == 0 {
		return "whole-bucket"
	}
	return strings.Join(parts, ",")
}

func when(days *int32, date *time.Time) string {
	if date != nil {
		return date.UTC().Format("2006-01-02")
	}
	if days == nil {
		return ""
	}
	return fmt.Sprintf("%dd", aws.ToInt32(days))
}

func orNone(s string) string {
	if s == "" {
		return "(no-id)"
	}
	return s
}
