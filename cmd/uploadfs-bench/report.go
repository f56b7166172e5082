package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The report: `uploadfs report` of the walk bucket, against what people
// do today to get the same number — a shell loop of `aws s3api
// list-parts`, one upload after another — and against `du -sb` through a
// fresh mount.

// cliLoopSample is how many uploads the AWS CLI loop is timed over; its
// time for the whole bucket is that, per upload, times the uploads (one
// process and one request per upload, one after another: it scales by the
// upload).
const cliLoopSample = 50

type reportResult struct {
	uploads             int
	took, du, cliSample time.Duration
	requests, duReqs    int64
	bytes, duBytes      int64
	seeded              int64
	cliN                int
	cliBytes            int64
}

func (b *bench) report(seeded int64) (reportResult, error) {
	r := reportResult{uploads: b.o.walkUploads, seeded: seeded}
	run := func() ([]byte, error) {
		cmd := exec.Command(b.o.uploadfs, "report", "--endpoint-url", b.url, "--path-style", "--format", "json", "--quiet", walkBucket)
		cmd.Env = b.env
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("uploadfs report: %v: %s", err, stderrOf(err))
		}
		return out, nil
	}
	if b.o.replay {
		// A warm-up run records versitygw's answers (the mount's walk
		// sends the same requests), so that neither the report nor du
		// is measured against versitygw's CPU.
		if _, err := run(); err != nil {
			return r, err
		}
	}
	before := b.proxy.snapshot()
	start := time.Now()
	out, err := run()
	r.took = time.Since(start)
	if err != nil {
		return r, err
	}
	r.requests = b.proxy.snapshot().since(before).requests
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var total struct {
		Total   bool  `json:"total"`
		Uploads int   `json:"uploads"`
		Bytes   int64 `json:"bytes"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &total); err != nil || !total.Total || total.Uploads != r.uploads {
		return r, fmt.Errorf("uploadfs report: last line %q (%v)", lines[len(lines)-1], err)
	}
	r.bytes = total.Bytes

	m, err := b.mount("--bucket", walkBucket)
	if err != nil {
		return r, err
	}
	before = b.proxy.snapshot()
	start = time.Now()
	duOut, err := exec.Command("du", "-sb", filepath.Join(m.dir, walkBucket)).Output()
	r.du = time.Since(start)
	r.duReqs = b.proxy.snapshot().since(before).requests
	m.close()
	if err != nil {
		return r, fmt.Errorf("du -sb: %v", err)
	}
	// du counts the directories' own sizes too (0 in uploadfs).
	r.duBytes, _ = strconv.ParseInt(strings.Fields(string(duOut))[0], 10, 64)

	r.cliN = min(cliLoopSample, r.uploads)
	if b.o.short {
		r.cliN = min(5, r.uploads)
	}
	loop := fmt.Sprintf(`aws() { %s --endpoint-url %s "$@"; }
aws s3api list-multipart-uploads --bucket %s --prefix prefix-0/ --max-uploads %d --no-paginate --query 'Uploads[].[Key,UploadId]' --output text |
while read -r key id; do
  aws s3api list-parts --bucket %s --key "$key" --upload-id "$id" --query 'sum(Parts[].Size)' --output text
done`, b.o.aws, b.url, walkBucket, r.cliN, walkBucket)
	cli := exec.Command("bash", "-c", loop)
	cli.Env = b.env
	start = time.Now()
	cliOut, err := cli.Output()
	r.cliSample = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("the AWS CLI loop: %v: %s", err, stderrOf(err))
	}
	r.cliN = 0 // what the loop listed (prefix-0/ may hold fewer)
	for _, l := range strings.Fields(string(cliOut)) {
		n, _ := strconv.ParseInt(l, 10, 64)
		r.cliBytes += n
		r.cliN++
	}
	if r.cliN == 0 {
		return r, fmt.Errorf("the AWS CLI loop listed no upload")
	}
	return r, nil
}

// printReport adds the report's rows and reports whether its target was
// met: no more round trips than the mount's walk (du), the bytes the same
// as seeded, and as many per upload as the AWS CLI finds.
func (b *bench) printReport(r reportResult) bool {
	trips := func(d time.Duration) string {
		if b.o.delay == 0 {
			return "n/a (no delay)"
		}
		return fmt.Sprintf("%.0f round trips", d.Seconds()/b.o.delay.Seconds())
	}
	cliAll := time.Duration(float64(r.cliSample) / float64(r.cliN) * float64(r.uploads))
	met := b.o.delay == 0 || r.took <= r.du
	perUpload := int64(r.cliN) * (r.seeded / int64(r.uploads))
	same := r.bytes == r.seeded && r.duBytes == r.seeded && r.cliBytes == perUpload
	fmt.Printf("| report: `uploadfs report` over %d uploads of 3 parts in %d prefixes | %s = %s, %d requests | `du -sb` through a fresh mount: %s = %s, %d requests; AWS CLI loop of list-parts: %s for %d uploads, so about %s (%d round trips) for all | | ≤ du's round trips | %s |\n",
		r.uploads, walkPrefixes, sec(r.took), trips(r.took), r.requests, sec(r.du), trips(r.du), r.duReqs,
		sec(r.cliSample), r.cliN, cliAll.Round(time.Second), 1+r.uploads, yes(met))
	fmt.Printf("| report: bytes summed | %d | du -sb %d; AWS CLI %d over its %d uploads | | the same | %s |\n",
		r.bytes, r.duBytes, r.cliBytes, r.cliN, yes(same))
	return met && same
}
