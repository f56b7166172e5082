package accounts

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/uploadfs/uploadfs/internal/gateway"
)

// moto is moto_server and a configuration to it as the management
// account, counting the operations sent.
func moto(t *testing.T) (aws.Config, map[string]*atomic.Int64) {
	t.Helper()
	srv := gateway.MotoForTest(t)
	ops := map[string]*atomic.Int64{"ListAccounts": {}, "AssumeRole": {}}
	count := func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("count",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if n := ops[middleware.GetOperationName(ctx)]; n != nil {
					n.Add(1)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), APIOptions: []func(*middleware.Stack) error{count},
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}, ops
}

// smallPages makes every ListAccounts ask for pages of two.
type smallPages struct{ *organizations.Client }

func (c smallPages) ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, opts ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	in.MaxResults = aws.Int32(2)
	return c.Client.ListAccounts(ctx, in, opts...)
}

// Organization reads every page, keeps every state, and sorts by ID;
// Select keeps what --account and --exclude-account say.
func TestOrganization(t *testing.T) {
	cfg, ops := moto(t)
	ctx := context.Background()
	org := organizations.NewFromConfig(cfg)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	var made []string
	for _, n := range []string{"a", "b", "c", "d"} {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(n), Email: aws.String(n + "@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	all, err := Organization(ctx, smallPages{org})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || ops["ListAccounts"].Load() != 3 {
		t.Fatalf("%d accounts in %d pages, want 5 in 3: %+v", len(all), ops["ListAccounts"].Load(), all)
	}
	for i, a := range all {
		if !a.Active() || a.Name == "" || !strings.HasPrefix(a.ARN, "arn:aws:organizations::") || (i > 0 && all[i-1].ID >= a.ID) {
			t.Errorf("account %d: %+v", i, a)
		}
	}
	sel, err := Select(all, []string{made[0], made[1]}, []string{made[1]})
	if err != nil || len(sel) != 1 || sel[0].ID != made[0] {
		t.Errorf("Select: %+v, %v", sel, err)
	}
	if _, err := Select(all, []string{"000000000000"}, nil); err == nil {
		t.Error("Select of an account not in the organization: no error")
	}
}

// Assumed credentials are fetched once and then cached; Identity is the
// role's account; Reach refuses an account not ACTIVE without a request.
func TestAssumeRole(t *testing.T) {
	cfg, ops := moto(t)
	ctx := context.Background()
	a := Account{ID: "111122223333", ARN: "arn:aws:organizations::999999999999:account/o-x/111122223333", State: "ACTIVE"}
	role := RoleARN(a, "audit")
	if role != "arn:aws:iam::111122223333:role/audit" {
		t.Fatalf("RoleARN %q", role)
	}
	creds := AssumeRole(sts.NewFromConfig(cfg), role, "ext-1")
	for range 3 {
		if err := Reach(ctx, a, creds); err != nil {
			t.Fatal(err)
		}
	}
	if n := ops["AssumeRole"].Load(); n != 1 {
		t.Errorf("%d AssumeRole requests for three uses, want 1", n)
	}
	as := cfg.Copy()
	as.Credentials = creds
	if id, err := Identity(ctx, sts.NewFromConfig(as)); err != nil || id != a.ID {
		t.Errorf("Identity: %q, %v", id, err)
	}
	a.State = "SUSPENDED"
	err := Reach(ctx, a, creds)
	var e *Error
	if !errors.As(err, &e) || e.ErrorCode() != "SUSPENDED" || ops["AssumeRole"].Load() != 1 {
		t.Errorf("suspended: %v", err)
	}
}

func TestRoleARNPartition(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws-us-gov:organizations::1:account/o-x/111122223333": "arn:aws-us-gov:iam::111122223333:role/r",
		"arn:aws-cn:organizations::1:account/o-x/111122223333":     "arn:aws-cn:iam::111122223333:role/r",
		"": "arn:aws:iam::111122223333:role/r",
	} {
		if got := RoleARN(Account{ID: "111122223333", ARN: arn}, "r"); got != want {
			t.Errorf("RoleARN(%q) = %q, want %q", arn, got, want)
		}
	}
}

// An error names the account, the role, the operation, the code, and
// for a refusal the missing permission.
func TestErrorText(t *testing.T) {
	e := &Error{Account: Account{ID: "111122223333", Via: "arn:aws:iam::111122223333:role/r"}, Op: "ListBuckets",
		Err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}}
	want := "account 111122223333 via arn:aws:iam::111122223333:role/r: ListBuckets: AccessDenied: Access Denied (missing permission: s3:ListAllMyBuckets)"
	if e.Error() != want {
		t.Errorf("%q\nwant %q", e.Error(), want)
	}
	if got := Denied("ListParts", errors.New("x")); got != "x" {
		t.Errorf("Denied without a code: %q", got)
	}
}
