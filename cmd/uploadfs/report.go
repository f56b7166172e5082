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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/uploadfs/uploadfs/fsnode"
	"github.com/uploadfs/uploadfs/internal/adapt"
	"github.com/uploadfs/uploadfs/listing"
	"github.com/uploadfs/uploadfs/report"
)

// reportConfig is what report's own flags say; the connection flags go
// into config.
type reportConfig struct {
	By          []string
	Depth       int
	Ages        []string
	Prices      []string
	Format      string
	Quiet       bool
	Concurrency int
	// Top is --top: how many uploads to list by name (0: none); TopBy is
	// --top-by (bytes, age or cost).
	Top   int
	TopBy string
	// Output is --output: the file to write ("": stdout).
	Output string
}

var reportFormats = []string{"table", "json", "csv", "openmetrics", "html"}

func newReportCmd() *cobra.Command {
	c := &config{Timeout: fsnode.DefaultTimeout}
	rc := &reportConfig{}
	cmd := &cobra.Command{
		Use:   "report [flags] [BUCKET[/PREFIX]...]",
		Short: "sum every in-progress upload: bytes, age, lifecycle coverage and monthly cost, per bucket",
		Example: `  uploadfs report
  uploadfs report --by prefix --depth 2 --by storage-class media-bucket
  uploadfs report --format openmetrics --quiet > uploadfs.prom
  uploadfs report --format html --output report.html --top 20
  uploadfs report --glacier --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := rc.options(c, args)
			if err != nil {
				return err
			}
			return runReport(c, rc, o, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	addConnectionFlags(fs, c)
	addAccountFlags(fs, c)
	a := &flagAdder{fs, groupAWS}
	addGlacierFlags(a, c)
	a.group = groupReport
	fs.StringSliceVar(&rc.By, "by", nil, "group rows by prefix, storage-class or initiator besides the bucket (repeatable, or comma-separated)")
	a.in("by")
	a.num(&rc.Depth, "depth", 1, "with --by prefix: key components per prefix")
	fs.StringArrayVar(&rc.Ages, "age", nil, "count uploads older than this apart: a duration (36h) or days (7d); repeatable (default 24h and 7d)")
	a.in("age")
	fs.StringArrayVar(&rc.Prices, "price", nil, "CLASS=USD_PER_GB_MONTH: override the embedded price of a storage class (repeatable)")
	a.in("price")
	a.str(&rc.Format, "format", "table", "table, json (one object a line), csv, openmetrics or html (one self-contained page)")
	a.str(&rc.Output, "output", "", "write the report to this file instead of stdout (replaced whole once written)")
	a.num(&rc.Top, "top", 0, "also list the N uploads that rank highest by --top-by, by name")
	a.str(&rc.TopBy, "top-by", "bytes", "with --top: bytes (largest first), age (oldest first) or cost (costliest a month first)")
	a.boolean(&rc.Quiet, "quiet", "q", "no progress on stderr")
	a.num(&rc.Concurrency, "concurrency", report.DefaultConcurrency, "most listings at once (levels and upload part listings): the walk starts at 64 and goes up to it while the server keeps up, down on throttling")
	a.group = groupProcess
	a.boolean(&c.Debug, "debug", "", "log each S3 request on stderr (never credentials)")
	cmd.SetUsageFunc(groupedUsage)
	return cmd
}

// options checks report's flags and arguments and turns them into
// report.Options (without the lister, which needs the connection).
func (rc *reportConfig) options(c *config, args []string) (report.Options, error) {
	var o report.Options
	var err error
	if err = c.checkConnection(); err != nil {
		return o, err
	}
	if err := c.checkAccounts(len(args)); err != nil {
		return o, err
	}
	if !slices.Contains(reportFormats, rc.Format) {
		return o, fmt.Errorf("%w: --format takes %s, got %q", errUsage, strings.Join(reportFormats, ", "), rc.Format)
	}
	for _, b := range rc.By {
		switch strings.TrimSpace(b) {
		case "bucket": // always
		case "prefix":
			o.By.Prefix = true
		case "storage-class":
			o.By.StorageClass = true
		case "initiator":
			o.By.Initiator = true
		default:
			return o, fmt.Errorf("%w: --by takes prefix, storage-class or initiator, got %q", errUsage, b)
		}
	}
	if rc.Depth < 1 {
		return o, fmt.Errorf("%w: --depth must be at least 1", errUsage)
	}
	o.By.Depth = rc.Depth
	if c.Glacier && o.By.Prefix {
		return o, fmt.Errorf("%w: --by prefix does not apply to vaults (their uploads have no key)", errUsage)
	}
	for _, s := range rc.Ages {
		a, err := report.ParseAge(s)
		if err != nil {
			return o, fmt.Errorf("%w: --age: %v", errUsage, err)
		}
		o.Ages = append(o.Ages, a)
	}
	o.Prices = report.DefaultPrices()
	for _, s := range rc.Prices {
		class, usd, err := report.ParsePrice(s)
		if err != nil {
			return o, fmt.Errorf("%w: --price: %v", errUsage, err)
		}
		if err := o.Prices.Set(class, usd); err != nil {
			return o, fmt.Errorf("%w: --price: %v", errUsage, err)
		}
	}
	if rc.Concurrency < 1 {
		return o, fmt.Errorf("%w: --concurrency must be positive", errUsage)
	}
	o.Concurrency = rc.Concurrency
	if rc.Top < 0 {
		return o, fmt.Errorf("%w: --top must not be negative", errUsage)
	}
	o.Top = rc.Top
	if o.TopBy, err = report.ParseTopBy(rc.TopBy); err != nil {
		return o, fmt.Errorf("%w: %v", errUsage, err)
	}
	if rc.Format == "html" && o.Ages == nil {
		o.Ages = report.HTMLAges
	}
	for _, arg := range args {
		t, err := parseTarget(arg, c.Glacier)
		if err != nil {
			return o, fmt.Errorf("%w: %v", errUsage, err)
		}
		if c.Glacier && t.Prefix != "" {
			return o, fmt.Errorf("%w: a vault has no prefixes: %q", errUsage, arg)
		}
		o.Targets = append(o.Targets, t)
	}
	return o, nil
}

// parseTarget reads a report argument: BUCKET[/PREFIX], or the AWS CLI's
// s3://BUCKET[/PREFIX] (people copy it from there, and fstab's source
// has that form); a vault is only its name.
func parseTarget(arg string, glacier bool) (report.Target, error) {
	if rest, ok := strings.CutPrefix(arg, "s3://"); ok {
		if glacier {
			return report.Target{}, fmt.Errorf("%q: with --glacier, name a vault (VAULT), not an S3 URL", arg)
		}
		arg = rest
	}
	return report.ParseTarget(arg)
}

// runReport connects as mount does, walks, and writes the report. Exit
// status: 0 all listed; 1 a row could not be listed (the report is still
// written, with its error rows), the buckets could not be listed, or
// SIGINT/SIGTERM stopped it (then nothing is written).
func runReport(c *config, rc *reportConfig, o report.Options, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	level := slog.LevelWarn
	if c.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	o.Requests = &report.Requests{}
	o.Log = log
	count := func(cfg *aws.Config) {
		cfg.APIOptions = append(cfg.APIOptions, o.Requests.Middleware, adapt.Middleware)
	}
	if err := reportLister(ctx, c, &o, count, log); err != nil {
		return err
	}
	stopProgress := func() {}
	if !rc.Quiet && term.IsTerminal(int(os.Stderr.Fd())) {
		o.Progress = &report.Progress{}
		stopProgress = o.Progress.Show(os.Stderr, o.Requests)
	}
	rep, err := report.Run(ctx, o)
	stopProgress()
	if ctx.Err() != nil {
		return errors.New("interrupted: no report")
	}
	if err != nil {
		return explain(err, c, "")
	}
	if err := rc.write(rep, stdout); err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d rows could not be listed (see their error)", rep.Failed, len(rep.Rows))
	}
	return nil
}

// reportLister gives o what it lists: the accounts the flags name, or
// the one account of the configuration, its S3 buckets or Glacier
// vaults; count installs the request counter in a configuration.
func reportLister(ctx context.Context, c *config, o *report.Options, count func(*aws.Config), log *slog.Logger) error {
	if c.manyAccounts() {
		var err error
		o.Accounts, err = reportAccounts(ctx, c, count, log)
		return err
	}
	cfg, err := loadConfig(ctx, c)
	if err != nil {
		return err
	}
	count(&cfg)
	if c.Glacier {
		o.Lister = report.Vaults(listing.NewGlacier(newGlacierClient(cfg, c, log), c.AccountID))
		o.Region = func(string) string { return cfg.Region }
	} else {
		router, custom := newS3Client(cfg, c, log)
		l := newS3Lister(c, router, c.directoryRegions(custom))
		o.Lister, o.Lifecycles = l, l
		o.Region = func(b string) string { r, _ := router.Region(b); return r }
	}
	return nil
}
