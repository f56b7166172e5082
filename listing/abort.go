package listing

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Abort aborts one upload (AbortMultipartUpload): the only call of this
// package that changes anything. Callers decide whether it may be made.
// An upload already gone is ErrNotFound.
func (c *S3) Abort(ctx context.Context, bucket, key, uploadID string) error {
	_, err := c.api.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		RequestPayer: c.payer(), ExpectedBucketOwner: c.owner(),
	})
	return c.wrap(err, "AbortMultipartUpload", bucket, key, uploadID)
}

// Abort aborts one vault upload (key is unused: Glacier uploads have
// none). An upload already gone is ErrNotFound.
func (g *Glacier) Abort(ctx context.Context, vault, _ string, uploadID string) error {
	_, err := g.api.AbortMultipartUpload(ctx, &glacier.AbortMultipartUploadInput{
		AccountId: &g.accountID, VaultName: aws.String(vault), UploadId: aws.String(uploadID),
	})
	return glacierError(err, "AbortMultipartUpload", vault, uploadID)
}
