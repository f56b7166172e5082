package listing

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
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
// written back unchanged. It refuses (an *Error of kind ErrBadResponse) a
// configuration with an element uploadfs does not know, or a rule without
// Status (not S3's form: Google Cloud Storage): the SDK would drop what it
// does not know, and writing back the rest would delete it.
//
// Only NoSuchLifecycleConfiguration means "none": AccessDenied,
// NotImplemented and every other failure are errors, never an empty
// configuration to write over.
func (c *S3) ReadLifecycle(ctx context.Context, bucket string) (*LifecycleConfig, error) {
	const op = "GetBucketLifecycleConfiguration"
	var raw []byte
	out, err := c.api.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{
		Bucket: aws.String(bucket), ExpectedBucketOwner: c.owner(),
	}, keepBody(&raw))
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchLifecycleConfiguration":
		return &LifecycleConfig{None: true}, nil
	case notImplemented(err):
		return nil, &Error{Op: op, Bucket: bucket, Kind: ErrInvalid, Err: fmt.Errorf("the server does not implement lifecycle configurations (or a header uploadfs sent): %w", err)}
	case err != nil:
		return nil, c.wrap(err, op, bucket, "", "")
	}
	if len(raw) == 0 {
		return nil, badResponse(op, bucket, "", "", "the configuration's XML could not be checked: refused")
	}
	if name, ok := unknownElement(raw); !ok {
		return nil, badResponse(op, bucket, "", "", fmt.Sprintf("the configuration has <%s>, which uploadfs cannot carry over: refused", name))
	}
	for _, r := range out.Rules {
		if r.Status != types.ExpirationStatusEnabled && r.Status != types.ExpirationStatusDisabled {
			return nil, badResponse(op, bucket, "", "", "lifecycle rules not in S3's form (a rule without Status): refused")
		}
	}
	return &LifecycleConfig{Rules: out.Rules, TransitionDefaultMinimumObjectSize: out.TransitionDefaultMinimumObjectSize}, nil
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

// keepBody copies the body of a successful answer into dst before the SDK
// reads it, so that what the SDK leaves out can be seen.
func keepBody(dst *[]byte) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("uploadfsKeepBody",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleDeserialize(ctx, in)
					resp, ok := out.RawResponse.(*smithyhttp.Response)
					if err != nil || !ok || resp.StatusCode != 200 {
						return out, md, err
					}
					b, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					resp.Body = io.NopCloser(bytes.NewReader(b))
					*dst = b
					return out, md, rerr
				}), middleware.After)
		})
	}
}

// lifecycleElements are the elements of a LifecycleConfiguration the SDK
// reads and writes again (the S3 API reference, 2006-03-01).
var lifecycleElements = map[string]bool{
	"LifecycleConfiguration": true, "Rule": true, "ID": true, "Prefix": true, "Status": true,
	"Filter": true, "And": true, "Tag": true, "Key": true, "Value": true,
	"ObjectSizeGreaterThan": true, "ObjectSizeLessThan": true,
	"Transition": true, "Date": true, "Days": true, "StorageClass": true,
	"Expiration": true, "ExpiredObjectDeleteMarker": true,
	"NoncurrentVersionTransition": true, "NoncurrentVersionExpiration": true,
	"NoncurrentDays": true, "NewerNoncurrentVersions": true,
	"AbortIncompleteMultipartUpload": true, "DaysAfterInitiation": true,
}

// unknownElement returns the first element of body that is not one of
// lifecycleElements; ok when there is none.
func unknownElement(body []byte) (name string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			// io.EOF, or XML the SDK read anyway: its own check stands.
			return "", true
		}
		if se, isStart := tok.(xml.StartElement); isStart && !lifecycleElements[se.Name.Local] {
			return se.Name.Local, false
		}
	}
}
