package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func (b *bench) startProxy(target string) error {
	h, err := b.proxy.handler(target)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.url = "http://" + ln.Addr().String()
	go http.Serve(ln, h)
	return nil
}

// mounted is one uploadfs process, mounted in the foreground.
type mounted struct {
	dir string
	cmd *exec.Cmd
}

// mount starts `uploadfs mount --foreground` on a new directory and waits
// for the kernel to have it.
func (b *bench) mount(extra ...string) (*mounted, error) { return b.mountAt(b.url, extra...) }

// mountAt mounts the server at url.
func (b *bench) mountAt(url string, extra ...string) (*mounted, error) {
	dir, err := os.MkdirTemp(b.tmp, "mnt")
	if err != nil {
		return nil, err
	}
	args := append([]string{"mount", "--foreground", "--endpoint-url", url, "--path-style"}, extra...)
	cmd := exec.Command(b.o.uploadfs, append(args, dir)...)
	cmd.Env = b.env
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if isMounted(dir) {
			return &mounted{dir: dir, cmd: cmd}, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("mount on %s did not come up: %s", dir, logs.String())
		}
	}
}

func (m *mounted) close() {
	m.cmd.Process.Signal(syscall.SIGTERM)
	m.cmd.Wait()
}

// rss returns the process's resident set size in bytes.
func (m *mounted) rss() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", m.cmd.Process.Pid)
}

func isMounted(dir string) bool {
	data, _ := os.ReadFile("/proc/self/mounts")
	return strings.Contains(string(data), " "+dir+" fuse.uploadfs ")
}

// results of one run, medians.
type results struct {
	cold, sdk, cli, warm, tmpfs, stat time.Duration
	coldReq, sdkReq, statReq          int64
	maxInFlight                       int64
	bytesPerPart                      float64
	walked                            int
	rssSmallCache, rssBigCache        int64
}

func (b *bench) measure() (bool, error) {
	var r results
	var sm samples
	tmpfsDir, err := b.tmpfsTwin()
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmpfsDir)
	rounds := b.o.reps
	if b.o.replay {
		rounds++ // the first round records the answers and is not counted
	}
	for round := range rounds {
		if b.o.only != "" {
			break
		}
		if round == 1 && b.o.replay {
			sm = samples{}
		}
		if err := b.round(tmpfsDir, &sm); err != nil {
			return false, err
		}
	}
	r.maxInFlight = sm.maxInFlight
	if b.o.only == "memory" {
		if err := b.memory(&r); err != nil {
			return false, err
		}
		fmt.Printf("resident bytes per part after find over %d parts: %.0f\n", r.walked, r.bytesPerPart)
		return r.bytesPerPart <= 600, nil
	}
	var chosen []scenario
	for _, sc := range scenarios {
		if b.o.only == "" || sc.name == b.o.only || strings.HasPrefix(sc.name, b.o.only+"-") {
			chosen = append(chosen, sc)
		}
	}
	if len(chosen) == 0 {
		return false, fmt.Errorf("-only %q: want memory or %s", b.o.only, scenarioNames())
	}
	if b.o.only == "" {
		if err := b.memory(&r); err != nil {
			return false, err
		}
		r.cold, r.sdk, r.cli, r.warm, r.tmpfs, r.stat = median(sm.colds), median(sm.sdks), median(sm.clis), median(sm.warms), median(sm.tmpfss), median(sm.stats)
		r.coldReq, r.sdkReq, r.statReq = medianInt(sm.coldReqs), medianInt(sm.sdkReqs), medianInt(sm.statReqs)
	}
	// Every scenario is measured before any is printed, so that the rows
	// come out as one table.
	var prints []func() bool
	for _, sc := range chosen {
		print, err := sc.measure(b)
		if err != nil {
			return false, fmt.Errorf("%s: %w", sc.name, err)
		}
		prints = append(prints, print)
	}
	ok := b.o.only != "" || b.print(r)
	for _, print := range prints {
		ok = print() && ok
	}
	return ok, nil
}

// scenario is one group of rows: measure runs it and returns what prints
// its rows (false: a target was missed).
type scenario struct {
	name    string
	measure func(*bench) (print func() bool, err error)
}

// row makes a scenario of a measurement and the rows that print it.
func row[R any](name string, measure func(*bench) (R, error), print func(*bench, R) bool) scenario {
	return scenario{name, func(b *bench) (func() bool, error) {
		r, err := measure(b)
		return func() bool { return print(b, r) }, err
	}}
}

