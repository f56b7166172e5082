package main

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

type cliPart struct {
	PartNumber     int32
	LastModified   time.Time
	ETag           string
	Size           int64
	ChecksumSHA256 string
}

type cliUpload struct {
	UploadId  string
	Key       string
	Initiated time.Time
}

// oddKeys are keys whose components cannot all be file names as they are.
// versitygw cannot store "trail/" (DirectoryObjectContainsData) nor
// components over 255 bytes, and lists C0 controls other than tab as U+FFFD;
// fsnode's tests cover those shapes.
var oddKeys = []string{
	"/lead/x", "a//b", "pct%41/100%", "sp ace/+plus", "tab\tkey/del\x7fkey",
	"dots/./x", "dots/../y",
	strings.Repeat("k", 200) + "/" + strings.Repeat("l", 250) + "/" + strings.Repeat("m", 250) + "/" + strings.Repeat("n", 250) + "/" + strings.Repeat("o", 70),
}

func TestEndToEnd(t *testing.T) {
	shelltest.Need(t, "getfattr")
	g := startGateway(t)
	const bucket = "e2e-bucket"
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", bucket)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "e2e-quiet")

	// An upload with SHA-256 checksums, parts sent by the AWS CLI.
	var up cliUpload
	g.aws(t, &up, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "reports/2026/q3.csv", "--checksum-algorithm", "SHA256")
	body := filepath.Join(t.TempDir(), "part")
	for i := 1; i <= 3; i++ {
		writeFile(t, body, strings.Repeat(fmt.Sprint(i), 1000*i))
		g.aws(t, nil, "s3api", "upload-part", "--bucket", bucket, "--key", "reports/2026/q3.csv", "--upload-id", up.UploadId,
			"--part-number", fmt.Sprint(i), "--body", body, "--checksum-algorithm", "SHA256")
	}
	// An upload of 1,100 parts (more than one ListParts page): created by
	// the CLI, filled through the SDK (1,100 CLI calls would take minutes).
	var big cliUpload
	g.aws(t, &big, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "big/archive.tar")
	parts := make([]int32, 1100)
	for i := range parts {
		parts[i] = int32(i + 1)
	}
	if err := s3server.UploadParts(context.Background(), g.client(), bucket, "big/archive.tar", big.UploadId, parts, func(n int32) int { return 100 + int(n) }); err != nil {
		t.Fatal(err)
	}
	g.aws(t, nil, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "big/archive.tar") // a second, empty upload
	for _, k := range oddKeys {
		g.aws(t, nil, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", k)
	}

	mnt := g.mount(t)

	// Every upload the CLI lists is reachable, under its exact key, once.
	var listed struct{ Uploads []cliUpload }
	g.aws(t, &listed, "s3api", "list-multipart-uploads", "--bucket", bucket)
	var want, got []string
	for _, u := range listed.Uploads {
		want = append(want, u.Key+" @ "+u.UploadId)
	}
	dirs := map[string]string{} // upload ID -> directory
	err := filepath.WalkDir(filepath.Join(mnt, bucket), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if id := xattr(path, "user.s3.upload-id"); id != "" {
			got = append(got, xattr(path, "user.s3.key")+" @ "+id)
			dirs[id] = path
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("uploads in the mount:\n%q\nthe AWS CLI lists:\n%q", got, want)
	}

	// Parts, sizes, times and ETags of both filled uploads match list-parts.
	for _, u := range []cliUpload{up, big} {
		var lp struct {
			Parts             []cliPart
			ChecksumAlgorithm string
		}
		g.aws(t, &lp, "s3api", "list-parts", "--bucket", bucket, "--key", u.Key, "--upload-id", u.UploadId)
		dir := dirs[u.UploadId]
		lines := strings.Split(strings.TrimSpace(shelltest.Sh(t, "find "+shelltest.Quote(dir)+" -type f -printf '%f %s %T@ %m\\n' | sort")), "\n")
		if len(lines) != len(lp.Parts) {
			t.Fatalf("%s: %d part files, list-parts has %d", u.Key, len(lines), len(lp.Parts))
		}
		etags := getfattrValues(t, dir, "user.s3.etag")
		for i, p := range lp.Parts {
			var name string
			var size int64
			var mtime float64
			var mode int
			fmt.Sscan(lines[i], &name, &size, &mtime, &mode)
			if name != fmt.Sprintf("%05d", p.PartNumber) || size != p.Size || mode != 444 ||
				math.Abs(mtime-float64(p.LastModified.UnixNano())/1e9) > 1e-3 {
				t.Fatalf("%s: part file %q, list-parts %+v", u.Key, lines[i], p)
			}
			if etags[name] != p.ETag {
				t.Fatalf("%s part %s: etag %q, list-parts %q", u.Key, name, etags[name], p.ETag)
			}
			if p.ChecksumSHA256 != "" && xattr(filepath.Join(dir, name), "user.s3.checksum.sha256") != p.ChecksumSHA256 {
				t.Fatalf("%s part %s: checksum differs from %q", u.Key, name, p.ChecksumSHA256)
			}
		}
		stat := shelltest.Sh(t, "stat -c '%Y %a %F' "+shelltest.Quote(dir))
		if want := fmt.Sprintf("%d 555 directory\n", xattrTime(t, dir).Unix()); stat != want {
			t.Fatalf("stat upload dir = %q, want %q", stat, want)
		}
		// versitygw says "null" for no algorithm; uploadfs shows no attribute.
		if alg := strings.ReplaceAll(lp.ChecksumAlgorithm, "null", ""); xattr(dir, "user.s3.checksum-algorithm") != alg {
			t.Fatalf("checksum-algorithm %q, list-parts %q", xattr(dir, "user.s3.checksum-algorithm"), lp.ChecksumAlgorithm)
		}
		var total int64
		for _, p := range lp.Parts {
			total += p.Size
		}
		if xattr(dir, "user.s3.part-count") != fmt.Sprint(len(lp.Parts)) || xattr(dir, "user.s3.total-bytes") != fmt.Sprint(total) {
			t.Fatalf("totals %s/%s, want %d/%d", xattr(dir, "user.s3.part-count"), xattr(dir, "user.s3.total-bytes"), len(lp.Parts), total)
		}
		if du := shelltest.Sh(t, "du -sb "+shelltest.Quote(dir)); !strings.HasPrefix(du, fmt.Sprint(total)+"\t") {
			t.Fatalf("du -sb = %q, want %d", du, total)
		}
	}
	// ls -l shows the parts like any read-only file.
	if out := shelltest.Sh(t, "ls -l "+shelltest.Quote(dirs[up.UploadId])); !strings.Contains(out, "-r--r--r-- 1 ") || !strings.Contains(out, " 3000 ") {
		t.Fatalf("ls -l:\n%s", out)
	}
	if out := shelltest.Sh(t, "ls -A "+shelltest.Quote(filepath.Join(mnt, "e2e-quiet"))); out != "" {
		t.Fatalf("bucket without uploads lists %q", out)
	}
}

func (g *gateway) client() *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(g.url), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(testAccess, testSecret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
}

// xattr reads one extended attribute, "" if absent.
func xattr(path, name string) string {
	buf := make([]byte, 4096)
	n, err := unix.Getxattr(path, name, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func xattrTime(t *testing.T, dir string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, xattr(dir, "user.s3.initiated"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// getfattrValues runs getfattr over every file of dir and returns
// file name -> value of attribute name.
func getfattrValues(t *testing.T, dir, name string) map[string]string {
	t.Helper()
	res := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(shelltest.Sh(t, "cd "+shelltest.Quote(dir)+" && getfattr -n "+name+" -- *")), "\n") {
		switch {
		case strings.HasPrefix(l, "# file: "):
			res[""] = strings.TrimPrefix(l, "# file: ")
		case strings.HasPrefix(l, name+"="):
			v := strings.TrimPrefix(l, name+"=")
			v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
			res[res[""]] = strings.ReplaceAll(v, `\"`, `"`)
		}
	}
	delete(res, "")
	return res
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
