package listing

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Buckets lists every bucket the credentials can see, sorted by name.
func (c *S3) Buckets(ctx context.Context) ([]Bucket, error) {
	const op = "ListBuckets"
	var out collector[Bucket]
	err := paginate(c.maxPages(), "", func(token string) (string, error) {
		in := &s3.ListBucketsInput{}
		if token != "" {
			in.ContinuationToken = &token
		}
		res, err := c.api.ListBuckets(ctx, in)
		if err != nil {
			return "", err
		}
		for _, b := range res.Buckets {
			out.add(str(b.Name), Bucket{Name: str(b.Name), Created: aws.ToTime(b.CreationDate)})
		}
		return str(res.ContinuationToken), nil
	})
	if err != nil {
		return nil, wrap(err, op, "", "", "")
	}
	sortBuckets(out.items)
	return out.items, nil
}

// sortBuckets sorts buckets (or vaults) by name.
func sortBuckets(bs []Bucket) { sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name }) }
