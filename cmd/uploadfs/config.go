package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/uploadfs/uploadfs/fsnode"
	"github.com/uploadfs/uploadfs/listing"
)

// config is everything the command line says. Flags are parsed here and
// nowhere else; the packages get explicit options.
type config struct {
	MountPoint string
	// Endpoint is --endpoint-url. Empty: the SDK's own resolution
	// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, shared config, then AWS).
	Endpoint string
	// Region is --region. Empty: the AWS configuration chain, else us-east-1.
	Region string
	// Profile is --profile. Empty: AWS_PROFILE or "default".
	Profile string
	// Profiles are every --profile given (repeatable): more than one
	// makes a report of one account a profile (accounts.go).
	Profiles []string
	// Organization, RoleName, ExternalID, Accounts and ExcludeAccounts
	// are --organization, --role-name, --external-id, --account and
	// --exclude-account: every account of the organization, each through
	// the role RoleName (no default) (accounts.go).
	Organization           bool
	RoleName, ExternalID   string
	Accounts, ExcludeAccts []string
	// PathStyle is --path-style: bucket in the path, not the host name.
	PathStyle bool
	// Buckets is --bucket (repeatable): show only these, no ListBuckets.
	// With --glacier they name vaults.
	Buckets []string
	// DirectoryBucketRegions is --directory-bucket-region (repeatable):
	// regions whose directory buckets are listed besides the default
	// region's.
	DirectoryBucketRegions []string
	// RequestPayer is --request-payer: "requester" for requester-pays
	// buckets. Empty: not sent.
	RequestPayer string
	// ExpectedBucketOwner is --expected-bucket-owner: an account ID that
	// must own every bucket listed. Empty: not checked.
	ExpectedBucketOwner string
	// Glacier is --glacier: show Glacier vault uploads instead of S3's.
	Glacier bool
	// AccountID is --account-id: the Glacier account; "-" is the
	// credentials' own.
	AccountID string
	// TTL is --ttl: how long listings and attributes are trusted. Default 30s.
	TTL time.Duration
	// CacheEntries is --cache-entries: the bound on cached listings.
	// Default 1024.
	CacheEntries int
	// Timeout is --timeout: how long a listing may go without an answer
	// (each request, retries included, must be answered within it; a
	// listing whose pages keep coming is never cut). Default
	// fsnode.DefaultTimeout.
	Timeout time.Duration
	// Prefetch is --prefetch: listings fetched at once ahead of a walker;
	// 0 turns prefetching off. Default fsnode.DefaultPrefetch.
	Prefetch int
	// ListConcurrency is --list-concurrency: requests of one listing sent
	// at once. Default listing.DefaultConcurrency.
	ListConcurrency int
	// AllowAbort is --allow-abort: rmdir of an upload directory aborts the
	// upload. Off: nothing is ever changed.
	AllowAbort bool
	// AbortMinAge is --abort-min-age: younger uploads are not aborted.
	// Default fsnode.DefaultAbortMinAge.
	AbortMinAge time.Duration
	// AllowOther is --allow-other (implies default_permissions).
	AllowOther bool
	// UID and GID are --uid and --gid; nil shows the mounting user.
	UID, GID *uint32
	// Foreground is --foreground: stay attached until unmounted or signalled.
	Foreground bool
	// Debug is --debug: log every S3 request and FUSE operation.
	Debug bool
	// LogFile is --log-file: where the mount logs. Default: stderr in the
	// foreground, syslog (journald) in the background.
	LogFile string
	// LogFormat is --log-format: text (default) or json.
	LogFormat string
	// Options are -o: fstab options, each mapped to its flag (check).
	Options []string
}

// Flag groups, in the order help shows them.
const (
	groupAWS     = "AWS connection"
	groupTree    = "Tree"
	groupCache   = "Cache and performance"
	groupAbort   = "Ending uploads"
	groupOwner   = "Ownership"
	groupProcess = "Process and logging"
	groupReport  = "Report"
)

var flagGroups = []string{groupAWS, groupTree, groupCache, groupAbort, groupOwner, groupReport, groupProcess}

// flagAdder defines flags on fs, each in group (help and the man page
// show them by group).
type flagAdder struct {
	fs    *pflag.FlagSet
	group string
}

