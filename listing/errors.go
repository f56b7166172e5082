package listing

import (
	"context"
	"errors"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// The kinds of failure callers distinguish. Every *Error wraps exactly one.
var (
	// ErrNotFound: the bucket or upload does not exist (NoSuchBucket,
	// NoSuchUpload, HTTP 404; NoSuchKey, Ceph RGW's for an upload ID it
	// does not know).
	ErrNotFound = errors.New("not found")
	// ErrAccessDenied: the credentials are refused or lack permission
	// (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, HTTP 403).
	ErrAccessDenied = errors.New("access denied")
	// ErrUnavailable: the server could not answer after the SDK's retries
	// (throttling, 5xx, network errors, deadlines).
	ErrUnavailable = errors.New("service unavailable")
	// ErrBadResponse: the server answered with a page that cannot be right
	// (a marker that does not advance, repeated entries, impossible values).
	ErrBadResponse = errors.New("invalid response from server")
	// ErrWrongRegion: S3 says the bucket is in another region (301
	// PermanentRedirect, 400 AuthorizationHeaderMalformed) and the client
	// could not learn which.
	ErrWrongRegion = errors.New("bucket is in another region")
	// ErrInvalid: the server refused a parameter uploadfs sent
	// (InvalidParameterValueException, MissingParameterValueException).
	ErrInvalid = errors.New("invalid parameter")
)

// Error is the error type of every listing call. Op is the operation
// ("ListParts"); Bucket and Key, or Vault, and UploadID say what was listed,
// as far as known. Err is the cause; Kind one of the sentinels above.
type Error struct {
	Op       string
	Bucket   string
	Vault    string
	Key      string
	UploadID string
	Kind     error
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Bucket != "" {
		b.WriteString(" s3://")
		b.WriteString(e.Bucket)
		b.WriteString("/")
		b.WriteString(e.Key)
	}
	if e.Vault != "" {
		b.WriteString(" vault ")
		b.WriteString(e.Vault)
	}
	if e.UploadID != "" {
		b.WriteString(" upload ")
		b.WriteString(e.UploadID)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(e.Kind.Error())
	}
	return b.String()
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return []error{e.Kind, e.Err} }

// kindOf sorts an SDK or transport error into one of the kinds.
func kindOf(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchBucket", "NoSuchUpload", "NoSuchKey", "NotFound",
			"ResourceNotFoundException":
			return ErrNotFound
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
			"AllAccessDisabled", "ExpiredToken", "InvalidToken", "AccountProblem",
			"AccessDeniedException", "UnrecognizedClientException",
			"InvalidSignatureException", "MissingAuthenticationTokenException",
			"ExpiredTokenException":
			return ErrAccessDenied
		case "InvalidParameterValueException", "MissingParameterValueException":
			return ErrInvalid
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
			return ErrWrongRegion
		case "ThrottlingException", "LimitExceededException", "RequestTimeoutException":
			return ErrUnavailable // Glacier throttles with HTTP 400
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		switch code := respErr.HTTPStatusCode(); {
		case code == http.StatusMovedPermanently:
			return ErrWrongRegion
		case code == http.StatusNotFound:
			return ErrNotFound
		case code == http.StatusForbidden || code == http.StatusUnauthorized:
			return ErrAccessDenied
		case code == http.StatusTooManyRequests || code >= 500:
			return ErrUnavailable
		case code >= 400:
			return ErrBadResponse
		}
	}
	if errors.Is(err, context.Canceled) {
		// Kept in the chain as context.Canceled; the kind is secondary.
		return ErrUnavailable
	}
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) {
		// No HTTP answer at all: connection refused, reset, DNS, deadline.
		return ErrUnavailable
	}
	return ErrBadResponse
}

// wrap turns err into an *Error for op, unless it already is one.
func wrap(err error, op, bucket, key, uploadID string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Bucket: bucket, Key: key, UploadID: uploadID, Kind: kindOf(err), Err: err}
}

// badResponse reports a page that cannot be right.
func badResponse(op, bucket, key, uploadID, msg string) error {
	return &Error{Op: op, Bucket: bucket, Key: key, UploadID: uploadID, Kind: ErrBadResponse, Err: errors.New(msg)}
}
