// Command uploadfs-bench measures uploadfs against the tools people use
// today, in one run, on one machine: it starts versitygw behind a proxy
// that adds a fixed delay to every request (a distant region), creates a
// large upload, and prints a table of medians and ratios:
//
//   - cold `ls -l` of the upload on a fresh mount, against the SDK's
//     sequential ListParts paginator and `aws s3api list-parts`;
//   - warm `ls -l`, against `ls -l` of a tmpfs directory of as many files;
//   - `stat` of one part on a fresh mount;
//   - `stat` of every part in a shell loop that outlives the TTL many
//     times: requests against one listing per TTL window;
//   - a level of 20,000 uploads under one prefix: its first name and the
//     whole level, against the SDK's sequential paginator, mc and the AWS
//     CLI;
//   - a computed level of a million uploads (million.go): first name,
//     whole, requests, memory per upload, warm against tmpfs;
//   - the wide level on gofakes3, whose markers are inclusive (inclusive.go);
//   - the ListParts of a part listing refreshed after the TTL (refresh.go);
//   - resident memory per part after `find` walks several uploads, and
//     with a cache far smaller than the walk;
//   - `uploadfs report` of the walked bucket, against a shell loop of
//     `aws s3api list-parts` and `du -sb` through a mount (report.go).
//
// Run it with `make bench`; -short runs small sizes without delay, only to
// check that it works (CI). Without -short a missed target exits 1.
//
// Files: main.go, flags and setup; measure.go, mounting and the large
// upload's rows; proxy.go, the delay proxy; statloop.go, level.go,
// million.go, inclusive.go, refresh.go, walk.go, report.go, reportmem.go, a
// row each.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/gateway"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

const (
	accessKey = "uploadfs-bench"
	secretKey = "uploadfs-bench-secret"
	bucket    = "bench"
	bigKey    = "big/upload.bin"
)

type options struct {
	short        bool
	delay        time.Duration
	parts        int
	memUp        int
	reps         int
	only         string
	replay       bool
	walkUploads  int
	levelUploads int
	newOptions   // million.go
	reportMemUp  int
	uploadfs     string
	versitygw    string
	aws          string
}

func main() {
	var o options
	flag.BoolVar(&o.short, "short", false, "small sizes, no delay, one repetition: only check that the benchmark works")
	flag.DurationVar(&o.delay, "delay", 100*time.Millisecond, "delay the proxy adds to every request")
	flag.IntVar(&o.parts, "parts", 10000, "parts of the large upload")
	flag.IntVar(&o.memUp, "memory-uploads", 5, "uploads of -parts parts walked for the memory figure")
	flag.IntVar(&o.reps, "reps", 5, "repetitions of each timing (the median is shown)")
	flag.StringVar(&o.only, "only", "", "measure only this: memory, or a scenario of measure.go (walk, statloop, refresh, level, million, inclusive, report, report-memory, scan)")
	flag.IntVar(&o.walkUploads, "walk-uploads", 10000, "uploads of 3 parts in the walked bucket")
	flag.IntVar(&o.levelUploads, "level-uploads", 20000, "uploads under one prefix in the wide level")
	o.newOptions.flags()
	flag.IntVar(&o.reportMemUp, "report-memory-uploads", 1_000_000, "uploads of the computed level the report's memory is measured over")
	flag.BoolVar(&o.replay, "replay", true, "replay versitygw's answers after a warm-up round, so that every request costs the delay and not versitygw's CPU")
	flag.StringVar(&o.uploadfs, "uploadfs", "bin/uploadfs", "the uploadfs binary")
	flag.StringVar(&o.versitygw, "versitygw", "bin/versitygw", "the versitygw binary")
	flag.StringVar(&o.aws, "aws", "/usr/bin/aws", "the AWS CLI")
	flag.Parse()
	if o.short {
		o.delay, o.parts, o.memUp, o.reps, o.walkUploads, o.levelUploads, o.millionUploads = 0, 1500, 2, 1, 50, 2000, 5000
		o.reportMemUp = 20_000
	}
	log.SetFlags(0)
	log.SetPrefix("uploadfs-bench: ")
	ok, err := run(o)
	if err != nil {
		log.Fatal(err)
	}
	if !ok && !o.short {
		log.Fatal("a target was missed")
	}
}

// bench is the running setup.
type bench struct {
	o       options
	proxy   *delayProxy
	url     string // the proxy's endpoint
	gwURL   string // versitygw's, without the proxy
	walked  int64  // bytes seeded in the walk bucket
	env     []string
	tmp     string
	bigID   string
	memKeys []string
}

func run(o options) (bool, error) {
	tmp, err := os.MkdirTemp("", "uploadfs-bench")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	// versitygw's posix backend reads every part file's metadata for every
	// ListParts page; on tmpfs (as on S3) that costs the server less and
	// leaves the measure to the network and the clients.
	data, err := os.MkdirTemp(shm(), "uploadfs-bench-data")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(data)
	gw, err := gateway.Start(o.versitygw, accessKey, secretKey, data)
	if err != nil {
		return false, err
	}
	defer gw.Close()
	b := &bench{o: o, proxy: &delayProxy{delay: o.delay, replay: o.replay}, tmp: tmp, gwURL: gw.URL}
	if err := b.startProxy(gw.URL); err != nil {
		return false, err
	}
	cfg := filepath.Join(tmp, "aws-config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n"), 0o600)
	b.env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey,
		"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")

	start := time.Now()
	if err := b.seed(client(gw.URL)); err != nil {
		return false, fmt.Errorf("seeding: %w", err)
	}
	if b.walked, err = b.seedWalk(client(gw.URL), o.walkUploads); err != nil {
		return false, fmt.Errorf("seeding the walk: %w", err)
	}
	if err := seedLevel(client(gw.URL), o.levelUploads); err != nil {
		return false, fmt.Errorf("seeding the wide level: %w", err)
	}
	server := "versitygw answering every request"
	if o.replay {
		server = "versitygw's answers replayed after a warm-up round"
	}
	fmt.Printf("seeded %d + %d×%d parts, %d + %d uploads in %v; %s; delay %v per request; medians of %d\n\n",
		o.parts, o.memUp, o.parts, o.walkUploads, o.levelUploads, time.Since(start).Round(time.Second), server, o.delay, o.reps)
	return b.measure()
}

// seed creates the large upload and the ones walked for memory, directly
// on versitygw (no delay).
func (b *bench) seed(c *s3.Client) error {
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return err
	}
	parts := make([]int32, b.o.parts)
	for i := range parts {
		parts[i] = int32(i + 1)
	}
	size := func(n int32) int { return 64 + int(n%64) }
	var err error
	if b.bigID, err = s3server.CreateUpload(ctx, c, bucket, bigKey, parts, size); err != nil {
		return err
	}
	for i := range b.o.memUp {
		key := fmt.Sprintf("mem/%d.bin", i)
		if _, err := s3server.CreateUpload(ctx, c, bucket, key, parts, size); err != nil {
			return err
		}
		b.memKeys = append(b.memKeys, key)
	}
	return nil
}

func client(url string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
}

// shm is a tmpfs directory if the machine has one.
func shm() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// timeCmd runs a shell command line and returns its wall time.
func timeCmd(env []string, cmdline string) (time.Duration, error) {
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %v: %s", cmdline, err, strings.TrimSpace(string(out)))
	}
	return d, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianInt(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
