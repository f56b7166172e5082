package fsnode

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/listing"
)

// abortBed is a bucket with three uploads backdated three days and one
// started now, mounted through a fault proxy.
type abortBed struct {
	c     *s3.Client
	proxy *faultproxy.Proxy
	logs  *syncBuffer
	mnt   string
	old   []string // directories of the old uploads
	young string
}

func newAbortBed(t *testing.T, allow bool) *abortBed {
	t.Helper()
	srv := startServer(t)
	b := &abortBed{c: srv.Client(), logs: &syncBuffer{}}
	srv.Clock.Backdate(72 * time.Hour)
	var ids []string
	for _, k := range []string{"a/old1.bin", "a/old2.bin", "b/old3.bin"} {
		ids = append(ids, k+"/"+oneUpload(t, b.c, "abt", k, 3))
	}
	srv.Clock.Backdate(0)
	young := "a/young.bin/" + oneUpload(t, b.c, "abt", "a/young.bin", 2)
	p := startProxy(t, srv.URL)
	b.proxy = p
	b.mnt = mountTest(t, Options{Lister: listing.NewS3(through(b.c, p)), Buckets: []string{"abt"}, AllowAbort: allow,
		Logger: slog.New(slog.NewTextHandler(b.logs, nil))})
	for _, id := range ids {
		b.old = append(b.old, join(b.mnt, "abt", id))
	}
	b.young = join(b.mnt, "abt", young)
	return b
}

// uploads lists what the server still has, as key/ID.
func (b *abortBed) uploads(t *testing.T) []string {
	t.Helper()
	out, err := b.c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("abt")})
	if err != nil {
		t.Fatal(err)
	}
	var ups []string
	for _, u := range out.Uploads {
		ups = append(ups, aws.ToString(u.Key)+"/"+aws.ToString(u.UploadId))
	}
	return ups
}

func rmdir(path string) error { return syscall.Rmdir(path) }

// Without --allow-abort nothing can be aborted: the mount is read-only.
func TestAbortRefusedByDefault(t *testing.T) {
	b := newAbortBed(t, false)
	if err := rmdir(b.old[0]); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("rmdir without --allow-abort: %v, want EROFS", err)
	}
	if n := len(b.uploads(t)); n != 4 {
		t.Fatalf("%d uploads left, want 4", n)
	}
}

// With --allow-abort, rmdir of an old upload aborts it (verified gone,
// logged, no longer listed); a young one is EBUSY with a reason in the log;
// every other change is EROFS.
func TestAbortByRmdir(t *testing.T) {
	b := newAbortBed(t, true)
	mustSh(t, "ls -R "+join(b.mnt, "abt")+" >/dev/null")
	if err := rmdir(b.old[0]); err != nil {
		t.Fatalf("rmdir of an old upload: %v", err)
	}
	if got := strings.Join(b.uploads(t), " "); strings.Contains(got, "old1") || len(b.uploads(t)) != 3 {
		t.Fatalf("left on the server: %s", got)
	}
	// Its key had no other upload: the key directory is gone too.
	if out := mustSh(t, "ls "+join(b.mnt, "abt", "a")); out != "old2.bin\nyoung.bin\n" {
		t.Fatalf("after the abort, a/ lists %q", out)
	}
	logs := strings.Join(b.logs.lines(), "\n")
	if !strings.Contains(logs, `msg="aborted upload" bucket=abt key=a/old1.bin`) || !strings.Contains(logs, "parts=3 bytes=300 verified-gone=true") {
		t.Fatalf("abort log:\n%s", logs)
	}
	if err := rmdir(b.young); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("rmdir of a young upload: %v, want EBUSY", err)
	}
	if !strings.Contains(strings.Join(b.logs.lines(), "\n"), "younger than --abort-min-age") {
		t.Fatal("no log line says why the young upload was kept")
	}
	// Everything else stays read-only.
	for _, cmd := range []string{
		"rmdir " + join(b.mnt, "abt", "b"), // a prefix directory
		"rm " + join(b.old[1], "00001"),
		"touch " + join(b.old[1], "new"),
		"mkdir " + join(b.old[1], "d"),
		"mv " + b.old[1] + " " + b.old[1] + "x",
		"setfattr -n user.x -v 1 " + b.old[1],
		"touch " + join(b.old[1], "00001"),
		"sh -c 'echo x >> " + join(b.old[1], ".complete.json") + "'",
	} {
		if out, err := sh(t, cmd); err == nil || !strings.Contains(out, "Read-only file system") {
			t.Errorf("%s: %v %q, want Read-only file system", cmd, err, out)
		}
	}
	if n := len(b.uploads(t)); n != 3 {
		t.Fatalf("%d uploads left, want 3", n)
	}
}

