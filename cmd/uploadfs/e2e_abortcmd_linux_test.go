package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// abortWorld is gofakes3 (its clock moved back to make old uploads)
// behind classProxy (which names each upload's storage class and
// initiator after its key) and the fault proxy, which counts what
// uploadfs sends.
type abortWorld struct {
	c     *s3.Client // straight to the server
	fault *faultproxy.Proxy
	g     *gateway // uploadfs's environment, at the fault proxy
	ids   map[string]string
}

const abortBucket = "ends"

// startAbortWorld seeds: ia/alice/same.bin begun 3 days ago and again
// now (the fresh upload of the same key), cold/bob/x.bin and
// std/alice/y.bin 3 days ago; each of one 1,000-byte part.
func startAbortWorld(t *testing.T) *abortWorld {
	t.Helper()
	srv := s3server.StartT(t, abortBucket)
	w := &abortWorld{c: srv.Client(), ids: map[string]string{}}
	for _, u := range []struct {
		name, key string
		ago       time.Duration
	}{{"old", "ia/alice/same.bin", 72 * time.Hour}, {"bob", "cold/bob/x.bin", 72 * time.Hour},
		{"std", "std/alice/y.bin", 72 * time.Hour}, {"fresh", "ia/alice/same.bin", 0}} {
		srv.Clock.Backdate(u.ago)
		id, err := s3server.CreateUpload(t.Context(), w.c, abortBucket, u.key, []int32{1}, func(int32) int { return 1000 })
		if err != nil {
			t.Fatal(err)
		}
		w.ids[u.name] = id
	}
	srv.Clock.Backdate(0)
	w.fault = faultproxy.NewT(t, classProxy(t, withInitiators(t, srv.URL)))
	w.g, _ = compatGateway(t, w.fault.URL, "demo", "demo")
	return w
}

// withInitiators is a proxy to target that gives every upload of a
// ListMultipartUploads answer an empty Initiator, as versitygw sends and
// classProxy fills in (gofakes3 sends none).
func withInitiators(t *testing.T, target string) string {
	t.Helper()
	return rewritingProxy(t, target, func(_ *http.Request, body []byte) []byte {
		return bytes.ReplaceAll(body, []byte("<StorageClass>"), []byte("<Initiator><ID></ID></Initiator><StorageClass>"))
	}, "uploads")
}

func (w *abortWorld) abort(t *testing.T, args ...string) result {
	t.Helper()
	return uploadfs(t, w.g.env, append([]string{"abort", "--endpoint-url", w.g.url, "--path-style"}, args...)...)
}

// inProgress is the upload IDs the server still has, sorted.
func (w *abortWorld) inProgress(t *testing.T) []string {
	t.Helper()
	return uploadIDs(t, w.c, abortBucket)
}

// uploadIDs are the IDs of the uploads in progress in bucket, sorted, as
// the SDK lists them (not uploadfs's listing).
func uploadIDs(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	out, err := c.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range out.Uploads {
		ids = append(ids, aws.ToString(u.UploadId))
	}
	slices.Sort(ids)
	return ids
}

func (w *abortWorld) sorted(names ...string) []string {
	var ids []string
	for _, n := range names {
		ids = append(ids, w.ids[n])
	}
	slices.Sort(ids)
	return ids
}

// decodeLines parses one JSON object a line.
func decodeLines(t *testing.T, out string) []abortJSON {
	t.Helper()
	var rs []abortJSON
	for l := range strings.Lines(out) {
		var r abortJSON
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func statuses(rs []abortJSON) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.UploadID] = r.Status
	}
	return m
}

