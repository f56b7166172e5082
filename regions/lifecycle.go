package regions

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PutBucketLifecycleConfiguration sends the request to the bucket's region
// (`uploadfs lifecycle --apply`, the one writer of a configuration).
func (r *Router) PutBucketLifecycleConfiguration(ctx context.Context, in *s3.PutBucketLifecycleConfigurationInput, opts ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.PutBucketLifecycleConfigurationOutput, error) {
		return c.PutBucketLifecycleConfiguration(ctx, in, opts...)
	})
}

// GetBucketTagging sends the request to the bucket's region (whether
// CloudFormation or Terraform manages the bucket whose rules are changed).
func (r *Router) GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.GetBucketTaggingOutput, error) {
		return c.GetBucketTagging(ctx, in, opts...)
	})
}
