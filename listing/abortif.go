package listing

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// AbortInitiated aborts the upload as Abort does, and where the server
// offers a condition on it — S3 directory buckets' If-Match-Initiated-Time
// — only if the upload began at initiated: a different upload that took
// the same ID is then refused (412 PreconditionFailed) rather than ended.
// On other buckets, or with no initiated time, it is Abort.
func (c *S3) AbortInitiated(ctx context.Context, bucket, key, uploadID string, initiated time.Time) error {
	if !strings.HasSuffix(bucket, "--x-s3") || initiated.IsZero() {
		return c.Abort(ctx, bucket, key, uploadID)
	}
	_, err := c.api.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		IfMatchInitiatedTime: aws.Time(initiated),
		RequestPayer:         c.payer(), ExpectedBucketOwner: c.owner(),
	})
	return c.wrap(err, "AbortMultipartUpload", bucket, key, uploadID)
}