// The refusals: a dry run and a run without a terminal or --yes send no
// changing request (counted), and usage errors exit 2.
func TestAbortCommandChangesNothingUnasked(t *testing.T) {
	w := startAbortWorld(t)
	all := w.sorted("old", "bob", "std", "fresh")

	dry := w.abort(t, "--dry-run", "--format", "json", "--older-than", "2d", abortBucket)
	if dry.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", dry.code, dry.stderr)
	}
	got := statuses(decodeLines(t, dry.stdout))
	want := map[string]string{w.ids["old"]: "planned", w.ids["bob"]: "planned", w.ids["std"]: "planned"}
	if !maps.Equal(got, want) {
		t.Fatalf("dry run planned %v, want %v (the fresh upload of the same key is %s)", got, want, w.ids["fresh"])
	}
	for _, r := range decodeLines(t, dry.stdout) {
		if r.Bytes != 1000 || r.Parts != 1 || r.Initiated == "" {
			t.Fatalf("planned upload %+v: want 1 part of 1000 bytes and its initiated time", r)
		}
	}
	table := w.abort(t, "--dry-run", "--list", "--older-than", "2d", abortBucket)
	if table.code != 0 || !regexp.MustCompile(`(?m)^TOTAL +3 +2.9 KiB`).MatchString(table.stdout) || !strings.Contains(table.stdout, "cold/bob/x.bin") {
		t.Fatalf("dry run table: exit %d\n%s%s", table.code, table.stdout, table.stderr)
	}

	noTTY := w.abort(t, "--older-than", "2d", abortBucket)
	if noTTY.code != 2 || !strings.Contains(noTTY.stderr, "no terminal to ask on: nothing changed; add --yes to abort without asking, or --dry-run to only see the plan\n") ||
		strings.Contains(noTTY.stderr, "Usage:") {
		t.Fatalf("without a terminal or --yes: exit %d, want 2 and one line saying what to add\n%s", noTTY.code, noTTY.stderr)
	}
	for _, args := range [][]string{{}, {"--all-buckets", abortBucket}, {"--older-than", "soon", abortBucket}, {"--dry-run", "--yes", abortBucket}} {
		if r := w.abort(t, args...); r.code != 2 {
			t.Fatalf("abort %v: exit %d, want 2 (usage)\n%s", args, r.code, r.stderr)
		}
	}
	if n := w.fault.Changes(); n != 0 {
		t.Fatalf("%d changing requests sent without being asked", n)
	}
	if got := w.inProgress(t); !slices.Equal(got, all) {
		t.Fatalf("in progress %v, want all of %v", got, all)
	}
}

// Selection by age, initiator and class, per upload ID: the fresh upload
// of the same key survives; every abort is logged; a throttled abort is
// backed off and retried.
func TestAbortCommandSelects(t *testing.T) {
	w := startAbortWorld(t)
	var once sync.Once
	w.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		f := faultproxy.None
		if r.Op == "AbortMultipartUpload" {
			once.Do(func() { f = faultproxy.SlowDown })
		}
		return f
	})
	r := w.abort(t, "--yes", "--format", "json", "--older-than", "7d", abortBucket)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("nothing older than 7d: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = w.abort(t, "--yes", "--format", "json", "--older-than", "36h", "--initiator", "arn:aws:iam::111122223333:user/alice",
		"--storage-class", "STANDARD_IA", abortBucket)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if got := statuses(decodeLines(t, r.stdout)); !maps.Equal(got, map[string]string{w.ids["old"]: "aborted"}) {
		t.Fatalf("results %v, want only %s aborted\n%s%s", got, w.ids["old"], r.stdout, r.stderr)
	}
	if got, want := w.inProgress(t), w.sorted("bob", "std", "fresh"); !slices.Equal(got, want) {
		t.Fatalf("in progress %v, want %v (the fresh upload of the same key kept)", got, want)
	}
	if !strings.Contains(r.stderr, `msg="aborted upload" bucket=ends key=ia/alice/same.bin upload-id=`+w.ids["old"]) ||
		!strings.Contains(r.stderr, "parts=1 bytes=1000 verified-gone=true") {
		t.Fatalf("no log line for the abort:\n%s", r.stderr)
	}
	if _, faults := w.fault.Stats(); faults[faultproxy.SlowDown] != 1 {
		t.Fatalf("faults %v: want the one SlowDown injected, backed off and retried", faults)
	}
}

// An upload gone between the plan and its abort (completed meanwhile) is
// skipped, not a failure; an abort refused is a failure, said, exit 1.
func TestAbortCommandOutcomes(t *testing.T) {
	w := startAbortWorld(t)
	var mu sync.Mutex
	listed := map[string]int{}
	w.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		id := r.Query.Get("uploadId")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Op == "ListParts" && id == w.ids["bob"]:
			listed[id]++
			if listed[id] > 1 { // listed for the plan, then gone
				return faultproxy.NoSuchUpload
			}
		case r.Op == "AbortMultipartUpload" && id == w.ids["std"]:
			return faultproxy.Forbidden
		}
		return faultproxy.None
	})
	r := w.abort(t, "--yes", "--format", "json", "--older-than", "2d", abortBucket)
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 3 aborts failed") {
		t.Fatalf("exit %d, want 1 and the failure said\n%s", r.code, r.stderr)
	}
	rs := decodeLines(t, r.stdout)
	want := map[string]string{w.ids["old"]: "aborted", w.ids["bob"]: "skipped", w.ids["std"]: "failed"}
	if got := statuses(rs); !maps.Equal(got, want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	for _, x := range rs {
		if x.Status != "aborted" && x.Reason == "" {
			t.Fatalf("%s without a reason: %+v", x.Status, x)
		}
	}
	if got, want := w.inProgress(t), w.sorted("bob", "std", "fresh"); !slices.Equal(got, want) {
		t.Fatalf("in progress %v, want %v", got, want)
	}
}

