package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/fsnode"
	"github.com/uploadfs/uploadfs/listing"
	"github.com/uploadfs/uploadfs/regions"
	"github.com/uploadfs/uploadfs/report"
)

// addAccountFlags defines the flags that scan several accounts:
// --organization with --role-name (and --external-id, --account,
// --exclude-account); --profile, repeated, is the other way.
func addAccountFlags(fs *pflag.FlagSet, c *config) {
	a := &flagAdder{fs, groupAWS}
	a.boolean(&c.Organization, "organization", "", "every ACTIVE account of the organization (ListAccounts), each through --role-name")
	a.str(&c.RoleName, "role-name", "", "with --organization: the role to assume in each account (no default: name a read-only one)")
	a.str(&c.ExternalID, "external-id", "", "with --role-name: the external ID the role's trust policy requires")
	a.fn("account", "with --organization: only this account ID (repeatable)", appendAccount(&c.Accounts, "--account"))
	a.fn("exclude-account", "with --organization: leave this account ID out (repeatable)", appendAccount(&c.ExcludeAccts, "--exclude-account"))
}

func appendAccount(dst *[]string, flag string) func(string) error {
	return func(s string) error {
		if !isAccountID(s) {
			return fmt.Errorf("%s takes an account ID of 12 digits, got %q", flag, s)
		}
		*dst = append(*dst, s)
		return nil
	}
}

// manyAccounts reports whether the flags ask for several accounts.
func (c *config) manyAccounts() bool { return c.Organization || len(c.Profiles) > 1 }

// checkAccounts checks what the account flags say together.
func (c *config) checkAccounts(targets int) error {
	switch {
	case !c.Organization && (c.RoleName != "" || c.ExternalID != "" || len(c.Accounts)+len(c.ExcludeAccts) > 0):
		return fmt.Errorf("%w: --role-name, --external-id, --account and --exclude-account need --organization", errUsage)
	case c.Organization && c.RoleName == "":
		return fmt.Errorf("%w: --organization needs --role-name: the role to assume in every account (there is no default; OrganizationAccountAccessRole is full admin)", errUsage)
	case c.Organization && len(c.Profiles) > 1:
		return fmt.Errorf("%w: --organization takes at most one --profile (the caller's)", errUsage)
	case !c.manyAccounts():
		return nil
	case c.Glacier || c.ExpectedBucketOwner != "":
		return fmt.Errorf("%w: --glacier and --expected-bucket-owner apply to one account", errUsage)
	case targets > 0:
		return fmt.Errorf("%w: BUCKET arguments and --bucket name one account's buckets: leave them out with --organization or several --profile", errUsage)
	}
	return nil
}

// accountConfig is one account to scan and the configuration that
// reaches it (its role's credentials, or its profile's).
type accountConfig struct {
	accounts.Account
	cfg aws.Config
}

// reach checks that the account can be scanned (accounts.Reach).
func (a accountConfig) reach(ctx context.Context) error {
	return accounts.Reach(ctx, a.Account, a.cfg.Credentials)
}

// accountConfigs are the accounts the flags name: the organization's,
// each through the role, or one a profile. mw, if set, is installed in
// each configuration after the calls that find the accounts.
func accountConfigs(ctx context.Context, c *config, mw func(*aws.Config), log *slog.Logger) ([]accountConfig, error) {
	if mw == nil {
		mw = func(*aws.Config) {}
	}
	var out []accountConfig
	if !c.Organization {
		seen := map[string]bool{}
		for _, p := range c.Profiles {
			a, cfg, err := profileAccount(ctx, c, p)
			if err != nil {
				return nil, err
			}
			if seen[a.ID] {
				log.Warn("two profiles of one account: scanned once", "account", a.ID, "profile", p)
				continue
			}
			seen[a.ID] = true
			mw(&cfg)
			out = append(out, accountConfig{a, cfg})
		}
		return out, nil
	}
	cfg, err := loadConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	all, err := accounts.Organization(ctx, organizations.NewFromConfig(cfg))
	if err != nil {
		return nil, err
	}
	list, err := accounts.Select(all, c.Accounts, c.ExcludeAccts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	stsc := sts.NewFromConfig(cfg)
	mw(&cfg) // S3's requests only: they are the scan's cost
	for _, a := range list {
		a.Via = accounts.RoleARN(a, c.RoleName)
		ac := cfg.Copy()
		ac.Credentials = accounts.AssumeRole(stsc, a.Via, c.ExternalID)
		out = append(out, accountConfig{a, ac})
	}
	return out, nil
}

// accountLister is an account with its S3 client and lister.
type accountLister struct {
	accountConfig
	router *regions.Router
	l      *listing.S3
}

// accountListers are the accounts the flags name (accountConfigs), each
// with its own S3 client, built as for one account.
func accountListers(ctx context.Context, c *config, mw func(*aws.Config), log *slog.Logger) ([]accountLister, error) {
	acs, err := accountConfigs(ctx, c, mw, log)
	out := make([]accountLister, len(acs))
	for i, a := range acs {
		router, custom := newS3Client(a.cfg, c, log)
		out[i] = accountLister{a, router, newS3Lister(c, router, c.directoryRegions(custom))}
	}
	return out, err
}

// reportAccounts are the accounts as the report scans them.
func reportAccounts(ctx context.Context, c *config, mw func(*aws.Config), log *slog.Logger) ([]report.Account, error) {
	als, err := accountListers(ctx, c, mw, log)
	var out []report.Account
	for _, a := range als {
		out = append(out, report.Account{Account: a.Account, Lister: a.l, Lifecycles: a.l, Reach: a.reach,
			Region: func(b string) string { r, _ := a.router.Region(b); return r }})
	}
	return out, err
}

// mountAccounts are the accounts as the mount's level of accounts.
func mountAccounts(ctx context.Context, c *config, log *slog.Logger) ([]fsnode.Account, error) {
	als, err := accountListers(ctx, c, nil, log)
	var out []fsnode.Account
	for _, a := range als {
		out = append(out, fsnode.Account{ID: a.ID, Name: a.Name, Lister: a.l, Reach: a.reach})
	}
	return out, err
}

// profileAccount is profile p's account (GetCallerIdentity) and
// configuration. A profile that yields no credentials stops the report:
// without its account's ID there is no row to give it.
func profileAccount(ctx context.Context, c *config, p string) (accounts.Account, aws.Config, error) {
	pc := *c
	pc.Profile = p
	cfg, err := loadConfig(ctx, &pc)
	if err != nil {
		return accounts.Account{}, cfg, fmt.Errorf("--profile %s: %w", p, err)
	}
	id, err := accounts.Identity(ctx, sts.NewFromConfig(cfg))
	if err != nil {
		return accounts.Account{}, cfg, fmt.Errorf("--profile %s: GetCallerIdentity: %w", p, err)
	}
	return accounts.Account{ID: id, Via: "profile " + p}, cfg, nil
}
