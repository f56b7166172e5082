package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// The wide level: an app that starts uploads/<id> and never finishes them
// leaves one directory of many thousand uploads.
const (
	levelBucket = "level"
	levelPrefix = "uploads/"
)

// seedLevel creates n uploads (no parts) under levelPrefix with random IDs.
func seedLevel(c *s3.Client, n int) error {
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(levelBucket)}); err != nil {
		return err
	}
	keys := make([]string, n)
	for i := range keys {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		keys[i] = levelPrefix + hex.EncodeToString(sum[:12])
	}
	return s3server.StartUploads(ctx, c, levelBucket, keys)
}

// levelResult is what the wide level measured: times and requests.
type levelResult struct {
	uploads                    int
	first, whole, sdk, cli, mc time.Duration
	firstReq, wholeReq, sdkReq int64   // ListMultipartUploads requests
	prefetched                 int64   // ListParts sent ahead of a walk meanwhile
	bytesPerUpload             float64 // resident growth of the daemon per listed upload
	listed, sdkListed, cliList int
	mcListed                   int
	mcReq                      int64
	mcNote                     string // why mc was not measured
}

// measureLevel lists the wide level with uploadfs (its first name on a
// fresh mount, then the whole level on another; medians of -reps), the SDK
// one page after another and the AWS CLI, all through the delay proxy:
// with replay, after a warm-up round that records versitygw's answers (its
// posix backend reads every upload of the level for each page, hundreds of
// milliseconds of CPU that S3 does not spend).
func (b *bench) measureLevel() (levelResult, error) {
	r := levelResult{uploads: b.o.levelUploads}
	if b.o.replay {
		if err := b.levelMount(&r); err != nil {
			return r, err
		}
	}
	var firsts, wholes []time.Duration
	var rss []int64
	for range b.o.reps {
		if err := b.levelMount(&r); err != nil {
			return r, err
		}
		firsts, wholes, rss = append(firsts, r.first), append(wholes, r.whole), append(rss, int64(r.bytesPerUpload))
	}
	r.first, r.whole, r.bytesPerUpload = median(firsts), median(wholes), float64(medianInt(rss))

	before := b.proxy.snapshot()
	start := time.Now()
	var err error
	if r.sdkListed, err = sequentialLevel(client(b.url)); err != nil {
		return r, err
	}
	r.sdk, r.sdkReq = time.Since(start), uploadListings(b.proxy.snapshot().since(before))
	if b.o.replay { // the SDK's own answers recorded: measured again, replayed
		before, start = b.proxy.snapshot(), time.Now()
		if r.sdkListed, err = sequentialLevel(client(b.url)); err != nil {
			return r, err
		}
		r.sdk, r.sdkReq = time.Since(start), uploadListings(b.proxy.snapshot().since(before))
	}

	start = time.Now()
	if r.cliList, err = b.cliUploads(levelBucket, levelPrefix, "/"); err != nil {
		return r, err
	}
	r.cli = time.Since(start)
	b.mcLevel(&r)
	return r, nil
}

// mcLevel lists a level of as many uploads with `mc ls --incomplete` (as
// people do). versitygw refuses the upload-id marker mc sends, so mc lists
// the computed level (million.go) of as many uploads through the same
// delay; without mc, or if it fails, the row says why.
func (b *bench) mcLevel(r *levelResult) {
	mc, err := exec.LookPath(b.o.mc)
	if err != nil {
		if gopath, gerr := exec.Command("go", "env", "GOPATH").Output(); gerr == nil {
			mc, err = exec.LookPath(filepath.Join(strings.TrimSpace(string(gopath)), "bin", "mc"))
		}
	}
	if err != nil {
		r.mcNote = "mc not installed (`go install github.com/minio/mc@latest`)"
		return
	}
	url, p, stop, err := b.computedLevel(r.uploads)
	if err != nil {
		r.mcNote = err.Error()
		return
	}
	defer stop()
	cmd := exec.Command(mc, "ls", "--incomplete", "bench/"+millionBucket+"/"+levelPrefix)
	cmd.Env = append(slices.Clone(b.env), "MC_HOST_bench=http://"+accessKey+":"+secretKey+"@"+strings.TrimPrefix(url, "http://"),
		"MC_CONFIG_DIR="+filepath.Join(b.tmp, "mc"))
	before, start := p.snapshot(), time.Now()
	out, err := cmd.Output()
	r.mc, r.mcReq = time.Since(start), p.snapshot().since(before).requests
	if err != nil {
		r.mcNote = fmt.Sprintf("mc ls --incomplete failed: %v: %s", err, stderrOf(err))
		return
	}
	r.mcListed = strings.Count(string(out), "\n")
}

// levelMount measures uploadfs once: the first name on a fresh mount, then
// the whole level on another.
func (b *bench) levelMount(r *levelResult) error {
	dirOf := func(m *mounted) string {
		return filepath.Join(m.dir, levelBucket, strings.TrimSuffix(levelPrefix, "/"))
	}
	m, err := b.mount("--bucket", levelBucket)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dirOf(m)); err != nil {
		m.close()
		return err
	}
	before := b.proxy.snapshot()
	start := time.Now()
	_, err = firstName(dirOf(m))
	r.first = time.Since(start)
	r.firstReq = uploadListings(b.proxy.snapshot().since(before))
	m.close()
	if err != nil {
		return fmt.Errorf("first name: %v", err)
	}

	if m, err = b.mount("--bucket", levelBucket); err != nil {
		return err
	}
	defer m.close()
	if _, err := os.Stat(dirOf(m)); err != nil {
		return err
	}
	rss0, err := m.rss()
	if err != nil {
		return err
	}
	before = b.proxy.snapshot()
	start = time.Now()
	out, err := exec.Command("ls", dirOf(m)).Output()
	r.whole = time.Since(start)
	if rss1, rerr := m.rss(); rerr == nil {
		r.bytesPerUpload = float64(rss1-rss0) / float64(b.o.levelUploads)
	}
	c := b.proxy.snapshot().since(before)
	r.wholeReq, r.prefetched = uploadListings(c), c.listParts
	if err != nil {
		return fmt.Errorf("ls: %v: %s", err, stderrOf(err))
	}
	r.listed = len(strings.Fields(string(out)))
	return nil
}

