package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// Abort by rmdir end to end: the built binary over versitygw, uploads made
// by the AWS CLI, two of them three days old (versitygw's Initiated is the
// mtime of the upload's folder). Without --allow-abort nothing changes;
// with it the young upload is kept (EBUSY), the cleanup recipe aborts the
// old ones, the tree and the AWS CLI agree afterwards, and each abort is
// logged.
func TestAbortEndToEnd(t *testing.T) {
	g := startGateway(t)
	const bucket = "ends"
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", bucket)
	part := filepath.Join(t.TempDir(), "part")
	writeFile(t, part, strings.Repeat("x", 1000))
	ids := map[string]string{}
	for _, key := range []string{"old.bin", "deep/old.bin", "young.bin"} {
		var up struct{ UploadId string }
		g.aws(t, &up, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", key)
		g.aws(t, nil, "s3api", "upload-part", "--bucket", bucket, "--key", key, "--upload-id", up.UploadId,
			"--part-number", "1", "--body", part)
		ids[key] = up.UploadId
	}
	old := time.Now().Add(-72 * time.Hour)
	for _, key := range []string{"old.bin", "deep/old.bin"} {
		backdateUpload(t, g.data, ids[key], old)
	}
	inProgress := func() []string {
		var out struct {
			Uploads []struct{ Key, UploadId string }
		}
		g.aws(t, &out, "s3api", "list-multipart-uploads", "--bucket", bucket)
		var keys []string
		for _, u := range out.Uploads {
			keys = append(keys, u.Key)
		}
		slices.Sort(keys)
		return keys
	}
	upload := func(mnt, key string) string { return filepath.Join(mnt, bucket, key, ids[key]) }

	ro := g.mount(t)
	if err := syscall.Rmdir(upload(ro, "old.bin")); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("rmdir without --allow-abort: %v, want EROFS", err)
	}
	unmountForTest(t, ro)

	logFile := filepath.Join(t.TempDir(), "log")
	mnt := g.mount(t, "--allow-abort", "--log-file", logFile)
	if err := syscall.Rmdir(upload(mnt, "young.bin")); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("rmdir of a young upload: %v, want EBUSY", err)
	}
	if got := inProgress(); !slices.Equal(got, []string{"deep/old.bin", "old.bin", "young.bin"}) {
		t.Fatalf("after the refusals, in progress: %v", got)
	}
	dry := shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && find . -mindepth 3 -type d -mtime +1 | LC_ALL=C sort")
	if want := "./" + bucket + "/deep/old.bin/" + ids["deep/old.bin"] + "\n./" + bucket + "/old.bin/" + ids["old.bin"] + "\n"; dry != want {
		t.Fatalf("dry run:\n%s\nwant:\n%s", dry, want)
	}
	shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && find . -mindepth 3 -type d -mtime +1 -exec rmdir {} +")
	if got := inProgress(); !slices.Equal(got, []string{"young.bin"}) {
		t.Fatalf("after the cleanup, in progress: %v", got)
	}
	if cmd := exec.Command("aws", "--endpoint-url", g.url, "s3api", "list-parts", "--bucket", bucket, "--key", "old.bin", "--upload-id", ids["old.bin"]); func() error {
		cmd.Env = g.env
		return cmd.Run()
	}() == nil {
		t.Fatal("aws s3api list-parts of an aborted upload succeeded")
	}
	if got := shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && find . -type d | LC_ALL=C sort"); !strings.Contains(got, "./"+bucket+"/young.bin/"+ids["young.bin"]) ||
		strings.Contains(got, ids["old.bin"]) || strings.Contains(got, ids["deep/old.bin"]) {
		t.Fatalf("the tree after the cleanup:\n%s", got)
	}
	if err := syscall.Rmdir(upload(mnt, "old.bin")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rmdir of an aborted upload: %v, want ENOENT", err)
	}
	logs, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"old.bin", "deep/old.bin"} {
		if !strings.Contains(string(logs), `msg="aborted upload" bucket=`+bucket+" key="+key+" upload-id="+ids[key]) ||
			!strings.Contains(string(logs), "verified-gone=true") {
			t.Fatalf("no info line for the abort of %s:\n%s", key, logs)
		}
	}
}

// backdateUpload sets the mtime of versitygw's folder for upload id (under
// its posix root), which it answers as the upload's Initiated.
func backdateUpload(t *testing.T, root, id string, when time.Time) {
	t.Helper()
	var dir string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == id {
			dir = path
			return filepath.SkipAll
		}
		return nil
	})
	if dir == "" {
		t.Fatalf("no folder for upload %s under %s", id, root)
	}
	if err := os.Chtimes(dir, when, when); err != nil {
		t.Fatal(err)
	}
}
