package report

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
)

// Requests counts the requests a client sends, each attempt of a retried
// one included (S3 bills every request that reaches it): LIST-class ones
// (ListBuckets, ListDirectoryBuckets, ListMultipartUploads, ListParts)
// apart from the rest (GetBucketLifecycleConfiguration, HeadBucket, S3
// Express sessions). Safe for concurrent use; the zero value counts from
// zero.
type Requests struct {
	list, other atomic.Int64
}

// RequestCounts is a snapshot of Requests.
type RequestCounts struct {
	List, Other int64
}

// Total is every request counted.
func (c RequestCounts) Total() int64 { return c.List + c.Other }

// Counts returns the counts so far.
func (r *Requests) Counts() RequestCounts {
	return RequestCounts{List: r.list.Load(), Other: r.other.Load()}
}

// Middleware is an SDK API option (aws.Config.APIOptions) that counts
// every attempt: it sits in the Finalize step after the retry middleware,
// so each retry passes through it.
func (r *Requests) Middleware(st *middleware.Stack) error {
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("uploadfsCountRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if strings.HasPrefix(middleware.GetOperationName(ctx), "List") {
				r.list.Add(1)
			} else {
				r.other.Add(1)
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