// scenarios are the benchmark's rows after the large upload's, in the
// order they are measured and printed; -only NAME runs one (and those
// named NAME-…).
var scenarios = []scenario{
	row("walk", func(b *bench) (walkResult, error) { return b.walk(b.walked) }, (*bench).printWalk),
	row("statloop", (*bench).statLoop, (*bench).printStatLoop),
	row("refresh", (*bench).measureRefresh, (*bench).printRefresh),
	row("level", (*bench).measureLevel, (*bench).printLevel),
	row("million", (*bench).measureMillion, (*bench).printMillion),
	row("inclusive", (*bench).measureInclusive, (*bench).printInclusive),
	row("report", func(b *bench) (reportResult, error) { return b.report(b.walked) }, (*bench).printReport),
	row("report-memory", (*bench).reportMemory, (*bench).printReportMemory),
	row("scan", (*bench).measureScan, (*bench).printScan),
}

func scenarioNames() string {
	var names []string
	for _, sc := range scenarios {
		names = append(names, sc.name)
	}
	return strings.Join(names, ", ")
}

// tmpfsTwin makes a tmpfs directory with as many files as the upload has
// parts: the floor for ls -l on this machine.
func (b *bench) tmpfsTwin() (string, error) {
	dir, err := os.MkdirTemp(shm(), "uploadfs-bench")
	if err != nil {
		return "", err
	}
	for i := 1; i <= b.o.parts; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d", i)), nil, 0o444); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func (b *bench) sdkPaginator() (time.Duration, error) {
	c := client(b.url)
	start := time.Now()
	p := s3.NewListPartsPaginator(c, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(bigKey), UploadId: aws.String(b.bigID)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			return 0, err
		}
		n += len(out.Parts)
	}
	if n != b.o.parts {
		return 0, fmt.Errorf("SDK paginator listed %d parts, want %d", n, b.o.parts)
	}
	return time.Since(start), nil
}

// memory walks every memory upload with find on a fresh mount and reports
// the growth of the resident set per part; then the same walk with a cache
// of two listings, to show that memory stays bounded by the cache.
func (b *bench) memory(r *results) error {
	walk := func(extra ...string) (before, after int64, err error) {
		m, err := b.mount(append([]string{"--bucket", bucket}, extra...)...)
		if err != nil {
			return 0, 0, err
		}
		defer m.close()
		if _, err := os.Stat(filepath.Join(m.dir, bucket, "mem")); err != nil {
			return 0, 0, err
		}
		if before, err = m.rss(); err != nil {
			return 0, 0, err
		}
		out, err := exec.Command("sh", "-c", "find "+filepath.Join(m.dir, bucket, "mem")+" -type f -printf '%s\\n' | wc -l").Output()
		if err != nil {
			return 0, 0, err
		}
		r.walked, _ = strconv.Atoi(strings.TrimSpace(string(out)))
		if r.walked != b.o.memUp*b.o.parts {
			return 0, 0, fmt.Errorf("find walked %d parts, want %d", r.walked, b.o.memUp*b.o.parts)
		}
		after, err = m.rss()
		return before, after, err
	}
	before, after, err := walk()
	if err != nil {
		return err
	}
	r.bytesPerPart = float64(after-before) / float64(r.walked)
	r.rssBigCache = after
	if _, r.rssSmallCache, err = walk("--cache-entries", "2"); err != nil {
		return err
	}
	return nil
}

