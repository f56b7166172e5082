package regions

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ListBuckets asks the default region and learns the region of every
// bucket listed with one (BucketRegion: AWS returns it when the request
// has MaxBuckets or a continuation token).
func (r *Router) ListBuckets(ctx context.Context, in *s3.ListBucketsInput, opts ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	c, err := r.client(r.def)
	if err != nil {
		return nil, err
	}
	out, err := c.ListBuckets(ctx, in, opts...)
	if err == nil {
		for _, b := range out.Buckets {
			if b.Name != nil && b.BucketRegion != nil {
				r.learn(*b.Name, *b.BucketRegion, "ListBuckets")
			}
		}
	}
	return out, err
}

// ListDirectoryBuckets asks the region that opts set (else the default)
// and learns that region for every directory bucket listed.
func (r *Router) ListDirectoryBuckets(ctx context.Context, in *s3.ListDirectoryBucketsInput, opts ...func(*s3.Options)) (*s3.ListDirectoryBucketsOutput, error) {
	region := r.def
	var o s3.Options
	for _, f := range opts {
		f(&o)
	}
	if o.Region != "" {
		region = o.Region
	}
	c, err := r.client(region)
	if err != nil {
		return nil, err
	}
	out, err := c.ListDirectoryBuckets(ctx, in, opts...)
	if err == nil {
		for _, b := range out.Buckets {
			if b.Name != nil {
				r.learn(*b.Name, region, "ListDirectoryBuckets")
			}
		}
	}
	return out, err
}

// ListMultipartUploads sends the request to the bucket's region.
func (r *Router) ListMultipartUploads(ctx context.Context, in *s3.ListMultipartUploadsInput, opts ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.ListMultipartUploadsOutput, error) {
		return c.ListMultipartUploads(ctx, in, opts...)
	})
}

// ListParts sends the request to the bucket's region.
func (r *Router) ListParts(ctx context.Context, in *s3.ListPartsInput, opts ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.ListPartsOutput, error) {
		return c.ListParts(ctx, in, opts...)
	})
}

// HeadBucket sends the request to the bucket's region.
func (r *Router) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.HeadBucketOutput, error) {
		return c.HeadBucket(ctx, in, opts...)
	})
}

// AbortMultipartUpload sends the request to the bucket's region.
func (r *Router) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.AbortMultipartUploadOutput, error) {
		return c.AbortMultipartUpload(ctx, in, opts...)
	})
}

// GetBucketLifecycleConfiguration sends the request to the bucket's region.
func (r *Router) GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, opts ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error) {
	return route(ctx, r, deref(in.Bucket), func(c Client) (*s3.GetBucketLifecycleConfigurationOutput, error) {
		return c.GetBucketLifecycleConfiguration(ctx, in, opts...)
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
