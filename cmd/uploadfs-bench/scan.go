package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"github.com/uploadfs/uploadfs/internal/manyuploads"
)

// The scan rows (issue 31): `uploadfs report` with the default flags over
// a computed level of uploads of 3 parts (manyuploads, behind the delay
// proxy, no replay), against the script a competent user writes instead
// (boto3: list_multipart_uploads, then list_parts of each upload on a
// ThreadPoolExecutor of 64 workers); the same report while the proxy
// throttles; and a server that refuses connections.

//go:embed scan_boto3.py
var boto3Script string

// scanSizes are the levels the report is timed over, and scanThrottle the
// requests in flight beyond which the throttling row's proxy answers 503
// SlowDown.
var scanSizes = []int{1000, 5000}

const scanThrottle = 100

type scanRun struct {
	took      time.Duration
	requests  int64
	inFlight  int64   // at most
	throttled int64   // 503 SlowDown answered
	series    []int64 // requests in flight, sampled every delay
	listed    int
	err       error
}

type scanResult struct {
	uploads  []int
	report   []scanRun
	script   []scanRun // nil: boto3 is not installed
	noScript string    // why
	throttle scanRun
	down     scanRun
	downSaid string // its output
}

func (b *bench) measureScan() (scanResult, error) {
	r := scanResult{uploads: scanSizes}
	if b.o.short {
		r.uploads = []int{50, 200}
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		r.noScript = "boto3 is not installed (python3 -c 'import boto3' failed): the script is not timed"
	}
	for _, n := range r.uploads {
		rep, err := b.scanOnce(n, 0, b.runReport)
		if err != nil {
			return r, err
		}
		r.report = append(r.report, rep)
		if r.noScript == "" {
			sc, err := b.scanOnce(n, 0, b.runBoto3)
			if err != nil {
				return r, err
			}
			r.script = append(r.script, sc)
		}
	}
	var err error
	if r.throttle, err = b.scanOnce(r.uploads[len(r.uploads)-1], scanThrottle, b.runReport); err != nil {
		return r, err
	}
	r.down, r.downSaid = b.serverDown()
	return r, nil
}

// scanOnce serves a computed level of n uploads behind a proxy of its own
// (throttling beyond throttle in flight, if set) and times run against it.
func (b *bench) scanOnce(n int, throttle int64, run func(url string) (int, error)) (scanRun, error) {
	srv := &manyuploads.Server{Bucket: "scan", Prefix: "uploads/", Uploads: n, Initiated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	url, err := srv.Start()
	if err != nil {
		return scanRun{}, err
	}
	defer srv.Close()
	front, p, stop, err := behindProxy(url, b.o.delay)
	if err != nil {
		return scanRun{}, err
	}
	defer stop()
	p.throttle = throttle
	var r scanRun
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			case <-time.After(max(b.o.delay, 10*time.Millisecond)):
				r.series = append(r.series, p.inFlight.Load())
			}
		}
	}()
	start := time.Now()
	r.listed, r.err = run(front)
	r.took = time.Since(start)
	close(done)
	<-sampled
	r.requests, r.inFlight, r.throttled = p.snapshot().requests, p.maxFlight.Load(), p.throttled.Load()
	if r.err == nil && r.listed != n {
		r.err = fmt.Errorf("listed %d uploads of %d", r.listed, n)
	}
	return r, r.err
}

// runReport runs `uploadfs report` with the default flags and returns the
// uploads it counted.
func (b *bench) runReport(url string) (int, error) {
	cmd := exec.Command(b.o.uploadfs, "report", "--endpoint-url", url, "--path-style", "--format", "json", "--quiet", "scan")
	cmd.Env = b.env
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("uploadfs report: %v: %s", err, stderrOf(err))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var total struct {
		Uploads int `json:"uploads"`
	}
	err = json.Unmarshal([]byte(lines[len(lines)-1]), &total)
	return total.Uploads, err
}

// runBoto3 runs the script and returns the uploads it listed.
func (b *bench) runBoto3(url string) (int, error) {
	cmd := exec.Command("python3", "-c", boto3Script, url, "scan")
	cmd.Env = b.env
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("the boto3 script: %v: %s", err, stderrOf(err))
	}
	var n int
	_, err = fmt.Sscan(string(out), &n)
	return n, err
}

// serverDown runs the report against a port nothing listens on: it
// fails (err) with its row's error and its own message (said).
func (b *bench) serverDown() (r scanRun, said string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return scanRun{err: err}, ""
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	cmd := exec.Command(b.o.uploadfs, "report", "--endpoint-url", url, "--path-style", "--quiet", "scan")
	cmd.Env = b.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r.took, r.err = time.Since(start), err
	return r, string(out)
}

// printScan writes the rows against issue 31's goals.
func (b *bench) printScan(r scanResult) bool {
	trips := func(d time.Duration) string {
		if b.o.delay <= 0 {
			return "n/a (no delay)"
		}
		return fmt.Sprintf("%.1f round trips", d.Seconds()/b.o.delay.Seconds())
	}
	ok := true
	for i, n := range r.uploads {
		rep := r.report[i]
		base, ratio, met := r.noScript, "", true
		if r.script != nil {
			sc := r.script[i]
			base = fmt.Sprintf("boto3, 64 threads: %s = %s, %d requests", sec(sc.took), trips(sc.took), sc.requests)
			ratio = fmt.Sprintf("%.2f", rep.took.Seconds()/sc.took.Seconds())
			met = rep.took.Seconds() <= 0.35*sc.took.Seconds()
		}
		goal := "≤ 0.35 × the script"
		if i == len(r.uploads)-1 {
			goal = "≤ 30 round trips"
			met = b.o.delay > 0 && rep.took.Seconds()/b.o.delay.Seconds() <= 30
		}
		ok = ok && met
		fmt.Printf("| `uploadfs report` over %d uploads of 3 parts in one level, default flags | %s = %s, %d requests, at most %d in flight | %s | %s | %s | %s |\n",
			n, sec(rep.took), trips(rep.took), rep.requests, rep.inFlight, base, ratio, goal, yes(met))
	}
	th := r.throttle
	fmt.Printf("| the same, the proxy answering 503 SlowDown beyond %d in flight | %s = %s, %d requests, %d throttled, at most %d in flight; in flight each round trip: %s | | | all listed, few throttled | %s |\n",
		scanThrottle, sec(th.took), trips(th.took), th.requests, th.throttled, th.inFlight, series(th.series), yes(th.err == nil))
	refused := r.down.err != nil && strings.Contains(r.downSaid, "connection refused")
	downMet := refused && r.down.took <= 5*time.Second
	fmt.Printf("| `uploadfs report` of a server that refuses connections | %s, error names the refusal: %s | | | ≤ 5 s, saying so | %s |\n",
		sec(r.down.took), yes(refused), yes(downMet))
	return ok && th.err == nil && downMet
}

// series shortens the samples to at most 24, comma-separated.
func series(s []int64) string {
	step := max(1, (len(s)+23)/24)
	var out []string
	for i := 0; i < len(s); i += step {
		out = append(out, fmt.Sprint(s[i]))
	}
	return strings.Join(out, ",")
}