// --glacier: vault uploads of the demo (30, 9, 2 and 1 days old) older
// than a week are aborted, the others kept.
func TestAbortCommandGlacier(t *testing.T) {
	srv, g := glacierGateway(t)
	srv.SetAccessKey("")
	if err := demo.SeedGlacier(t.Context(), srv.Client(), srv.Clock); err != nil {
		t.Fatal(err)
	}
	srv.SetAccessKey(testAccess)
	run := func(args ...string) []abortJSON {
		t.Helper()
		r := uploadfs(t, g.env, append([]string{"abort", "--glacier", "--endpoint-url", g.url, "--format", "json", "--all-buckets"}, args...)...)
		if r.code != 0 {
			t.Fatalf("abort %v: exit %d\n%s", args, r.code, r.stderr)
		}
		return decodeLines(t, r.stdout)
	}
	count := func(rs []abortJSON) map[string]int {
		m := map[string]int{}
		for _, r := range rs {
			m[r.Bucket+" "+r.Status]++
		}
		return m
	}
	if got, want := count(run("--older-than", "7d", "--yes")), map[string]int{demo.PhotoVault + " aborted": 1, "db-backups aborted": 1}; !maps.Equal(got, want) {
		t.Fatalf("aborted %v, want %v", got, want)
	}
	if got, want := count(run("--older-than", "1h", "--dry-run")), map[string]int{"vm-images planned": 1, "db-backups planned": 1}; !maps.Equal(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
}

// In a directory bucket each abort is conditional on the planned upload's
// Initiated time (x-amz-if-match-initiated-time); elsewhere it is not.
func TestAbortCommandConditionalInDirectoryBuckets(t *testing.T) {
	w, g := regionWorld(t)
	const dir = "data--use1-az4--x-s3"
	srv := w.Servers["us-east-1"]
	c := s3.New(srv.Client().Options(), func(o *s3.Options) { o.DisableS3ExpressSessionAuth = aws.Bool(true) })
	s3server.CreateBuckets(t, c, dir)
	initiated := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	srv.Clock.Backdate(time.Since(initiated))
	_, err := s3server.CreateUpload(t.Context(), c, dir, "old.bin", []int32{1}, func(int32) int { return 10 })
	srv.Clock.Backdate(0)
	if err != nil {
		t.Fatal(err)
	}
	w.Seen()
	r := uploadfs(t, g.env, "abort", "--endpoint-url", g.url, "--yes", "--older-than", "1d", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "aborted 1 uploads") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	aborts := 0
	for _, s := range w.Seen() {
		if s.Method != http.MethodDelete {
			continue
		}
		aborts++
		got, err := http.ParseTime(s.Header.Get("X-Amz-If-Match-Initiated-Time"))
		if err != nil || !got.Equal(initiated) {
			t.Fatalf("abort of %s with If-Match-Initiated-Time %q, want %s", s.Bucket, s.Header.Get("X-Amz-If-Match-Initiated-Time"), initiated.UTC().Format(http.TimeFormat))
		}
	}
	if aborts == 0 {
		t.Fatal("no abort seen")
	}
}

// Ctrl-C while aborting: the abort under way finishes, no other starts,
// and the results say which were not started (exit 1).
func TestAbortCommandInterrupted(t *testing.T) {
	w := startAbortWorld(t)
	w.fault.SlowBy = time.Second // each abort takes long enough to be interrupted
	w.fault.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Op == "AbortMultipartUpload" {
			return faultproxy.Slow
		}
		return faultproxy.None
	})
	cmd := exec.Command(uploadfsBin, "abort", "--endpoint-url", w.g.url, "--path-style", "--yes", "--format", "json",
		"--concurrency", "1", "--older-than", "2d", abortBucket)
	cmd.Env = w.g.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; w.fault.Count("AbortMultipartUpload") == 0; i++ {
		if i == 3000 {
			cmd.Process.Kill()
			t.Fatalf("no abort sent:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd); code != 1 || !strings.Contains(stderr.String(), "interrupted: 2 uploads not aborted") {
		t.Fatalf("exit %d, want 1 and what was not done\n%s", code, stderr.String())
	}
	got := map[string]int{}
	for _, r := range decodeLines(t, stdout.String()) {
		got[r.Status]++
	}
	if want := map[string]int{"aborted": 1, "not-started": 2}; !maps.Equal(got, want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	if n := w.fault.Count("AbortMultipartUpload"); n != 1 {
		t.Fatalf("%d aborts sent, want the one under way", n)
	}
}
