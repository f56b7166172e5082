package listing

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Buckets lists every bucket the credentials can see, sorted by name.
func (c *S3) Buckets(ctx context.Context) ([]Bucket, error) {
	const op = "ListBuckets"
	var (
		out   []Bucket
		token *string
		seen  = map[string]bool{}
	)
	for page := 0; ; page++ {
		if page >= c.maxPages() {
			return nil, badResponse(op, "", "", "", "too many pages")
		}
		res, err := c.api.ListBuckets(ctx, &s3.ListBucketsInput{ContinuationToken: token})
		if err != nil {
			return nil, wrap(err, op, "", "", "")
		}
		for _, b := range res.Buckets {
			name := str(b.Name)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			bk := Bucket{Name: name}
			if b.CreationDate != nil {
				bk.Created = *b.CreationDate
			}
			out = append(out, bk)
		}
		next := str(res.ContinuationToken)
		if next == "" {
			break
		}
		if token != nil && next == *token {
			return nil, badResponse(op, "", "", "", "continuation token did not advance")
		}
		token = &next
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
