package fsnode

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/manyuploads"
	"github.com/uploadfs/uploadfs/listing"
)

// A listed level costs memory per upload for what it holds (its listing
// and index), not for a node and a kernel entry per name that `ls` only
// prints: the live heap a level of 50,000 uploads adds stays within a
// generous bound (the benchmark's million-upload row has the exact figure
// of the daemon's resident growth), and `ls` sends no LOOKUP for them.
func TestLevelMemoryPerUpload(t *testing.T) {
	const n = 50000
	c := manyClient(t, n, "uploads/")
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), Buckets: []string{"many"}, Prefetch: -1})
	dir := join(mnt, "many", "uploads")
	mustSh(t, "stat "+dir+" >/dev/null")
	before := liveHeap()
	if out := mustSh(t, "ls "+dir+" | wc -l"); out != fmt.Sprintf("%d\n", n) {
		t.Fatalf("ls listed %q names, want %d", out, n)
	}
	per := float64(liveHeap()-before) / n
	t.Logf("live heap per listed upload: %.0f bytes", per)
	if per > 700 {
		t.Fatalf("%.0f bytes of live heap per listed upload, want at most 700", per)
	}
}

// `ls` of a level of many pages looks up no more entries than READDIRPLUS
// gives attributes to (levelWithAttrs), and a second `ls` reads the kernel's
// copy: no READDIR. `ls -l` still shows every entry as a directory. The
// same for a prefix's level and for a bucket's top level.
func TestLevelDirCachedByKernel(t *testing.T) {
	t.Run("prefix", func(t *testing.T) { testLevelDirCachedByKernel(t, "uploads/") })
	t.Run("bucket", func(t *testing.T) { testLevelDirCachedByKernel(t, "") })
}

func testLevelDirCachedByKernel(t *testing.T, prefix string) {
	const n = 5000
	c := manyClient(t, n, prefix)
	logs := &syncBuffer{}
	mnt := mountTest(t, Options{Lister: listing.NewS3(c), Buckets: []string{"many"}, Prefetch: -1, Debug: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	dir := join(mnt, "many", strings.TrimSuffix(prefix, "/"))
	mustSh(t, "stat "+dir+" >/dev/null")
	// run runs a shell command and counts the READDIRs and LOOKUPs it sent.
	run := func(cmd string) (out string, readdirs, lookups int) {
		logs.mu.Lock()
		logs.b.Reset()
		logs.mu.Unlock()
		out = mustSh(t, cmd)
		logs.mu.Lock()
		defer logs.mu.Unlock()
		for _, l := range strings.Split(logs.b.String(), "\n") {
			switch {
			case !strings.Contains(l, "rx "):
			case strings.Contains(l, "READDIR"):
				readdirs++
			case strings.Contains(l, "LOOKUP"):
				lookups++
			}
		}
		return out, readdirs, lookups
	}
	count := fmt.Sprintf("%d\n", n)
	out, readdirs, lookups := run("ls " + dir + " | wc -l")
	if out != count || readdirs == 0 || lookups > levelWithAttrs+10 {
		t.Fatalf("first ls: %q names, %d READDIRs, %d LOOKUPs; want %d names, at most %d LOOKUPs", out, readdirs, lookups, n, levelWithAttrs+10)
	}
	if out, readdirs, _ = run("ls " + dir + " | wc -l"); out != count || readdirs != 0 {
		t.Fatalf("second ls: %q names, %d READDIRs; want %d names from the kernel's copy", out, readdirs, n)
	}
	if out, _, _ = run("ls -l " + dir + " | grep -c '^dr-x'"); out != count {
		t.Fatalf("ls -l: %q directories, want %d", out, n)
	}
}

func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// manyClient is a client of a computed bucket "many" of n uploads under
// prefix.
func manyClient(t *testing.T, n int, prefix string) *s3.Client {
	t.Helper()
	srv := &manyuploads.Server{Bucket: "many", Prefix: prefix, Uploads: n, Initiated: time.Unix(1.7e9, 0)}
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
}