// keyMarkerUploads lists bucket's uploads under prefix one page after
// another with the SDK, following the key marker alone, and calls each for
// every upload: versitygw v1.8.0 refuses its own upload-id marker (so the
// SDK's paginator fails on page 2), and every key here has one upload.
func keyMarkerUploads(c *s3.Client, bucket, prefix, delimiter string, each func(types.MultipartUpload) error) error {
	marker := ""
	for {
		in := &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String(delimiter)}
		if marker != "" {
			in.KeyMarker = aws.String(marker)
		}
		out, err := c.ListMultipartUploads(context.Background(), in)
		if err != nil {
			return fmt.Errorf("SDK ListMultipartUploads: %v", err)
		}
		for _, u := range out.Uploads {
			if err := each(u); err != nil {
				return err
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		marker = aws.ToString(out.NextKeyMarker)
	}
}

// sequentialLevel counts the level's uploads with keyMarkerUploads.
func sequentialLevel(c *s3.Client) (int, error) {
	n := 0
	err := keyMarkerUploads(c, levelBucket, levelPrefix, "/", func(types.MultipartUpload) error { n++; return nil })
	return n, err
}

// cliUploads counts bucket's uploads under prefix with the AWS CLI the
// same way, one call a page (its own pagination sends the upload-id marker
// versitygw refuses).
func (b *bench) cliUploads(bucket, prefix, delimiter string) (int, error) {
	n, marker := 0, ""
	for {
		args := []string{"--endpoint-url", b.url, "--output", "json", "s3api", "list-multipart-uploads", "--no-paginate",
			"--bucket", bucket, "--prefix", prefix}
		if delimiter != "" {
			args = append(args, "--delimiter", delimiter)
		}
		if marker != "" {
			args = append(args, "--key-marker", marker)
		}
		cmd := exec.Command(b.o.aws, args...)
		cmd.Env = b.env
		out, err := cmd.Output()
		if err != nil {
			return n, fmt.Errorf("aws s3api list-multipart-uploads: %v: %s", err, stderrOf(err))
		}
		var page struct {
			Uploads       []json.RawMessage
			IsTruncated   bool
			NextKeyMarker string
		}
		if err := json.Unmarshal(out, &page); err != nil {
			return n, err
		}
		n += len(page.Uploads)
		if !page.IsTruncated {
			return n, nil
		}
		marker = page.NextKeyMarker
	}
}

// printLevel writes the wide level's rows: first name within 2 round trips,
// the whole level within 8, every tool listing every upload.
func (b *bench) printLevel(r levelResult) bool {
	trips := func(d time.Duration) string {
		if b.o.delay == 0 {
			return "n/a (no delay)"
		}
		return fmt.Sprintf("%.1f round trips", d.Seconds()/b.o.delay.Seconds())
	}
	within := func(d time.Duration, n float64) bool { return b.o.delay == 0 || d.Seconds()/b.o.delay.Seconds() <= n }
	firstMet, wholeMet := within(r.first, 2), within(r.whole, 8)
	same := r.listed == r.uploads && r.sdkListed == r.uploads && r.cliList == r.uploads
	mc := fmt.Sprintf("`mc ls --incomplete` %s (%d requests; on the computed level of as many uploads)", sec(r.mc), r.mcReq)
	if r.mcNote != "" {
		mc = r.mcNote
	}
	fmt.Printf("| level of %d uploads, first name (opendir, one getdents), fresh mount | %s = %s, %d request(s) | SDK one page after another: whole level only | | ≤ 2 round trips | %s |\n",
		r.uploads, sec(r.first), trips(r.first), r.firstReq, yes(firstMet))
	fmt.Printf("| level of %d uploads, whole (`ls`), fresh mount | %s = %s, %d ListMultipartUploads (and %d ListParts prefetched for a walk) | SDK one page after another %s (%d requests); %s; `aws s3api list-multipart-uploads` a page a call %s | %.2f | ≤ 8 round trips | %s |\n",
		r.uploads, sec(r.whole), trips(r.whole), r.wholeReq, r.prefetched, sec(r.sdk), r.sdkReq, mc, sec(r.cli), r.whole.Seconds()/r.sdk.Seconds(), yes(wholeMet))
	fmt.Printf("| level: uploads listed | %d | SDK %d; mc %d; AWS CLI %d | | all %d | %s |\n", r.listed, r.sdkListed, r.mcListed, r.cliList, r.uploads, yes(same))
	fmt.Printf("| level: resident bytes per listed upload (the listing, its index, the kernel's nodes, the prefetched part listings) | %.0f | | | bounded by --cache-entries levels | |\n", r.bytesPerUpload)
	return firstMet && wholeMet && same
}

// firstName opens dir and reads its first entry (one getdents, as a
// program that stops early does), timed without a process to start.
func firstName(dir string) (string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return "", err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil {
		return "", err
	}
	return names[0], nil
}

// uploadListings is how many requests were not ListParts: here, every
// one is a ListMultipartUploads.
func uploadListings(c counts) int64 { return c.requests - c.listParts }

// stderrOf returns what a failed command wrote to its standard error.
func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return strings.TrimSpace(string(exit.Stderr))
	}
	return ""
}
