package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

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
	// Timeout is --timeout: the deadline of one listing, all its pages and
	// retries included. Default fsnode.DefaultTimeout.
	Timeout time.Duration
	// Prefetch is --prefetch: listings fetched at once ahead of a walker;
	// 0 turns prefetching off. Default fsnode.DefaultPrefetch.
	Prefetch int
	// ListConcurrency is --list-concurrency: ListParts ranges of one upload
	// fetched at once. Default listing.DefaultConcurrency.
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
}

// errHelp is returned after -h printed the flags.
var errHelp = errors.New("help requested")

func newMountFlags(c *config, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mount", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, "Usage: uploadfs mount [flags] MOUNTPOINT\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Endpoint, "endpoint-url", "", "S3-compatible endpoint URL (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS)")
	fs.StringVar(&c.Region, "region", "", "AWS region (default: from the AWS configuration, else us-east-1)")
	fs.StringVar(&c.Profile, "profile", "", "AWS shared-config profile (default: AWS_PROFILE or default)")
	fs.BoolVar(&c.PathStyle, "path-style", false, "use path-style addressing (most S3-compatible servers need it)")
	fs.BoolVar(&c.Glacier, "glacier", false, "show S3 Glacier vault uploads (the vault API) instead of S3's")
	fs.StringVar(&c.AccountID, "account-id", "-", "with --glacier: the account that owns the vaults (-: the credentials' own)")
	fs.Func("bucket", "show only this bucket, access point ARN or alias (with --glacier: vault), without listing them all (repeatable)", func(s string) error {
		if s == "" || (strings.Contains(s, "/") && !strings.HasPrefix(s, "arn:")) {
			return fmt.Errorf("invalid bucket name %q", s)
		}
		c.Buckets = append(c.Buckets, s)
		return nil
	})
	fs.Func("directory-bucket-region", "also list the directory buckets (S3 Express One Zone) of this region (repeatable)", func(s string) error {
		c.DirectoryBucketRegions = append(c.DirectoryBucketRegions, s)
		return nil
	})
	fs.StringVar(&c.RequestPayer, "request-payer", "", "requester: list requester-pays buckets (you pay for the requests)")
	fs.StringVar(&c.ExpectedBucketOwner, "expected-bucket-owner", "", "account ID that must own every bucket (others are refused: EACCES)")
	fs.DurationVar(&c.TTL, "ttl", fsnode.DefaultTTL, "how long listings and attributes are trusted (cache and kernel)")
	fs.IntVar(&c.CacheEntries, "cache-entries", fsnode.DefaultCacheEntries, "the bound on cached listings")
	fs.IntVar(&c.Prefetch, "prefetch", fsnode.DefaultPrefetch, "listings fetched at once ahead of find/du (0: off)")
	fs.DurationVar(&c.Timeout, "timeout", fsnode.DefaultTimeout, "deadline of one listing, retries included; then EIO")
	fs.IntVar(&c.ListConcurrency, "list-concurrency", listing.DefaultConcurrency, "ListParts requests of one upload sent at once")
	fs.BoolVar(&c.AllowAbort, "allow-abort", false, "let rmdir of an upload directory abort the upload (off: nothing is ever changed)")
	fs.DurationVar(&c.AbortMinAge, "abort-min-age", fsnode.DefaultAbortMinAge, "with --allow-abort: uploads initiated more recently are kept (rmdir: EBUSY)")
	fs.BoolVar(&c.AllowOther, "allow-other", false, "let other users in (implies default_permissions)")
	fs.Func("uid", "owner shown for every file (default: the mounting user)", idFlag(&c.UID))
	fs.Func("gid", "group shown for every file (default: the mounting user's)", idFlag(&c.GID))
	fs.BoolVar(&c.Foreground, "foreground", false, "stay attached; SIGINT/SIGTERM unmount and exit 0")
	fs.BoolVar(&c.Debug, "debug", false, "log each S3 request and FUSE operation (never credentials)")
	fs.StringVar(&c.LogFile, "log-file", "", "append logs here (default: stderr in the foreground, syslog/journald in the background)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json (one object a line, for log shippers)")
	return fs
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

// parseArgs parses flags wherever they stand among the arguments (users
// write "mount MNT --debug" as often as "mount --debug MNT") and returns the
// positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func parseMount(args []string) (*config, error) {
	c := &config{}
	pos, err := parseArgs(newMountFlags(c, os.Stderr), args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, fmt.Errorf("%w: mount takes one MOUNTPOINT, got %d arguments", errUsage, len(pos))
	}
	c.MountPoint = pos[0]
	if c.TTL <= 0 {
		return nil, fmt.Errorf("%w: --ttl must be positive", errUsage)
	}
	if c.CacheEntries <= 0 {
		return nil, fmt.Errorf("%w: --cache-entries must be positive", errUsage)
	}
	if c.Prefetch < 0 {
		return nil, fmt.Errorf("%w: --prefetch must be 0 (off) or positive", errUsage)
	}
	if c.Timeout <= 0 {
		return nil, fmt.Errorf("%w: --timeout must be positive", errUsage)
	}
	if c.AccountID != "-" && !c.Glacier {
		return nil, fmt.Errorf("%w: --account-id applies to --glacier only", errUsage)
	}
	if c.AccountID != "-" && !isAccountID(c.AccountID) {
		return nil, fmt.Errorf("%w: --account-id must be - or 12 digits (no hyphens), got %q", errUsage, c.AccountID)
	}
	if c.RequestPayer != "" && c.RequestPayer != "requester" {
		return nil, fmt.Errorf("%w: --request-payer takes only requester, got %q", errUsage, c.RequestPayer)
	}
	if c.ExpectedBucketOwner != "" && !isAccountID(c.ExpectedBucketOwner) {
		return nil, fmt.Errorf("%w: --expected-bucket-owner must be 12 digits, got %q", errUsage, c.ExpectedBucketOwner)
	}
	if c.Glacier && (c.RequestPayer != "" || c.ExpectedBucketOwner != "" || len(c.DirectoryBucketRegions) > 0) {
		return nil, fmt.Errorf("%w: --request-payer, --expected-bucket-owner and --directory-bucket-region apply to S3 only", errUsage)
	}
	if err := checkLogFormat(c.LogFormat); err != nil {
		return nil, err
	}
	if c.AbortMinAge < 0 {
		return nil, fmt.Errorf("%w: --abort-min-age must not be negative", errUsage)
	}
	if c.ListConcurrency <= 0 {
		return nil, fmt.Errorf("%w: --list-concurrency must be positive", errUsage)
	}
	return c, nil
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
