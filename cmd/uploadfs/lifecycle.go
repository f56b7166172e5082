package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/fsnode"
)

// lifecycleConfig is what lifecycle's own flags say.
type lifecycleConfig struct {
	EnsureAbort int
	Apply       bool
	Yes         bool
	AllBuckets  bool
	Format      string
}

func newLifecycleCmd() *cobra.Command {
	c := &config{Timeout: fsnode.DefaultTimeout, AccountID: "-"}
	lc := &lifecycleConfig{}
	cmd := &cobra.Command{
		Use:   "lifecycle [flags] BUCKET...",
		Short: "show the rules that abort uploads; --ensure-abort DAYS adds one, keeping every other rule",
		Example: `  uploadfs lifecycle media-bucket logs
  uploadfs lifecycle --ensure-abort 7 --all-buckets          # the diff, nothing written
  uploadfs lifecycle --ensure-abort 7 --apply --yes media-bucket`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := lc.check(c, args); err != nil {
				return err
			}
			return runLifecycle(c, lc, args, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	addConnectionFlags(fs, c)
	addAccountFlags(fs, c)
	a := &flagAdder{fs, groupAbort}
	a.num(&lc.EnsureAbort, "ensure-abort", 0, "DAYS: make every bucket abort each incomplete upload within DAYS days (a dry run: the diff)")
	a.boolean(&lc.Apply, "apply", "", "with --ensure-abort: write the configurations (asks on a terminal)")
	a.boolean(&lc.Yes, "yes", "y", "with --apply: write without asking (needed without a terminal)")
	a.boolean(&lc.AllBuckets, "all-buckets", "", "every bucket the credentials list, instead of named ones")
	a.dur(&c.Timeout, "timeout", fsnode.DefaultTimeout, "deadline of one bucket's reads and write")
	a.group = groupReport
	a.str(&lc.Format, "format", "table", "table, or json (one object a bucket)")
	a.group = groupProcess
	a.boolean(&c.Debug, "debug", "", "log each S3 request on stderr (never credentials)")
	cmd.SetUsageFunc(groupedUsage)
	return cmd
}

func (lc *lifecycleConfig) check(c *config, args []string) error {
	if err := c.checkConnection(); err != nil {
		return err
	}
	if err := c.checkAccounts(len(args)); err != nil {
		return err
	}
	switch {
	case lc.Format != "table" && lc.Format != "json":
		return fmt.Errorf("%w: --format takes table or json, got %q", errUsage, lc.Format)
	case lc.EnsureAbort < 0:
		return fmt.Errorf("%w: --ensure-abort takes a number of days of at least 1", errUsage)
	case (lc.Apply || lc.Yes) && lc.EnsureAbort == 0:
		return fmt.Errorf("%w: --apply and --yes go with --ensure-abort DAYS", errUsage)
	case lc.Yes && !lc.Apply:
		return fmt.Errorf("%w: --yes goes with --apply", errUsage)
	case len(args) == 0 && !lc.AllBuckets && !c.manyAccounts():
		return fmt.Errorf("%w: name the buckets, or --all-buckets for every one", errUsage)
	case len(args) > 0 && lc.AllBuckets:
		return fmt.Errorf("%w: --all-buckets takes no BUCKET arguments", errUsage)
	}
	for _, b := range args {
		if b == "" || strings.Contains(b, "/") && !strings.HasPrefix(b, "arn:") {
			return fmt.Errorf("%w: not a bucket name: %q", errUsage, b)
		}
	}
	return nil
}

// runLifecycle shows each bucket's abort rules, or ensures one. Exit
// status: 0 all read (shown), or covered, planned or written and read back
// equal; 1 a bucket refused, failed, or read back different; 2 usage, and
// --apply without --yes and no terminal to ask on.
func runLifecycle(c *config, lc *lifecycleConfig, buckets []string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bs, err := lifecycleBuckets(ctx, c, lc.AllBuckets, buckets, commandLog(c))
	if err != nil {
		return err
	}
	if lc.EnsureAbort == 0 {
		return showLifecycles(ctx, c, bs, lc.Format == "json", stdout)
	}
	return ensureAbort(ctx, c, lc, bs, stdout)
}

// showLifecycles writes each bucket's rules that abort uploads, read as
// the report reads them (listing.S3.LifecycleConfiguration), with what
// each covers and leaves out.
func showLifecycles(ctx context.Context, c *config, buckets []lifecycleBucket, asJSON bool, w io.Writer) error {
	failed := 0
	enc := json.NewEncoder(w)
	for _, b := range buckets {
		j := lifecycleJSON{Account: b.acct.ID, AccountName: b.acct.Name, Bucket: b.name, Rules: []act.RuleCoverage{}}
		lcfg, err := b.read(ctx, c)
		if err != nil {
			failed++
			j.Coverage, j.Error = "unknown", err.Error()
		} else {
			cov, days := lcfg.Aborts().Coverage("")
			j.Coverage, j.Days, j.Rules = cov.String(), days, append(j.Rules, act.Coverages(lcfg)...)
			j.Unsupported = lcfg.Unsupported != nil
		}
		if asJSON {
			if err := enc.Encode(j); err != nil {
				return err
			}
			continue
		}
		writeCoverage(w, j)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d buckets' (or accounts') configurations could not be read (coverage unknown)", failed, len(buckets))
	}
	return nil
}

// ensureAbort plans the rule for every bucket, prints each diff, and with
// --apply writes after asking.
func ensureAbort(ctx context.Context, c *config, lc *lifecycleConfig, buckets []lifecycleBucket, w io.Writer) error {
	out := &ensureOutput{w: w, json: lc.Format == "json", apply: lc.Apply}
	var plans []bucketEnsure
	var problems []error
	for _, b := range buckets {
		e, err := b.planEnsure(ctx, c, int32(lc.EnsureAbort))
		if err != nil {
			err = fmt.Errorf("%s: refused: %w", b.where(), err)
			problems = append(problems, err)
			if err := out.refused(b, err); err != nil {
				return err
			}
			continue
		}
		be := bucketEnsure{b, e}
		if err := out.plan(be); err != nil {
			return err
		}
		if e.After != nil {
			plans = append(plans, be)
		}
	}
	if !lc.Apply || len(plans) == 0 {
		out.dryRun(len(plans))
		return failures(problems, len(buckets))
	}
	if err := confirm(lc.Yes, fmt.Sprintf("Write the lifecycle configuration of %d buckets?", len(plans)),
		"add --yes to write without asking, or leave out --apply to only see the diff"); err != nil {
		return err
	}
	for i, be := range plans {
		if ctx.Err() != nil {
			problems = append(problems, ctx.Err())
			if err := out.notStarted(plans[i:]); err != nil {
				return err
			}
			break
		}
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Timeout)
		err := be.Apply(bctx, be.at.l)
		cancel()
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", be.at.where(), err))
		}
		if err := out.applied(be, err); err != nil {
			return err
		}
	}
	return failures(problems, len(buckets))
}

// failures is the exit error of --ensure-abort: each problem was said on
// its bucket's line already.
func failures(problems []error, buckets int) error {
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d buckets (or accounts) refused or failed (each said above)", len(problems), buckets)
}
