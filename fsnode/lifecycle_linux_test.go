package fsnode

import (
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/regionproxy"
	"github.com/uploadfs/uploadfs/listing"
)

// lifecycleBed is gofakes3 behind the lifecycle front, with four buckets of
// one upload each, mounted with a clock the test moves.
type lifecycleBed struct {
	front *faultproxy.Lifecycle
	mnt   string
	clock atomic.Int64 // nanoseconds added to the real time
}

var lifecycleBuckets = []string{"wide", "some", "none", "denied"}

func newLifecycleBed(t *testing.T) *lifecycleBed {
	t.Helper()
	srv := startServer(t)
	front := startLifecycleFront(t, srv.URL)
	c := s3.New(srv.Client().Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(front.URL) })
	for _, b := range lifecycleBuckets {
		oneUpload(t, c, b, "logs/app.log", 2)
	}
	front.SetRules("wide", faultproxy.AbortRule("week", "", 7), faultproxy.AbortRule("logs", "logs/", 1))
	front.SetRules("some", faultproxy.AbortRule("tmp\tfiles", "tmp/", 3))
	front.Deny("denied")
	b := &lifecycleBed{front: front}
	b.mnt = mountTest(t, Options{Lister: listing.NewS3(c), TTL: time.Minute,
		Now: func() time.Time { return time.Now().Add(time.Duration(b.clock.Load())) }})
	return b
}

// startLifecycleFront puts the lifecycle front in front of url, closed when
// the test ends.
func startLifecycleFront(t *testing.T, url string) *faultproxy.Lifecycle {
	t.Helper()
	front, err := faultproxy.NewLifecycle(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(front.Close)
	return front
}

func (b *lifecycleBed) requests() int {
	n := 0
	for _, bk := range lifecycleBuckets {
		n += b.front.Requests(bk)
	}
	return n
}

func TestLifecycleXattrs(t *testing.T) {
	requireTool(t, "getfattr")
	b := newLifecycleBed(t)
	for bucket, want := range map[string]map[string]string{
		"wide": {
			"user.s3.lifecycle":             `"covered"`,
			"user.s3.lifecycle.abort-days":  `"7"`,
			"user.s3.lifecycle.abort-rules": `"[{\"prefix\":\"\",\"days\":7,\"id\":\"week\"},{\"prefix\":\"logs/\",\"days\":1,\"id\":\"logs\"}]"`,
		},
		"some": {
			"user.s3.lifecycle":             `"partly"`,
			"user.s3.lifecycle.abort-rules": `"[{\"prefix\":\"tmp/\",\"days\":3,\"id\":\"tmp\\tfiles\"}]"`,
		},
		"none":   {"user.s3.lifecycle": `"none"`},
		"denied": {"user.s3.lifecycle": `"unknown"`},
	} {
		if got := getfattrDump(t, join(b.mnt, bucket)); !maps.Equal(got, want) {
			t.Errorf("%s: getfattr -d\n%v\nwant\n%v", bucket, got, want)
		}
	}
	// A script reads the rules with jq.
	requireTool(t, "jq")
	for bucket, want := range map[string]string{"wide": "\t7\tweek\nlogs/\t1\tlogs\n", "some": "tmp/\t3\ttmp\tfiles\n"} {
		if got := mustSh(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle.abort-rules "+quote(join(b.mnt, bucket))+
			` | jq -r '.[] | "\(.prefix)\t\(.days)\t\(.id)"'`); got != want {
			t.Errorf("%s: rules through jq: %q, want %q", bucket, got, want)
		}
	}
	// Absent, not empty: abort-days of a bucket covered only in part.
	if out, err := sh(t, "getfattr -n user.s3.lifecycle.abort-days "+quote(join(b.mnt, "some"))); err == nil || !strings.Contains(out, "No such attribute") {
		t.Errorf("abort-days of a partly covered bucket: %v %q", err, out)
	}
	// Names that are not lifecycle attributes cost nothing.
	before := b.requests()
	if _, err := sh(t, "getfattr -n user.xdg.origin.url "+quote(join(b.mnt, "wide"))); err == nil {
		t.Error("user.xdg.origin.url exists")
	}
	if n := b.requests() - before; n != 0 {
		t.Errorf("%d lifecycle requests for another name", n)
	}
	// The upload of a general purpose bucket gets no computed date: S3
	// gives it in ListParts (gofakes3 does not, and nothing is invented).
	out := mustSh(t, "getfattr -d "+quote(join(b.mnt, "wide", "logs", "app.log"))+"/*")
	if strings.Contains(out, "abort-date") {
		t.Errorf("general purpose upload:\n%s", out)
	}
}

// The cookbook line: the buckets no rule aborts anything in.
func TestLifecycleCookbookNoAbortRule(t *testing.T) {
	requireTool(t, "getfattr")
	b := newLifecycleBed(t)
	got := mustSh(t, "MNT="+quote(b.mnt)+"\n"+
		`for b in "$MNT"/*/; do [ "$(getfattr --absolute-names --only-values -n user.s3.lifecycle "$b")" = none ] && basename "$b"; done; true`)
	if got != "none\n" {
		t.Fatalf("buckets with no abort rule: %q", got)
	}
}

// Walking the tree reads no lifecycle; getfattr reads it once per TTL.
func TestLifecycleFetchedOncePerTTL(t *testing.T) {
	requireTool(t, "getfattr")
	b := newLifecycleBed(t)
	wide := quote(join(b.mnt, "wide"))
	mustSh(t, "ls -l "+quote(b.mnt)+" && stat "+quote(b.mnt)+"/* && find "+quote(b.mnt)+" -ls && ls -lR "+quote(b.mnt)+" && du -s "+quote(b.mnt))
	if n := b.requests(); n != 0 {
		t.Fatalf("%d lifecycle requests after ls -l, stat, find, du", n)
	}
	mustSh(t, "getfattr -d "+wide+" && getfattr -d "+wide+" && getfattr -n user.s3.lifecycle "+wide)
	if n := b.front.Requests("wide"); n != 1 {
		t.Fatalf("%d lifecycle requests for getfattr within the TTL, want 1", n)
	}
	// Access denied is an answer, kept like one.
	denied := quote(join(b.mnt, "denied"))
	mustSh(t, "getfattr -d "+denied+" && getfattr -d "+denied)
	if n := b.front.Requests("denied"); n != 1 {
		t.Fatalf("%d lifecycle requests for the denied bucket, want 1", n)
	}
	b.clock.Add(int64(2 * time.Minute))
	b.front.SetRules("wide")
	if got := mustSh(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle "+wide); got != "none" {
		t.Fatalf("after the TTL and the rules' removal: %q", got)
	}
	if n := b.front.Requests("wide"); n != 2 {
		t.Fatalf("%d lifecycle requests after the TTL, want 2", n)
	}
}

// A directory bucket's ListParts gives no abort date: the mount computes
// it from the bucket's rule, and says so.
// A lifecycle S3 will not give now (503 SlowDown after the SDK's retries)
// is "unknown", as in the report, with the error in the log: never EIO on
// the bucket directory's attributes. It is kept only a moment: once the
// server answers, the next getfattr reads the rules.
func TestLifecycleThrottledIsUnknown(t *testing.T) {
	requireTool(t, "getfattr")
	srv := startServer(t)
	front := startLifecycleFront(t, srv.URL)
	c := s3.New(srv.Client().Options(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(front.URL)
		o.RetryMaxAttempts = 1 // the SDK's retries end in the same 503
	})
	oneUpload(t, c, "busy", "logs/app.log", 2)
	front.Fail("busy", http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	logs := &syncBuffer{}
	var clock atomic.Int64 // the mount's time stands still but when moved
	start := time.Now()
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), TTL: time.Minute, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Now: func() time.Time { return start.Add(time.Duration(clock.Load())) }})
	busy := join(mnt, "busy")
	if got := getfattrDump(t, busy); !maps.Equal(got, map[string]string{"user.s3.lifecycle": `"unknown"`}) {
		t.Errorf("getfattr -d of a throttled bucket: %v", got)
	}
	if got := mustSh(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle "+quote(busy)); got != "unknown" {
		t.Errorf("user.s3.lifecycle of a throttled bucket: %q", got)
	}
	if l := strings.Join(logs.lines(), "\n"); !strings.Contains(l, "SlowDown") || !strings.Contains(l, "bucket=busy") {
		t.Errorf("the log has no SlowDown of busy:\n%s", l)
	}
	if n := front.Requests("busy"); n != 1 {
		t.Errorf("%d lifecycle requests for two getfattr at one moment, want 1", n)
	}
	front.SetRules("busy", faultproxy.AbortRule("week", "", 7))
	clock.Add(int64(2 * time.Second))
	if got := mustSh(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle "+quote(busy)); got != "covered" {
		t.Errorf("user.s3.lifecycle once the server answers: %q", got)
	}
}

