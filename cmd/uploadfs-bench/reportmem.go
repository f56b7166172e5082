package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/uploadfs/uploadfs/internal/manyuploads"
)

// The report's memory: `uploadfs report` of one level of a million
// uploads, computed by manyuploads (no versitygw could hold them), with no
// delay (a million ListParts requests through 100 ms would take half an
// hour and measure nothing more); its peak resident set, from the kernel's
// accounting of the finished process.

// reportMemBase is the baseline's size: what a report of the level
// (-report-memory-uploads) holds is the growth of the peak from the
// baseline's.
const reportMemBase = 1_000

type reportMemResult struct {
	uploads  int
	took     time.Duration
	peak     int64 // bytes
	base     int64 // the peak over reportMemBase uploads
	listed   int
	requests int64
}

func (b *bench) reportMemory() (reportMemResult, error) {
	n := b.o.reportMemUp
	base, err := b.reportOfComputed(reportMemBase)
	if err != nil {
		return base, err
	}
	r, err := b.reportOfComputed(n)
	r.base = base.peak
	return r, err
}

// reportOfComputed runs the report over a computed level of n uploads.
func (b *bench) reportOfComputed(n int) (reportMemResult, error) {
	r := reportMemResult{uploads: n}
	srv := &manyuploads.Server{Bucket: "million", Prefix: "uploads/", Uploads: r.uploads, Initiated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	url, err := srv.Start()
	if err != nil {
		return r, err
	}
	defer srv.Close()
	front, p, stop, err := behindProxy(url, 0)
	if err != nil {
		return r, err
	}
	defer stop()
	cmd := exec.Command(b.o.uploadfs, "report", "--endpoint-url", front, "--path-style", "--format", "json", "--quiet", "million")
	cmd.Env = b.env
	start := time.Now()
	out, err := cmd.Output()
	r.took = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("uploadfs report of %d uploads: %v: %s", r.uploads, err, stderrOf(err))
	}
	r.requests = p.snapshot().requests
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peak = ru.Maxrss << 10 // kilobytes on Linux
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var total struct {
		Uploads int `json:"uploads"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &total); err != nil {
		return r, err
	}
	r.listed = total.Uploads
	return r, nil
}

// printReportMemory prints the row; target: the SPEC's few hundred bytes
// an upload of the level (held while it is walked) — at most 600, as the
// mount's per-part figure.
func (b *bench) printReportMemory(r reportMemResult) bool {
	per := float64(r.peak-r.base) / float64(r.uploads-reportMemBase)
	met := per <= 600 && r.listed == r.uploads
	fmt.Printf("| report: peak resident memory, one level of %d computed uploads, no delay | %.0f MiB, %.0f MiB over %d uploads: %.0f bytes per upload more (%d listed, %d requests, %s) | | | ≤ 600 bytes per upload | %s |\n",
		r.uploads, float64(r.peak)/(1<<20), float64(r.base)/(1<<20), reportMemBase, per, r.listed, r.requests, sec(r.took), yes(met))
	return met
}
