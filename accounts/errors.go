package accounts

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// Error is why an account could not be scanned: which account, reached
// through what (Account.Via), the operation refused and AWS's error code.
type Error struct {
	Account Account // zero for the organization's own calls (ListAccounts)
	Op      string  // "AssumeRole", "ListBuckets", "ListAccounts", …
	// Code is AWS's error code ("AccessDenied"), or for an account not
	// ACTIVE its State; "" when the cause has none (a network error).
	Code string
	Err  error // nil when Code says it all
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Account.ID != "" {
		b.WriteString("account " + e.Account.ID)
		if e.Account.Via != "" {
			b.WriteString(" via " + e.Account.Via)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Op)
	code, msg := e.ErrorCode(), ""
	var api smithy.APIError
	switch {
	case errors.As(e.Err, &api):
		msg = api.ErrorMessage()
	case e.Err != nil:
		msg = e.Err.Error()
	case e.Op == "ListAccounts":
		msg = "the account is not ACTIVE in the organization"
	}
	for _, s := range []string{code, msg} {
		if s != "" {
			b.WriteString(": " + s)
		}
	}
	b.WriteString(missing(e.Op, code))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is AWS's error code of the refusal.
func (e *Error) ErrorCode() string {
	if e.Code != "" {
		return e.Code
	}
	return Code(e.Err)
}

// Code is the AWS error code in err's chain ("" if none).
func Code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// missing is " (missing permission: ACTION)" when code is a refusal and
// op needs a known action, else "".
func missing(op, code string) string {
	if p := Permission(op); p != "" && (code == "AccessDenied" || code == "AccessDeniedException") {
		return " (missing permission: " + p + ")"
	}
	return ""
}

// permissions are the IAM actions each call of a scan needs: an
// AccessDenied names the missing one (the audit roles SecurityAudit and
// ViewOnlyAccess grant the lifecycle's but neither upload listing).
var permissions = map[string]string{
	"ListAccounts":         "organizations:ListAccounts",
	"AssumeRole":           "sts:AssumeRole",
	"ListBuckets":          "s3:ListAllMyBuckets",
	"ListDirectoryBuckets": "s3express:ListAllMyDirectoryBuckets",
	"ListMultipartUploads": "s3:ListBucketMultipartUploads",
	"ListParts":            "s3:ListMultipartUploadParts",
}

// Permission is the IAM action operation op needs ("" when none is
// known).
func Permission(op string) string { return permissions[op] }

// Denied names the permission a refused listing lacked: err with
// " (missing permission: ACTION)" when its code is AccessDenied and op
// needs a known action; otherwise err.Error().
func Denied(op string, err error) string { return err.Error() + missing(op, Code(err)) }