// print writes the table and reports whether every target was met.
func (b *bench) print(r results) bool {
	ok := true
	check := func(met bool) string {
		if met {
			return "yes"
		}
		ok = false
		return "NO"
	}
	ratio := func(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }
	n := b.o.parts
	fmt.Printf("| measure | uploadfs | baseline | ratio | target | met |\n|---|---|---|---|---|---|\n")
	fmt.Printf("| cold `ls -l`, %d parts | %s | SDK sequential paginator %s | %.2f | ≤ 0.35 | %s |\n",
		n, sec(r.cold), sec(r.sdk), ratio(r.cold, r.sdk), check(ratio(r.cold, r.sdk) <= 0.35))
	fmt.Printf("| cold `ls -l`, %d parts | %s | `aws s3api list-parts` %s | %.2f | ≤ 0.2 | %s |\n",
		n, sec(r.cold), sec(r.cli), ratio(r.cold, r.cli), check(ratio(r.cold, r.cli) <= 0.2))
	fmt.Printf("| ListParts requests, cold listing | %d (at most %d at once) | SDK paginator %d | | ≤ 12 | %s |\n",
		r.coldReq, r.maxInFlight, r.sdkReq, check(r.coldReq <= 12))
	fmt.Printf("| warm `ls -l`, %d parts | %s | tmpfs, %d files %s | %.2f | ≤ 1.5 | %s |\n",
		n, sec(r.warm), n, sec(r.tmpfs), ratio(r.warm, r.tmpfs), check(ratio(r.warm, r.tmpfs) <= 1.5))
	fmt.Printf("| `stat` of one part, fresh mount | %s, %d request(s) | | | 1 request | %s |\n",
		sec(r.stat), r.statReq, check(r.statReq == 1))
	fmt.Printf("| resident bytes per part, `find` over %d parts | %.0f | | | ≤ 600 | %s |\n",
		r.walked, r.bytesPerPart, check(r.bytesPerPart <= 600))
	fmt.Printf("| resident memory after that walk, --cache-entries 1024 / 2 | %.1f MiB / %.1f MiB | | | bounded | |\n",
		float64(r.rssBigCache)/(1<<20), float64(r.rssSmallCache)/(1<<20))
	return ok
}

func sec(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

// samples are the core rows' measures, one a round.
type samples struct {
	colds, sdks, clis, warms, tmpfss, stats []time.Duration
	coldReqs, sdkReqs, statReqs             []int64
	maxInFlight                             int64
}

// round measures the core rows once: a cold and a warm ls -l of the big
// upload, tmpfs, the SDK's paginator, the AWS CLI, and stat of one part
// on a fresh mount.
func (b *bench) round(tmpfsDir string, sm *samples) error {
	bigDir := func(m *mounted) string { return filepath.Join(m.dir, bucket, bigKey, b.bigID) }
	// Cold ls -l on a fresh mount, the path to the upload already
	// looked up (that costs the same for every tool).
	m, err := b.mount("--bucket", bucket)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bigDir(m)); err != nil {
		m.close()
		return err
	}
	before := b.proxy.snapshot()
	b.proxy.maxFlight.Store(0)
	d, err := timeCmd(nil, "ls -l "+bigDir(m)+" >/dev/null")
	if err != nil {
		m.close()
		return err
	}
	sm.colds = append(sm.colds, d)
	sm.coldReqs = append(sm.coldReqs, b.proxy.snapshot().since(before).listParts)
	sm.maxInFlight = max(sm.maxInFlight, b.proxy.maxFlight.Load())
	// Warm: the same listing again, from memory.
	if d, err = timeCmd(nil, "ls -l "+bigDir(m)+" >/dev/null"); err != nil {
		m.close()
		return err
	}
	sm.warms = append(sm.warms, d)
	m.close()

	if d, err = timeCmd(nil, "ls -l "+tmpfsDir+" >/dev/null"); err != nil {
		return err
	}
	sm.tmpfss = append(sm.tmpfss, d)

	// The SDK's own paginator, one page after another.
	before = b.proxy.snapshot()
	if d, err = b.sdkPaginator(); err != nil {
		return err
	}
	sm.sdks = append(sm.sdks, d)
	sm.sdkReqs = append(sm.sdkReqs, b.proxy.snapshot().since(before).listParts)

	// The AWS CLI, as people run it today.
	if d, err = timeCmd(b.env, fmt.Sprintf("%s --endpoint-url %s s3api list-parts --bucket %s --key %s --upload-id %s >/dev/null",
		b.o.aws, b.url, bucket, bigKey, b.bigID)); err != nil {
		return err
	}
	sm.clis = append(sm.clis, d)

	// stat of one part on a fresh mount.
	if m, err = b.mount("--bucket", bucket); err != nil {
		return err
	}
	if _, err := os.Stat(bigDir(m)); err != nil {
		m.close()
		return err
	}
	before = b.proxy.snapshot()
	d, err = timeCmd(nil, fmt.Sprintf("stat %s/%05d >/dev/null", bigDir(m), b.o.parts/2))
	m.close()
	if err != nil {
		return err
	}
	sm.stats = append(sm.stats, d)
	sm.statReqs = append(sm.statReqs, b.proxy.snapshot().since(before).requests)
	return nil
}
