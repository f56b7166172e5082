package listing

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// tagsGetter reads a bucket's tags; the SDK client and the region router
// have it.
type tagsGetter interface {
	GetBucketTagging(context.Context, *s3.GetBucketTaggingInput, ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
}

// BucketTags returns bucket's tags (GetBucketTagging), key to value; a
// bucket without tags (NoSuchTagSet) has none, and so does a client that
// cannot ask.
func (c *S3) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	g, ok := c.api.(tagsGetter)
	if !ok {
		return nil, nil
	}
	out, err := g.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket), ExpectedBucketOwner: c.owner()})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchTagSet" {
		return nil, nil
	}
	if err != nil {
		return nil, c.wrap(err, "GetBucketTagging", bucket, "", "")
	}
	tags := map[string]string{}
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}