// Two rmdirs of one upload at once: one aborts, the other waits and finds
// it gone (ENOENT); an upload aborted behind the mount's back is ENOENT.
func TestAbortConcurrentAndGone(t *testing.T) {
	b := newAbortBed(t, true)
	mustSh(t, "ls -R "+join(b.mnt, "abt")+" >/dev/null")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = rmdir(b.old[0]) })
	}
	wg.Wait()
	ok, gone := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, syscall.ENOENT):
			gone++
		}
	}
	if ok != 1 || gone != 1 {
		t.Fatalf("two rmdirs at once: %v, want one success and one ENOENT", errs)
	}
	key, id, _ := strings.Cut(strings.TrimPrefix(b.old[1], join(b.mnt, "abt")+"/"), "/old2.bin/")
	if _, err := b.c.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{
		Bucket: aws.String("abt"), Key: aws.String(key + "/old2.bin"), UploadId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if err := rmdir(b.old[1]); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("rmdir of an upload aborted elsewhere: %v, want ENOENT", err)
	}
}

// 403 on AbortMultipartUpload is EACCES, and the upload stays; 503s are
// retried.
func TestAbortErrors(t *testing.T) {
	b := newAbortBed(t, true)
	b.proxy.SetRule(everyNth("AbortMultipartUpload", 1, faultproxy.Forbidden))
	if err := rmdir(b.old[0]); !errors.Is(err, syscall.EACCES) {
		t.Fatalf("rmdir refused by S3: %v, want EACCES", err)
	}
	if n := len(b.uploads(t)); n != 4 {
		t.Fatalf("%d uploads left, want 4", n)
	}
	b.proxy.SetRule(everyNth("AbortMultipartUpload", 2, faultproxy.SlowDown))
	if err := rmdir(b.old[0]); err != nil {
		t.Fatalf("rmdir through 503s: %v", err)
	}
	if n := len(b.uploads(t)); n != 3 {
		t.Fatalf("%d uploads left, want 3", n)
	}
}

// The cleanup recipe: find's dry run, then rmdir of every upload older
// than a day; the young one stays, and the tree is right afterwards.
func TestAbortCleanupRecipe(t *testing.T) {
	b := newAbortBed(t, true)
	list := mustSh(t, "cd "+b.mnt+" && find abt -mindepth 3 -type d -mtime +1 | sort")
	if strings.Count(list, "\n") != 3 {
		t.Fatalf("dry run lists:\n%s", list)
	}
	mustSh(t, "cd "+b.mnt+" && find abt -mindepth 3 -type d -mtime +1 -exec rmdir {} +")
	left := b.uploads(t)
	if len(left) != 1 || !strings.HasPrefix(left[0], "a/young.bin/") {
		t.Fatalf("left after the cleanup: %v", left)
	}
	if got := mustSh(t, "cd "+b.mnt+" && find abt -type f | wc -l"); got != "2\n" {
		t.Fatalf("parts left in the tree: %q, want the young upload's 2", got)
	}
	if _, err := os.Stat(b.old[2]); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an aborted upload's directory: %v", err)
	}
}

// Key and prefix directories show the time they are looked at: a file
// made after the mount started stands for "-mtime +N on a mount older than
// N days", and only upload directories are older than it.
func TestOnlyUploadDirectoriesAreOld(t *testing.T) {
	b := newAbortBed(t, false)
	ref := filepath.Join(t.TempDir(), "ref")
	if err := os.WriteFile(ref, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := os.Chtimes(ref, now, now); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, dir := range append(slices.Clone(b.old), b.young) {
		want = append(want, strings.TrimPrefix(dir, b.mnt+"/"))
	}
	slices.Sort(want)
	got := mustSh(t, "cd "+b.mnt+" && find abt -mindepth 1 -type d ! -newer "+ref+" | LC_ALL=C sort")
	if got != strings.Join(want, "\n")+"\n" {
		t.Fatalf("directories older than the mount's first minutes:\n%s\nwant the upload directories:\n%s", got, strings.Join(want, "\n"))
	}
}

// Glacier: rmdir of a vault upload aborts it with Glacier's
// AbortMultipartUpload, under the same rules.
func TestAbortGlacier(t *testing.T) {
	b := newGlacierBed(t)
	b.vault(t, "v")
	keep := b.upload(t, "v", "keep", 1<<20, []int32{1}, func(int32) int { return 100 })
	drop := b.upload(t, "v", "drop", 1<<20, []int32{1, 2}, func(int32) int { return 100 })
	young := b.mount(t, Options{AllowAbort: true})
	if err := rmdir(join(young, "v", escapeName(drop))); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("rmdir of an upload younger than a day: %v, want EBUSY", err)
	}
	mnt := b.mount(t, Options{AllowAbort: true, AbortMinAge: time.Nanosecond})
	if err := rmdir(join(mnt, "v", escapeName(drop))); err != nil {
		t.Fatalf("rmdir: %v", err)
	}
	out, err := b.c.ListMultipartUploads(context.Background(), &glacier.ListMultipartUploadsInput{AccountId: aws.String("-"), VaultName: aws.String("v")})
	if err != nil || len(out.UploadsList) != 1 || aws.ToString(out.UploadsList[0].MultipartUploadId) != keep {
		t.Fatalf("uploads left: %+v, %v", out, err)
	}
	if got := mustSh(t, "ls "+join(mnt, "v")); got != escapeName(keep)+"\n" {
		t.Fatalf("ls after the abort: %q", got)
	}
}