func (a *flagAdder) in(name string) { a.fs.SetAnnotation(name, "group", []string{a.group}) }
func (a *flagAdder) str(p *string, name, def, usage string) {
	a.fs.StringVar(p, name, def, usage)
	a.in(name)
}
func (a *flagAdder) boolean(p *bool, name, short, usage string) {
	a.fs.BoolVarP(p, name, short, false, usage)
	a.in(name)
}
func (a *flagAdder) dur(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	a.fs.Var(duration{p}, name, usage)
	a.in(name)
}
func (a *flagAdder) num(p *int, name string, def int, usage string) {
	a.fs.IntVar(p, name, def, usage)
	a.in(name)
}
func (a *flagAdder) fn(name, usage string, f func(string) error) {
	a.fs.Func(name, usage, f)
	a.in(name)
}

// addConnectionFlags defines the flags that say how to reach S3 and whose
// buckets to list: mount, demo and report share them.
func addConnectionFlags(fs *pflag.FlagSet, c *config) {
	a := &flagAdder{fs, groupAWS}
	fs.Var(endpoint{&c.Endpoint}, "endpoint-url", "S3-compatible endpoint URL, http:// or https:// (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS)")
	a.in("endpoint-url")
	a.str(&c.Region, "region", "", "AWS region: the default one (default: from the AWS configuration, else us-east-1)")
	a.fn("profile", "AWS shared-config profile (default: AWS_PROFILE or default); report, mount, abort, lifecycle: repeatable, one account each", func(s string) error {
		c.Profile, c.Profiles = s, append(c.Profiles, s)
		return nil
	})
	a.boolean(&c.PathStyle, "path-style", "", "use path-style addressing (most S3-compatible servers need it)")
	a.str(&c.RequestPayer, "request-payer", "", "requester: list requester-pays buckets (you pay for the requests)")
	a.str(&c.ExpectedBucketOwner, "expected-bucket-owner", "", "account ID that must own every bucket (others are refused: EACCES)")
	a.fn("directory-bucket-region", "also list the directory buckets (S3 Express One Zone) of this region (repeatable)", func(s string) error {
		c.DirectoryBucketRegions = append(c.DirectoryBucketRegions, s)
		return nil
	})
}

// addGlacierFlags defines --glacier and --account-id in a's group.
func addGlacierFlags(a *flagAdder, c *config) {
	a.boolean(&c.Glacier, "glacier", "", "show S3 Glacier vault uploads (the vault API) instead of S3's")
	a.str(&c.AccountID, "account-id", "-", "with --glacier: the account that owns the vaults (-: the credentials' own)")
}

// addMountFlags defines the flags of mount (and demo) on fs, into c, each
// in its group.
func addMountFlags(fs *pflag.FlagSet, c *config) {
	addConnectionFlags(fs, c)
	a := &flagAdder{fs, groupTree}
	a.fn("bucket", "show only this bucket, access point ARN or alias (with --glacier: vault), without listing them all (repeatable)", func(s string) error {
		if s == "" || (strings.Contains(s, "/") && !strings.HasPrefix(s, "arn:")) {
			return fmt.Errorf("invalid bucket name %q", s)
		}
		c.Buckets = append(c.Buckets, s)
		return nil
	})
	addGlacierFlags(a, c)

	a.group = groupCache
	a.dur(&c.TTL, "ttl", fsnode.DefaultTTL, "how long listings and attributes are trusted (cache and kernel)")
	a.num(&c.CacheEntries, "cache-entries", fsnode.DefaultCacheEntries, "the bound on cached listings")
	a.num(&c.Prefetch, "prefetch", fsnode.DefaultPrefetch, "listings fetched at once ahead of find/du (0: off)")
	a.dur(&c.Timeout, "timeout", fsnode.DefaultTimeout, "how long a listing may go without an answer, retries included; then EIO (a listing making progress is never cut)")
	a.num(&c.ListConcurrency, "list-concurrency", listing.DefaultConcurrency, "requests of one listing sent at once (parts, and ranges of a level)")

	a.group = groupAbort
	a.boolean(&c.AllowAbort, "allow-abort", "", "let rmdir of an upload directory abort the upload (off: nothing is ever changed)")
	a.dur(&c.AbortMinAge, "abort-min-age", fsnode.DefaultAbortMinAge, "with --allow-abort: uploads initiated more recently are kept (rmdir: EBUSY)")

	a.group = groupOwner
	a.boolean(&c.AllowOther, "allow-other", "", "let other users in (implies default_permissions)")
	a.fn("uid", "owner shown for every file (default: the mounting user)", idFlag(&c.UID))
	a.fn("gid", "group shown for every file (default: the mounting user's)", idFlag(&c.GID))

	a.group = groupProcess
	a.boolean(&c.Foreground, "foreground", "f", "stay attached; SIGINT, SIGTERM and SIGHUP unmount and exit 0")
	fs.StringArrayVarP(&c.Options, "options", "o", nil, "mount options as in fstab: ttl=30s,bucket=a:b,allow_other,… (the generic ones are ignored)")
	a.in("options")
	a.boolean(&c.Debug, "debug", "", "log each S3 request and FUSE operation (never credentials)")
	a.str(&c.LogFile, "log-file", "", "append logs here (default: stderr in the foreground, syslog/journald in the background)")
	a.str(&c.LogFormat, "log-format", "text", "text or json (one object a line, for log shippers)")
}

