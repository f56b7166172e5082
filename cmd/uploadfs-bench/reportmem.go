package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
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
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	peak := watchPeak(cmd.Process.Pid)
	err = cmd.Wait()
	r.took = time.Since(start)
	r.peak = peak()
	if err != nil {
		return r, fmt.Errorf("uploadfs report of %d uploads: %v: %s", r.uploads, err, stderr.String())
	}
	r.requests = p.snapshot().requests
	out := stdout.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var total struct {
		Uploads int `json:"uploads"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &total); err != nil {
		return r, err
	}
	r.listed = total.Uploads
	return r, nil
}

// watchPeak reads the high-water mark of pid's resident set (VmHWM) every
// 20 ms until the returned function is called, which gives the last value
// read. Not the rusage of the finished child: Linux keeps a child's
// maxrss across exec, so it starts at the benchmark's own resident set
// (the child is forked from it), which hid any report smaller than that.
func watchPeak(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			if hwm, ok := vmHWM(pid); ok {
				peak.Store(max(peak.Load(), hwm))
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}

// vmHWM is the VmHWM line of /proc/PID/status, in bytes.
func vmHWM(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// printReportMemory prints the row; target: memory bounded by the rows,
// not the uploads (SPEC): at most 50 bytes an upload more than the
// baseline's peak (under 50 MB over a million), or, over levels too small
// for that to rise above the baseline's noise, at most 8 MiB more.
func (b *bench) printReportMemory(r reportMemResult) bool {
	per := float64(r.peak-r.base) / float64(r.uploads-reportMemBase)
	met := (per <= 50 || r.peak-r.base <= 8<<20) && r.listed == r.uploads
	fmt.Printf("| report: peak resident memory, one level of %d computed uploads, no delay | %.0f MiB, %.0f MiB over %d uploads: %.0f bytes per upload more (%d listed, %d requests, %s) | | | ≤ 50 bytes per upload (or 8 MiB) more: bounded by the rows | %s |\n",
		r.uploads, float64(r.peak)/(1<<20), float64(r.base)/(1<<20), reportMemBase, per, r.listed, r.requests, sec(r.took), yes(met))
	return met
}
