package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/uploadfs/uploadfs/internal/manyuploads"
)

// The million-upload level: one directory of -million-uploads abandoned
// uploads (uploads/<32 hex digits>, one upload a key), served by a server
// that computes its answers with S3's paging semantics (package
// manyuploads) behind the same delay proxy, without replay: its pages
// cost it little CPU.
const millionBucket = "million"

// newOptions are the flags of the million-upload level and the mc
// baseline.
type newOptions struct {
	millionUploads int
	mc             string
}

func (o *newOptions) flags() {
	flag.IntVar(&o.millionUploads, "million-uploads", 1000000, "uploads in the computed level")
	flag.StringVar(&o.mc, "mc", "mc", "the MinIO client, a baseline of the wide level (skipped with a note if it is not found)")
}

// millionResult is what the million-upload level measured, one run of
// each on fresh mounts.
type millionResult struct {
	uploads                int
	first, whole           time.Duration
	firstReq, wholeReq     int64 // ListMultipartUploads
	wholeParts             int64 // ListParts sent meanwhile (prefetched for a walk)
	maxInFlight            int64
	bytesPerUpload         float64
	listed                 int
	warm, tmpfs            time.Duration
	warmListed, tmpfsNames int
}

func (b *bench) measureMillion() (millionResult, error) {
	r := millionResult{uploads: b.o.millionUploads}
	url, p, stop, err := b.computedLevel(r.uploads)
	if err != nil {
		return r, err
	}
	defer stop()
	dirOf := func(m *mounted) string {
		return filepath.Join(m.dir, millionBucket, strings.TrimSuffix(levelPrefix, "/"))
	}
	// The default --timeout: it is counted from the listing's last answer,
	// so a level of a million uploads is not cut however long it takes.
	args := []string{"--bucket", millionBucket}

	// First name, fresh mount.
	m, err := b.mountAt(url, args...)
	if err != nil {
		return r, err
	}
	if _, err := os.Stat(dirOf(m)); err != nil {
		m.close()
		return r, err
	}
	before := p.snapshot()
	start := time.Now()
	_, err = firstName(dirOf(m))
	r.first = time.Since(start)
	r.firstReq = uploadListings(p.snapshot().since(before))
	m.close()
	if err != nil {
		return r, fmt.Errorf("first name: %v", err)
	}

	// The whole level on another, then warm.
	if m, err = b.mountAt(url, args...); err != nil {
		return r, err
	}
	defer m.close()
	if _, err := os.Stat(dirOf(m)); err != nil {
		return r, err
	}
	rss0, err := m.rss()
	if err != nil {
		return r, err
	}
	before = p.snapshot()
	p.maxFlight.Store(0)
	start = time.Now()
	r.listed, err = countLs(dirOf(m))
	r.whole = time.Since(start)
	if err != nil {
		return r, err
	}
	c := p.snapshot().since(before)
	r.wholeReq, r.wholeParts, r.maxInFlight = uploadListings(c), c.listParts, p.maxFlight.Load()
	rss1, err := m.rss()
	if err != nil {
		return r, err
	}
	r.bytesPerUpload = float64(rss1-rss0) / float64(r.uploads)
	start = time.Now()
	r.warmListed, err = countLs(dirOf(m))
	r.warm = time.Since(start)
	if err != nil {
		return r, err
	}

	tmp, err := os.MkdirTemp(shm(), "uploadfs-bench-names")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	for i := range r.uploads {
		f, err := os.Create(filepath.Join(tmp, fmt.Sprintf("%032x", uint64(i)*0x9e3779b97f4a7c15)))
		if err != nil {
			return r, err
		}
		f.Close()
	}
	countLs(tmp) // the same warm start as the mount's second ls
	start = time.Now()
	r.tmpfsNames, err = countLs(tmp)
	r.tmpfs = time.Since(start)
	return r, err
}

// computedLevel serves n computed uploads under levelPrefix in
// millionBucket behind a delay proxy of its own: its URL, the proxy, and
// how to stop both.
func (b *bench) computedLevel(n int) (string, *delayProxy, func(), error) {
	srv := &manyuploads.Server{Bucket: millionBucket, Prefix: levelPrefix, Uploads: n, Initiated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	target, err := srv.Start()
	if err != nil {
		return "", nil, nil, err
	}
	url, p, stop, err := behindProxy(target, b.o.delay)
	if err != nil {
		srv.Close()
		return "", nil, nil, err
	}
	return url, p, func() { stop(); srv.Close() }, nil
}

// behindProxy serves target behind a delay proxy of its own (no replay)
// adding delay: its URL, the proxy, and how to stop it.
func behindProxy(target string, delay time.Duration) (string, *delayProxy, func(), error) {
	p := &delayProxy{delay: delay}
	h, err := p.handler(target)
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	go http.Serve(ln, h)
	return "http://" + ln.Addr().String(), p, func() { ln.Close() }, nil
}

// countLs runs `ls dir | wc -l` and returns the count.
func countLs(dir string) (int, error) {
	out, err := exec.Command("sh", "-c", "ls "+dir+" | wc -l").Output()
	if err != nil {
		return 0, fmt.Errorf("ls %s: %v: %s", dir, err, stderrOf(err))
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

// printMillion writes the million-upload level's rows against the
// issue's goals.
func (b *bench) printMillion(r millionResult) bool {
	trips := func(d time.Duration) float64 {
		if b.o.delay == 0 {
			return 0
		}
		return d.Seconds() / b.o.delay.Seconds()
	}
	tripsOf := func(d time.Duration) string {
		if b.o.delay == 0 {
			return "n/a (no delay)"
		}
		return fmt.Sprintf("%.1f round trips", trips(d))
	}
	firstMet := trips(r.first) <= 2
	wholeMet := trips(r.whole) <= 80 && r.wholeReq <= 1100 && r.listed == r.uploads
	memMet := r.bytesPerUpload <= 300
	warmMet := r.warm.Seconds() <= 2*r.tmpfs.Seconds() && r.warmListed == r.uploads
	fmt.Printf("| level of %d uploads, first name (one getdents), fresh mount | %s = %s, %d request(s) | | | ≤ 2 round trips | %s |\n",
		r.uploads, sec(r.first), tripsOf(r.first), r.firstReq, yes(firstMet))
	fmt.Printf("| level of %d uploads, whole (`ls | wc -l`), fresh mount | %s = %s, %d ListMultipartUploads (at most %d at once; %d ListParts prefetched), %d names | one page after another: %d round trips | | ≤ 80 round trips, ≤ 1,100 requests | %s |\n",
		r.uploads, sec(r.whole), tripsOf(r.whole), r.wholeReq, r.maxInFlight, r.wholeParts, r.listed, (r.uploads+999)/1000, yes(wholeMet))
	fmt.Printf("| level of %d uploads: daemon resident growth per listed upload | %.0f bytes (%.0f MiB) | | | ≤ 300 | %s |\n",
		r.uploads, r.bytesPerUpload, r.bytesPerUpload*float64(r.uploads)/(1<<20), yes(memMet))
	fmt.Printf("| level of %d uploads, warm `ls | wc -l` | %s, %d names | tmpfs, %d names %s | %.2f | ≤ 2 | %s |\n",
		r.uploads, sec(r.warm), r.warmListed, r.tmpfsNames, sec(r.tmpfs), r.warm.Seconds()/r.tmpfs.Seconds(), yes(warmMet))
	return firstMet && wholeMet && memMet && warmMet
}
