package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// DeniedBucket is the bucket whose lifecycle configuration the demo's
// front refuses (AccessDenied), with two old uploads; SeedLifecycles adds
// it to Seed's tree.
const DeniedBucket = "archive-vault"

// SeedLifecycles gives the demo's buckets one lifecycle coverage each, as
// `uploadfs report` and user.s3.lifecycle show them: media-uploads
// covered (an abort rule of 7 days for the whole bucket), data-lake partly
// (1 day for tmp/, where it has no upload), quiet-bucket none, and DeniedBucket unknown.
// gofakes3 keeps no lifecycle configuration: front (in front of the
// server c reaches) answers for it.
func SeedLifecycles(ctx context.Context, c *s3.Client, clock *s3server.Clock, front *faultproxy.Lifecycle) error {
	b := DeniedBucket
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b}); err != nil {
		return fmt.Errorf("create bucket %s: %w", b, err)
	}
	defer clock.Backdate(0)
	for _, u := range []struct {
		key  string
		days int
	}{{"ledgers/2026-q3.tar", 40}, {"ledgers/2026-10.tar", 10}} {
		clock.Backdate(time.Duration(u.days) * 24 * time.Hour)
		if _, err := s3server.CreateUpload(ctx, c, b, u.key, count(4), sized(1<<20)); err != nil {
			return fmt.Errorf("upload s3://%s/%s: %w", b, u.key, err)
		}
	}
	front.SetRules("media-uploads", faultproxy.AbortRule("abandoned-uploads", "", 7))
	front.SetRules("data-lake", faultproxy.AbortRule("scratch", "tmp/", 1))
	front.Deny(DeniedBucket)
	return nil
}
