package listing

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// LifecycleConfig is a bucket's whole lifecycle configuration, read to be
// written back with one rule more (`uploadfs lifecycle --ensure-abort`).
type LifecycleConfig struct {
	// None: the bucket has no configuration (404
	// NoSuchLifecycleConfiguration).
	None bool
	// Rules as the SDK read them, in the server's order.
	Rules []types.LifecycleRule
	// TransitionDefaultMinimumObjectSize is the header of the same name
	// ("" when the server sent none); written back as read.
	TransitionDefaultMinimumObjectSize types.TransitionDefaultMinimumObjectSize
	// Unsupported is the server's answer when it has no lifecycle
	// configurations at all (None is then true too): nothing aborts
	// uploads there, and nothing can be written.
	Unsupported error
	// Unknown is the first element of the XML the SDK does not read ("":
	// none). The rules read stand for the report; ReadLifecycle refuses
	// to write such a configuration back.
	Unknown string
}

// Aborts is what the configuration says of incomplete uploads: the same
// reading as Lifecycle's (the report's column, the mount's xattrs).
func (lc *LifecycleConfig) Aborts() *Lifecycle { return abortRules(lc.Rules) }

// lifecyclePutter is the writer of configurations; the SDK client and the
// region router have it, S3API leaves it out so that nothing else can.
type lifecyclePutter interface {
	PutBucketLifecycleConfiguration(context.Context, *s3.PutBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error)
}

// ReadLifecycle reads bucket's whole configuration so that it can be
// written back unchanged: LifecycleConfiguration's reading (the report's and the
// mount's), stricter. It refuses (an *Error of kind ErrBadResponse) a
// configuration with an element uploadfs does not know: the SDK would drop
// it, and writing back the rest would delete it. A server without
// lifecycle support is an error of kind ErrInvalid: there is nothing to
// write to.
//
// Only NoSuchLifecycleConfiguration means "none": AccessDenied,
// NotImplemented and every other failure are errors, never an empty
// configuration to write over.
func (c *S3) ReadLifecycle(ctx context.Context, bucket string) (*LifecycleConfig, error) {
	const op = "GetBucketLifecycleConfiguration"
	lc, err := c.LifecycleConfiguration(ctx, bucket)
	switch {
	case err != nil:
		return nil, err
	case lc.Unsupported != nil:
		return nil, &Error{Op: op, Bucket: bucket, Kind: ErrInvalid, Err: fmt.Errorf("the server does not implement lifecycle configurations: %w", lc.Unsupported)}
	case lc.Unknown != "":
		return nil, badResponse(op, bucket, "", "", fmt.Sprintf("the configuration has <%s>, which uploadfs cannot carry over: refused", lc.Unknown))
	}
	return lc, nil
}

// WriteLifecycle replaces bucket's configuration with lc (S3 has no
// conditional write: the caller reads again just before, and after).
func (c *S3) WriteLifecycle(ctx context.Context, bucket string, lc *LifecycleConfig) error {
	const op = "PutBucketLifecycleConfiguration"
	w, ok := c.api.(lifecyclePutter)
	if !ok {
		return &Error{Op: op, Bucket: bucket, Kind: ErrInvalid, Err: errors.New("this client cannot write lifecycle configurations")}
	}
	_, err := w.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket:                             aws.String(bucket),
		LifecycleConfiguration:             &types.BucketLifecycleConfiguration{Rules: lc.Rules},
		TransitionDefaultMinimumObjectSize: lc.TransitionDefaultMinimumObjectSize,
		ExpectedBucketOwner:                c.owner(),
	})
	return c.wrap(err, op, bucket, "", "")
}