func TestDirectoryBucketComputedAbortDate(t *testing.T) {
	requireTool(t, "getfattr")
	const bucket = "data--use1-az4--x-s3"
	srv := startServer(t)
	direct := s3.New(srv.Client().Options(), func(o *s3.Options) { o.DisableS3ExpressSessionAuth = aws.Bool(true) })
	createBucket(t, direct, bucket)
	covered := oneUpload(t, direct, bucket, "logs/a.bin", 1)
	uncovered := oneUpload(t, direct, bucket, "k1", 1)
	front := startLifecycleFront(t, srv.URL)
	front.SetRules(bucket, faultproxy.AbortRule("logs-2d", "logs/", 2))
	rp, err := regionproxy.New(map[string]string{"us-east-1": front.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rp.Close)
	c := s3.New(srv.Client().Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(rp.URL); o.Region = "us-east-1" })
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), Buckets: []string{bucket}})

	mustSh(t, "find "+quote(mnt)+" -ls && stat "+quote(join(mnt, bucket, "logs", "a.bin", covered)))
	if n := front.Requests(bucket); n != 0 {
		t.Fatalf("%d lifecycle requests after find and stat", n)
	}
	up := uploadsOf(t, direct, bucket, "logs/a.bin")[0]
	want := listing.AbortDate(aws.ToTime(up.Initiated), 2).Format(time.RFC3339)
	got := getfattrDump(t, join(mnt, bucket, "logs", "a.bin", covered))
	for name, v := range map[string]string{
		"user.s3.abort-date":          `"` + want + `"`,
		"user.s3.abort-rule-id":       `"logs-2d"`,
		"user.s3.abort-date.computed": `"true"`,
	} {
		if got[name] != v {
			t.Errorf("%s = %s, want %s (all: %v)", name, got[name], v, got)
		}
	}
	got = getfattrDump(t, join(mnt, bucket, "k1", uncovered))
	for _, name := range []string{"user.s3.abort-date", "user.s3.abort-rule-id", "user.s3.abort-date.computed"} {
		if _, ok := got[name]; ok {
			t.Errorf("uncovered upload has %s: %v", name, got)
		}
	}
	if got := mustSh(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle "+quote(join(mnt, bucket))); got != "partly" {
		t.Errorf("bucket lifecycle %q", got)
	}
	if n := front.Requests(bucket); n != 1 {
		t.Errorf("%d lifecycle requests for two uploads and the bucket, want 1", n)
	}
}
