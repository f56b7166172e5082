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
}

var reportFormats = []string{"table", "json", "csv", "openmetrics"}

func newReportCmd() *cobra.Command {
	c := &config{Timeout: fsnode.DefaultTimeout}
	rc := &reportConfig{}
	cmd := &cobra.Command{
		Use:   "report [flags] [BUCKET[/PREFIX]...]",
		Short: "sum every in-progress upload: bytes, age, lifecycle coverage and monthly cost, per bucket",
		Example: `  uploadfs report
  uploadfs report --by prefix --depth 2 --by storage-class media-bucket
  uploadfs report --format openmetrics --quiet > uploadfs.prom
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
	a.str(&rc.Format, "format", "table", "table, json (one object a line), csv or openmetrics")
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
	if err := c.checkConnection(); err != nil {
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
		o.Prices.Set(class, usd)
	}
	if rc.Concurrency < 1 {
		return o, fmt.Errorf("%w: --concurrency must be positive", errUsage)
	}
	o.Concurrency = rc.Concurrency
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
	cfg, err := loadConfig(ctx, c)
	if err != nil {
		return err
	}
	o.Requests = &report.Requests{}
	o.Log = log
	cfg.APIOptions = append(cfg.APIOptions, o.Requests.Middleware, adapt.Middleware)
	if c.Glacier {
		o.Lister = report.Vaults(listing.NewGlacier(newGlacierClient(cfg, c, log), c.AccountID))
		o.Region = func(string) string { return cfg.Region }
	} else {
		router, custom := newS3Client(cfg, c, log)
		l := newS3Lister(c, router, c.directoryRegions(custom))
		o.Lister, o.Lifecycles = l, l
		o.Region = func(b string) string { r, _ := router.Region(b); return r }
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
	switch rc.Format {
	case "json":
		err = rep.WriteJSON(stdout)
	case "csv":
		err = rep.WriteCSV(stdout)
	case "openmetrics":
		err = rep.WriteMetrics(stdout)
	default:
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d rows could not be listed (see their error)", rep.Failed, len(rep.Rows))
	}
	return nil
}
