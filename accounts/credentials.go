package accounts

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// SessionName is the role session name of every session uploadfs
// assumes: CloudTrail shows the scan's requests under it.
const SessionName = "uploadfs"

// renewBefore is how long before they expire assumed credentials are
// renewed: a scan outlasts the 15-minute session, and a request signed
// just before the end would fail on the way.
const renewBefore = time.Minute

// AssumeRole is credentials of roleARN from c, with externalID when not
// "": cached, and renewed before they expire, so that a scan may outlast
// any one session (15 minutes by default; role chaining caps a session
// at an hour). Nothing is sent until the credentials are first needed.
func AssumeRole(c stscreds.AssumeRoleAPIClient, roleARN, externalID string) aws.CredentialsProvider {
	p := stscreds.NewAssumeRoleProvider(c, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = SessionName
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
	})
	return aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = renewBefore })
}

// Reach checks that account a can be scanned with creds: Organizations
// says it is ACTIVE, and the credentials can be had (the role assumed).
// Its error is an *Error.
func Reach(ctx context.Context, a Account, creds aws.CredentialsProvider) error {
	if !a.Active() {
		return &Error{Account: a, Op: "ListAccounts", Code: a.State}
	}
	if _, err := creds.Retrieve(ctx); err != nil {
		return &Error{Account: a, Op: "AssumeRole", Err: err}
	}
	return nil
}

// IdentityAPI is what Identity needs of the STS client (*sts.Client).
type IdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Identity is the account the client's credentials belong to (a
// profile's account).
func Identity(ctx context.Context, c IdentityAPI) (string, error) {
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Account), nil
}
