package listing

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// LifecycleConfiguration is the one reading of a bucket's lifecycle
// configuration: the report's column and the mount's xattrs (Lifecycle)
// and `uploadfs lifecycle` (its listing, and ReadLifecycle before a write)
// all go through it, so that they cannot disagree on a bucket's rules.
//
// What it answers:
//   - 404 NoSuchLifecycleConfiguration: None (the bucket has no
//     configuration);
//   - NotImplemented (error code) or HTTP 501 that can only mean a server
//     without lifecycle support (unsupported): None, with the answer in
//     Unsupported;
//   - any other failure an *Error (AccessDenied of kind ErrAccessDenied;
//     a NotImplemented that may refuse a header uploadfs sent, of kind
//     ErrInvalid), which callers show as "unknown", never "none";
//   - an answer that is not a lifecycle configuration (gofakes3 answers a
//     lifecycle GET with an object listing, which the SDK reads as a
//     configuration of no rules), an empty body, or rules not in S3's
//     form (a rule without Status: Google Cloud Storage's own XML): an
//     *Error of kind ErrBadResponse, unknown too.
func (c *S3) LifecycleConfiguration(ctx context.Context, bucket string) (*LifecycleConfig, error) {
	const op = "GetBucketLifecycleConfiguration"
	var raw []byte
	out, err := c.api.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{
		Bucket: aws.String(bucket), ExpectedBucketOwner: c.owner(),
	}, keepBody(&raw))
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchLifecycleConfiguration":
		return &LifecycleConfig{None: true}, nil
	case c.unsupported(err):
		return &LifecycleConfig{None: true, Unsupported: err}, nil
	case notImplemented(err):
		// A refusal of what uploadfs sent, not a fault to retry.
		return nil, &Error{Op: op, Bucket: bucket, Kind: ErrInvalid, Err: err}
	case err != nil:
		return nil, c.wrap(err, op, bucket, "", "")
	}
	root, unknown := inspectXML(raw)
	if root != "LifecycleConfiguration" {
		return nil, badResponse(op, bucket, "", "", fmt.Sprintf("the answer (<%s>) is not a lifecycle configuration: coverage unknown", root))
	}
	for _, r := range out.Rules {
		if r.Status != types.ExpirationStatusEnabled && r.Status != types.ExpirationStatusDisabled {
			// Reading GCS's <Rule><Action><Condition> as "no abort
			// rule" would say uploads stay for ever where GCS may
			// abort them.
			return nil, badResponse(op, bucket, "", "", "lifecycle rules not in S3's form (a rule without Status"+elementNamed(unknown)+"): coverage unknown")
		}
	}
	return &LifecycleConfig{Rules: out.Rules, TransitionDefaultMinimumObjectSize: out.TransitionDefaultMinimumObjectSize, Unknown: unknown}, nil
}

// elementNamed is ", with <name>" for an element the SDK does not read.
func elementNamed(name string) string {
	if name == "" {
		return ""
	}
	return ", with <" + name + ">"
}

// unsupported reports whether err says the server has no lifecycle
// configurations at all.
//
// NotImplemented (or a 501) is also how a server refuses a header it does
// not implement: Cloudflare R2 answers 501 NotImplemented "Header
// 'x-amz-…' with value '…' not implemented", and documents
// x-amz-expected-bucket-owner as not implemented on this call. Read as "no
// lifecycle", that would show "none" for buckets R2 aborts uploads in
// after 7 days. So NotImplemented means no lifecycle support only when it
// cannot be such a refusal: its message names no header (an x-amz- name,
// or "header" followed by a quoted name; versitygw's "A header you
// provided implies functionality that is not implemented" names none), and
// uploadfs sent no optional header (ExpectedBucketOwner is empty: a server
// that implements neither is then an error, which errs on the side of
// "unknown").
func (c *S3) unsupported(err error) bool {
	if !notImplemented(err) || c.ExpectedBucketOwner != "" {
		return false
	}
	var apiErr smithy.APIError
	return !errors.As(err, &apiErr) || !namesHeader.MatchString(apiErr.ErrorMessage())
}

// notImplemented reports whether err is a NotImplemented answer (the code,
// or HTTP 501).
func notImplemented(err error) bool {
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "NotImplemented" ||
		errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotImplemented
}

// namesHeader matches an error message that names a header.
var namesHeader = regexp.MustCompile(`(?i)x-amz-[a-z0-9]|header\s*['"][^'"]+['"]`)

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

// inspectXML returns the root element of body and the first element
// below it that is not one of lifecycleElements ("" when there is none).
// XML the decoder cannot read, but the SDK did, leaves the SDK's check to
// stand.
func inspectXML(body []byte) (root, unknown string) {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return root, unknown
		}
		se, isStart := tok.(xml.StartElement)
		switch {
		case !isStart:
		case root == "":
			root = se.Name.Local
		case !lifecycleElements[se.Name.Local]:
			return root, se.Name.Local
		}
	}
}
