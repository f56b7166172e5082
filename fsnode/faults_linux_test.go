package fsnode

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the log lines at INFO and above.
func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l != "" && !strings.Contains(l, "level=DEBUG") {
			out = append(out, l)
		}
	}
	return out
}

// faultBed is a gofakes3 server with one 2,500-part upload, a proxy in
// front of it, and a mount through the proxy.
type faultBed struct {
	srv   *s3server.Server
	proxy *faultproxy.Proxy
	logs  *syncBuffer
	mnt   string
	dir   string // the upload's directory
	want  string // `find -printf '%f %s'` of the upload, without faults
}

const faultParts = 2500

func newFaultBed(t *testing.T, o Options) *faultBed {
	t.Helper()
	b := &faultBed{srv: startServer(t), logs: &syncBuffer{}}
	c := b.srv.Client()
	id := oneUpload(t, c, "bkt", "big", faultParts)
	oneUpload(t, c, "bkt", "dir/small", 3)
	p := startProxy(t, b.srv.URL)
	b.proxy = p
	o.Lister = listing.NewS3(through(c, p))
	o.Buckets = []string{"bkt"}
	o.Logger = slog.New(slog.NewTextHandler(b.logs, nil))
	b.mnt = mountTest(t, o)
	b.dir = join(b.mnt, "bkt", "big", id)
	var want strings.Builder
	for n := 1; n <= faultParts; n++ {
		fmt.Fprintf(&want, "%05d 100\n", n)
	}
	b.want = want.String()
	return b
}

// list lists the upload with find; it returns the sorted listing, or
// find's output and error.
func (b *faultBed) list(t *testing.T) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "find", b.dir, "-type", "f", "-printf", "%f %s\n").CombinedOutput()
	if ctx.Err() != nil {
		t.Fatal("find hung")
	}
	if err != nil {
		return string(out), err
	}
	lines := strings.SplitAfter(string(out), "\n")
	sort.Strings(lines)
	return strings.Join(lines, ""), nil
}

// everyNth injects f into every nth request of op (n=1: all).
func everyNth(op string, n int, f faultproxy.Fault) func(faultproxy.Request) faultproxy.Fault {
	return func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == op && r.Seq%n == n-1 {
			return f
		}
		return faultproxy.None
	}
}

// onceEach injects f into the first attempt of each distinct request that
// pick selects: the retry (or the fallback) gets through.
func onceEach(pick func(faultproxy.Request) bool, f faultproxy.Fault) func(faultproxy.Request) faultproxy.Fault {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(r faultproxy.Request) faultproxy.Fault {
		mu.Lock()
		defer mu.Unlock()
		if pick(r) && !seen[r.Key] {
			seen[r.Key] = true
			return f
		}
		return faultproxy.None
	}
}

func isRange(r faultproxy.Request) bool { return r.Op == "ListParts" && r.Marker != "" }

// isRangeStart picks the requests that open a range (markers 1000, 2000,
// …), not those of the fallback, which follows the server's own markers
// (gofakes3's are 1001, 2001, …).
func isRangeStart(r faultproxy.Request) bool {
	n, err := strconv.Atoi(r.Marker)
	return r.Op == "ListParts" && err == nil && n > 0 && n%1000 == 0
}

// Every listing under faults ends complete and correct, or with a clear
// errno and one log line: never partial, never a hang.
func TestFaults(t *testing.T) {
	cases := []struct {
		name string
		rule func(faultproxy.Request) faultproxy.Fault
		fail string // "" = the listing must be complete
	}{
		{"503 SlowDown on every other request", everyNth("ListParts", 2, faultproxy.SlowDown), ""},
		{"connection reset on every third request", everyNth("ListParts", 3, faultproxy.Reset), ""},
		{"slow answers", everyNth("ListParts", 1, faultproxy.Slow), ""},
		{"truncated XML in the ranges (the fallback absorbs it)", onceEach(isRangeStart, faultproxy.Truncate), ""},
		{"malformed XML in the ranges (the fallback absorbs it)", onceEach(isRangeStart, faultproxy.Malformed), ""},
		{"truncated XML always", everyNth("ListParts", 1, faultproxy.Truncate), "Input/output error"},
		{"malformed XML always", everyNth("ListParts", 1, faultproxy.Malformed), "Input/output error"},
		{"marker that does not advance", everyNth("ListParts", 1, faultproxy.RepeatMarker), "Input/output error"},
		{"upload vanishes after the first page", func(r faultproxy.Request) faultproxy.Fault {
			if isRange(r) {
				return faultproxy.NoSuchUpload
			}
			return faultproxy.None
		}, "Input/output error"},
	}
	var report []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newFaultBed(t, Options{})
			b.proxy.SlowBy = 300 * time.Millisecond
			b.proxy.SetRule(tc.rule)
			start := time.Now()
			got, err := b.list(t)
			took := time.Since(start)
			requests, faults := b.proxy.Stats()
			outcome := "complete and correct"
			switch {
			case tc.fail == "" && (err != nil || got != b.want):
				t.Fatalf("listing under %s: err %v, %d lines; want all %d parts", tc.name, err, strings.Count(got, "\n"), faultParts)
			case tc.fail != "" && (err == nil || !strings.Contains(got, tc.fail)):
				t.Fatalf("listing under %s: err %v, output %.200q; want %q", tc.name, err, got, tc.fail)
			case tc.fail != "":
				outcome = tc.fail
				if n := len(b.logs.lines()); n != 1 {
					t.Fatalf("%d log lines, want 1:\n%s", n, strings.Join(b.logs.lines(), "\n"))
				}
			}
			// The mount lives on and recovers once the faults stop.
			b.proxy.SetRule(nil)
			recovered := time.Now()
			for {
				if got, err := b.list(t); err == nil && got == b.want {
					break
				}
				if time.Since(recovered) > 30*time.Second {
					t.Fatal("no recovery within 30 s of the faults stopping")
				}
				time.Sleep(50 * time.Millisecond)
			}
			report = append(report, fmt.Sprintf("| %s | %d | %v | %s in %.2f s | %.2f s |",
				tc.name, requests, faults, outcome, took.Seconds(), time.Since(recovered).Seconds()))
		})
	}
	t.Logf("fault report:\n| fault | requests | faults injected | listing | recovery |\n|---|---|---|---|---|\n%s", strings.Join(report, "\n"))
}