func idFlag(dst **uint32) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return fmt.Errorf("not a numeric id: %q", s)
		}
		v := uint32(n)
		*dst = &v
		return nil
	}
}

// check applies the -o options and checks what the flags say together.
func (c *config) check(fs *pflag.FlagSet) error {
	for _, o := range c.Options {
		for _, opt := range strings.Split(o, ",") {
			args, err := optionArgs(opt)
			if err != nil {
				return fmt.Errorf("%w: -o %s: %v", errUsage, opt, err)
			}
			if err := fs.Parse(args); err != nil {
				return fmt.Errorf("%w: -o %s: %v", errUsage, opt, err)
			}
		}
	}
	c.Options = nil
	if c.TTL <= 0 {
		return fmt.Errorf("%w: --ttl must be positive", errUsage)
	}
	if c.CacheEntries <= 0 {
		return fmt.Errorf("%w: --cache-entries must be positive", errUsage)
	}
	if c.Prefetch < 0 {
		return fmt.Errorf("%w: --prefetch must be 0 (off) or positive", errUsage)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("%w: --timeout must be positive", errUsage)
	}
	if err := c.checkConnection(); err != nil {
		return err
	}
	if err := checkLogFormat(c.LogFormat); err != nil {
		return err
	}
	if c.AbortMinAge < 0 {
		return fmt.Errorf("%w: --abort-min-age must not be negative", errUsage)
	}
	if c.ListConcurrency <= 0 {
		return fmt.Errorf("%w: --list-concurrency must be positive", errUsage)
	}
	return nil
}

// checkConnection checks what the connection flags say together.
func (c *config) checkConnection() error {
	if c.AccountID != "-" && !c.Glacier {
		return fmt.Errorf("%w: --account-id applies to --glacier only", errUsage)
	}
	if c.AccountID != "-" && !isAccountID(c.AccountID) {
		return fmt.Errorf("%w: --account-id must be - or 12 digits (no hyphens), got %q", errUsage, c.AccountID)
	}
	if c.RequestPayer != "" && c.RequestPayer != "requester" {
		return fmt.Errorf("%w: --request-payer takes only requester, got %q", errUsage, c.RequestPayer)
	}
	if c.ExpectedBucketOwner != "" && !isAccountID(c.ExpectedBucketOwner) {
		return fmt.Errorf("%w: --expected-bucket-owner must be 12 digits, got %q", errUsage, c.ExpectedBucketOwner)
	}
	if c.Glacier && (c.RequestPayer != "" || c.ExpectedBucketOwner != "" || len(c.DirectoryBucketRegions) > 0) {
		return fmt.Errorf("%w: --request-payer, --expected-bucket-owner and --directory-bucket-region apply to S3 only", errUsage)
	}
	return c.checkService()
}

// isAccountID reports whether s is an AWS account ID: 12 digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// directoryRegions are the regions whose directory buckets are listed: the
// default region's on AWS (an S3-compatible endpoint, custom, has none, and
// may take the request for another), and every --directory-bucket-region.
func (c *config) directoryRegions(custom bool) []string {
	var rs []string
	if !custom {
		rs = append(rs, "")
	}
	return append(rs, c.DirectoryBucketRegions...)
}
