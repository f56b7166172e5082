package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Account is one AWS account to scan. The zero value is no account.
type Account struct {
	ID   string // 12 digits
	Name string // from Organizations; "" when not known (a profile)
	// ARN is the account's ARN in Organizations ("" for a profile); its
	// partition is the partition of the role assumed in it.
	ARN string
	// State is Organizations' State (ACTIVE, SUSPENDED, PENDING_CLOSURE,
	// …); "" for a profile's account.
	State string
	// Via is what the account is reached through: the role ARN assumed,
	// or "profile NAME". Errors name it.
	Via string
}

// Active reports whether the account can be scanned by what
// Organizations says: its State is ACTIVE (or it is not in one).
func (a Account) Active() bool {
	return a.State == "" || a.State == string(types.AccountStateActive)
}

// OrganizationsAPI is what Organization needs of the Organizations
// client (*organizations.Client).
type OrganizationsAPI interface {
	ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, opts ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
}

// Organization lists every account of the caller's organization, page by
// page, sorted by ID. Every state is kept: one not ACTIVE is the caller's
// to report (Active), never silently dropped. The caller must be the
// management account or a delegated administrator.
func Organization(ctx context.Context, c OrganizationsAPI) ([]Account, error) {
	var out []Account
	p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, &Error{Op: "ListAccounts", Err: err}
		}
		for _, a := range page.Accounts {
			// State replaces Status (retired in September 2026); a
			// server that sends only Status still says the same.
			state := string(a.State)
			if state == "" {
				state = string(a.Status)
			}
			out = append(out, Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), ARN: aws.ToString(a.Arn), State: state})
		}
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Select keeps the accounts in only (all when empty) and not in exclude.
// An ID in only that the organization does not have is an error: a typo
// must not become an account silently missing from the report.
func Select(all []Account, only, exclude []string) ([]Account, error) {
	for _, id := range only {
		if !slices.ContainsFunc(all, func(a Account) bool { return a.ID == id }) {
			return nil, fmt.Errorf("--account %s: no such account in the organization", id)
		}
	}
	var out []Account
	for _, a := range all {
		if (len(only) == 0 || slices.Contains(only, a.ID)) && !slices.Contains(exclude, a.ID) {
			out = append(out, a)
		}
	}
	return out, nil
}

// RoleARN is the ARN of the role name in account a, in a's partition
// (aws, aws-us-gov, aws-cn: from a's ARN, else aws).
func RoleARN(a Account, name string) string {
	partition := "aws"
	if p := strings.Split(a.ARN, ":"); len(p) > 2 && p[0] == "arn" && p[1] != "" {
		partition = p[1]
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, a.ID, name)
}