// With the server hung, an operation answers EIO within the deadline; the
// mount stays up and recovers by itself.
func TestDeadline(t *testing.T) {
	var skew atomic.Int64 // moves the caches' clock past errorTTL
	b := newFaultBed(t, Options{Timeout: time.Second, Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	b.proxy.SlowBy = time.Hour
	b.proxy.SetRule(everyNth("ListParts", 1, faultproxy.Slow))
	start := time.Now()
	out, err := b.list(t)
	if err == nil || !strings.Contains(out, "Input/output error") {
		t.Fatalf("hung server: %v %.200q, want EIO", err, out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("EIO after %v with a 1 s deadline", d)
	}
	b.proxy.SetRule(nil)
	skew.Add(int64(errorTTL))
	if got, err := b.list(t); err != nil || got != b.want {
		t.Fatalf("after the server came back: %v", err)
	}
}

// A level the server cannot list is one request (and the SDK's retries)
// per errorTTL, however many names under it a script looks up: not one
// per name (a walk over OpenStack Swift's failing levels sent thousands).
// Once errorTTL has passed, the next lookup asks again.
func TestFailingLevelIsNotAStorm(t *testing.T) {
	var skew atomic.Int64
	b := newFaultBed(t, Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	b.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == "ListMultipartUploads" && r.Query.Get("prefix") == "dir/" {
			return faultproxy.Malformed
		}
		return faultproxy.None
	})
	names := make([]string, 50)
	for i := range names {
		names[i] = join(b.mnt, "bkt", "dir", fmt.Sprintf("k%02d", i))
	}
	before, _ := b.proxy.Stats()
	out, err := exec.Command("stat", names...).CombinedOutput()
	if err == nil || strings.Count(string(out), "Input/output error") != len(names) {
		t.Fatalf("stat of %d names in a failing level: %v\n%.300s", len(names), err, out)
	}
	after, _ := b.proxy.Stats()
	// Within one errorTTL the level is asked once; the bound allows a slow
	// machine to cross a few of them (the old code sent one per name).
	if n := after - before; n < 1 || n > 10 {
		t.Fatalf("%d requests for %d lookups in a failing level, want 1 (at most 10)", n, len(names))
	}
	skew.Add(int64(errorTTL))
	b.proxy.SetRule(nil)
	if out, err := exec.Command("ls", join(b.mnt, "bkt", "dir")).CombinedOutput(); err != nil || string(out) != "small\n" {
		t.Fatalf("after errorTTL, the level is asked again: %v %q", err, out)
	}
}

// A bucket deleted while mounted disappears (ENOENT) once its listing
// expires; the rest of the mount is unaffected.
func TestBucketDeletedWhileMounted(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	ctx := context.Background()
	createBucket(t, c, "doomed")
	oneUpload(t, c, "keep", "k", 1)
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), Buckets: []string{"doomed", "keep"}, TTL: 200 * time.Millisecond})
	mustSh(t, "ls "+join(mnt, "doomed"))
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	expectErr(t, "ls "+join(mnt, "doomed"), "No such file or directory")
	if got := mustSh(t, "ls "+join(mnt, "keep")); got != "k\n" {
		t.Fatalf("other bucket: %q", got)
	}
}

// through returns a client like c that sends its requests through p.
func through(c *s3.Client, p *faultproxy.Proxy) *s3.Client {
	return s3.New(c.Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(p.URL) })
}
