package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/fsnode"
	"github.com/uploadfs/uploadfs/listing"
	"github.com/uploadfs/uploadfs/report"
)

// abortConfig is what abort's own flags say; the connection flags go
// into config.
type abortConfig struct {
	OlderThan    string
	Initiator    string
	StorageClass string
	AllBuckets   bool
	List         bool
	DryRun       bool
	Yes          bool
	Format       string
	Quiet        bool
	Concurrency  int
}

// defaultAbortConcurrency is the aborts in flight: few, so that a bucket
// that serves other traffic is not hammered (503 SlowDown is backed off by
// the SDK's retries besides).
const defaultAbortConcurrency = 8

func newAbortCmd() *cobra.Command {
	c := &config{Timeout: fsnode.DefaultTimeout}
	ac := &abortConfig{}
	cmd := &cobra.Command{
		Use:   "abort [flags] BUCKET[/PREFIX]...",
		Short: "abort old in-progress uploads by upload ID, after showing the plan and asking",
		Example: `  uploadfs abort --older-than 7d media-bucket
  uploadfs abort --older-than 7d --yes --all-buckets
  uploadfs abort --dry-run --list --format json logs/tmp/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, targets, err := ac.check(c, args)
			if err != nil {
				return err
			}
			return runAbort(c, ac, sel, targets, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	addConnectionFlags(fs, c)
	addAccountFlags(fs, c)
	a := &flagAdder{fs, groupAWS}
	addGlacierFlags(a, c)
	a.group = groupAbort
	a.str(&ac.OlderThan, "older-than", "24h", "abort only uploads initiated longer ago: a duration (36h) or days (7d)")
	a.str(&ac.Initiator, "initiator", "", "abort only uploads of this initiator ID (an ARN on AWS)")
	a.str(&ac.StorageClass, "storage-class", "", "abort only uploads of this storage class")
	a.boolean(&ac.AllBuckets, "all-buckets", "", "every bucket (vault) the credentials list, instead of named targets")
	a.boolean(&ac.List, "list", "", "list every upload of the plan, not only each bucket's sums")
	a.boolean(&ac.DryRun, "dry-run", "n", "print the plan and change nothing")
	a.boolean(&ac.Yes, "yes", "y", "abort without asking (needed without a terminal)")
	a.num(&ac.Concurrency, "concurrency", defaultAbortConcurrency, "aborts at once (listing: as many as the plan needs)")
	a.dur(&c.Timeout, "timeout", fsnode.DefaultTimeout, "deadline of one listing, or of one upload's abort and its confirmation")
	a.group = groupReport
	a.str(&ac.Format, "format", "table", "table, or json (one object an upload)")
	a.boolean(&ac.Quiet, "quiet", "q", "no progress on stderr")
	a.group = groupProcess
	a.boolean(&c.Debug, "debug", "", "log each S3 request on stderr (never credentials)")
	cmd.SetUsageFunc(groupedUsage)
	return cmd
}

// check checks abort's flags and arguments.
func (ac *abortConfig) check(c *config, args []string) (act.Selection, []act.Target, error) {
	var sel act.Selection
	if err := c.checkConnection(); err != nil {
		return sel, nil, err
	}
	if err := c.checkAccounts(len(args)); err != nil {
		return sel, nil, err
	}
	age, err := report.ParseAge(ac.OlderThan)
	if err != nil {
		return sel, nil, fmt.Errorf("%w: --older-than: %v", errUsage, err)
	}
	sel = act.Selection{OlderThan: age.D, Initiator: ac.Initiator, StorageClass: ac.StorageClass}
	switch {
	case !slices.Contains([]string{"table", "json"}, ac.Format):
		return sel, nil, fmt.Errorf("%w: --format takes table or json, got %q", errUsage, ac.Format)
	case ac.Concurrency < 1:
		return sel, nil, fmt.Errorf("%w: --concurrency must be positive", errUsage)
	case c.Timeout <= 0:
		return sel, nil, fmt.Errorf("%w: --timeout must be positive", errUsage)
	case ac.DryRun && ac.Yes:
		return sel, nil, fmt.Errorf("%w: --dry-run and --yes contradict each other", errUsage)
	case len(args) == 0 && !ac.AllBuckets && !c.manyAccounts():
		return sel, nil, fmt.Errorf("%w: name the buckets (BUCKET[/PREFIX]...), or --all-buckets for every one", errUsage)
	case len(args) > 0 && ac.AllBuckets:
		return sel, nil, fmt.Errorf("%w: --all-buckets takes no BUCKET arguments", errUsage)
	}
	targets, err := parseTargets(c, args)
	return sel, targets, err
}

// parseTargets reads BUCKET[/PREFIX] arguments as the report does.
func parseTargets(c *config, args []string) ([]act.Target, error) {
	var ts []act.Target
	for _, arg := range args {
		t, err := report.ParseTarget(arg)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if c.Glacier && t.Prefix != "" {
			return nil, fmt.Errorf("%w: a vault has no prefixes: %q", errUsage, arg)
		}
		ts = append(ts, act.Target{Bucket: t.Bucket, Prefix: t.Prefix})
	}
	return ts, nil
}

// glacierAborts is a vault backend: report's Vaults for the listing, the
// Glacier lister for the aborts.
type glacierAborts struct {
	report.Lister
	*listing.Glacier
}

func (g glacierAborts) Parts(ctx context.Context, vault, key, uploadID string) (*listing.Parts, error) {
	return g.Lister.Parts(ctx, vault, key, uploadID)
}

// connectAbort builds the backend from the flags, as the report does:
// the accounts the flags name (accountListers), each a whole, or the one
// account of the configuration.
func connectAbort(ctx context.Context, c *config, log *slog.Logger) (act.Backend, []act.Account, error) {
	if c.manyAccounts() {
		als, err := accountListers(ctx, c, nil, log)
		var out []act.Account
		for _, a := range als {
			out = append(out, act.Account{Account: a.Account, Reach: a.reach, Backend: a.l})
		}
		return nil, out, err
	}
	b, err := connectOne(ctx, c, log)
	return b, nil, err
}

// connectOne is the backend of the configuration's one account.
func connectOne(ctx context.Context, c *config, log *slog.Logger) (act.Backend, error) {
	cfg, err := loadConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	if c.Glacier {
		g := listing.NewGlacier(newGlacierClient(cfg, c, log), c.AccountID)
		return glacierAborts{report.Vaults(g), g}, nil
	}
	router, custom := newS3Client(cfg, c, log)
	return newS3Lister(c, router, c.directoryRegions(custom)), nil
}

// commandLog is the log of the commands that change S3: every change at
// Info on stderr, each request too with --debug.
func commandLog(c *config) *slog.Logger {
	level := slog.LevelInfo
	if c.Debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// runAbort plans, shows the plan, asks, and aborts. Exit status: 0 all went
// as planned (also a plan with nothing to do, or a dry run); 1 some upload
// or target failed, an interrupt stopped it, or the prompt was answered
// no; 2 usage, and no terminal to ask on without --yes.
func runAbort(c *config, ac *abortConfig, sel act.Selection, targets []act.Target, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := commandLog(c)
	b, accts, err := connectAbort(ctx, c, log)
	if err != nil {
		return err
	}
	po := act.PlanOptions{Concurrency: report.DefaultConcurrency, Now: time.Now()}
	stopProgress := func() {}
	if !ac.Quiet && isTerminal(os.Stderr) {
		// The report's progress line: buckets walked, uploads selected.
		p := &report.Progress{}
		po.Progress, stopProgress = p, p.Show(os.Stderr, nil)
	}
	var plan *act.Plan
	if c.manyAccounts() {
		plan, err = act.MakeAccountsPlan(ctx, accts, sel, po)
	} else {
		plan, err = act.MakePlan(ctx, b, targets, sel, po)
	}
	stopProgress()
	if ctx.Err() != nil {
		return errors.New("interrupted while planning: nothing aborted")
	}
	if err != nil {
		return explain(err, c, "")
	}
	out := &abortOutput{w: stdout, json: ac.Format == "json", list: ac.List, accounts: c.manyAccounts(), prices: report.DefaultPrices(), now: plan.Now}
	if err := out.plan(plan, ac.DryRun); err != nil {
		return err
	}
	failedTargets := targetsFailed(plan)
	if ac.DryRun || len(plan.Items) == 0 {
		return failedTargets
	}
	if err := confirm(ac.Yes, out.question(plan.Items), "add --yes to abort without asking, or --dry-run to only see the plan"); err != nil {
		return err
	}
	r := &act.Runner{Aborter: b, Lister: b, Backends: backends(accts), Concurrency: ac.Concurrency, Timeout: c.Timeout, Log: log}
	results := r.Run(ctx, plan.Items, out.progress(ac.Quiet, len(plan.Items)))
	return errors.Join(out.results(results), failedTargets)
}

// backends are the accounts' backends by ID, for the Runner (one bound
// on the aborts in flight over them all).
func backends(accts []act.Account) map[string]act.Backend {
	m := map[string]act.Backend{}
	for _, a := range accts {
		m[a.ID] = a.Backend
	}
	return m
}

// targetsFailed says which targets could not be listed, one line each: a
// whole account's line names it, the role assumed and AWS's error code
// (accounts.Error).
func targetsFailed(p *act.Plan) error {
	if len(p.Failed) == 0 {
		return nil
	}
	var b strings.Builder
	for _, f := range p.Failed {
		switch {
		case f.Bucket == "":
			fmt.Fprintf(&b, "\n  %v", f.Err)
		case f.Account.ID != "":
			fmt.Fprintf(&b, "\n  account %s: %s/%s: %v", f.Account.ID, f.Bucket, f.Prefix, f.Err)
		default:
			fmt.Fprintf(&b, "\n  %s/%s: %v", f.Bucket, f.Prefix, f.Err)
		}
	}
	return fmt.Errorf("%d targets (or accounts) could not be listed, nothing of them aborted:%s", len(p.Failed), b.String())
}

// errNoTerminal marks the refusal to change S3 with no terminal to ask
// on and no --yes: exit 2, as for usage, but one line saying what to add
// (the whole usage text would bury it).
var errNoTerminal = errors.New("no terminal to ask on: nothing changed")

// confirm asks question on the terminal, unless yes; nil means go on. A
// "no" is errDeclined; no terminal is errNoTerminal, followed by hint.
func confirm(yes bool, question, hint string) error {
	if yes {
		return nil
	}
	if !isTerminal(os.Stdin) || !isTerminal(os.Stderr) {
		return fmt.Errorf("%w; %s", errNoTerminal, hint)
	}
	fmt.Fprint(os.Stderr, question+" [y/N] ")
	var answer string
	fmt.Fscanln(os.Stdin, &answer)
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errDeclined
	}
	return nil
}

// errDeclined is a "no" at the prompt: nothing changed, exit 1 so that a
// script does not take it for done.
var errDeclined = errors.New("declined: nothing changed")
