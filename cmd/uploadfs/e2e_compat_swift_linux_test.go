package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// TestCompatSwift runs the compatibility check of TestCompat against
// OpenStack Swift's S3 API (make compat-swift; skipped otherwise):
// UPLOADFS_COMPAT_SWIFT names the script that starts a one-node Swift on
// loopback (test/swift/swift-s3.sh). Besides the common tree, the keys are
// chosen to meet Swift's listing quirks: a key that is also a prefix
// (videos, videos/clip.mp4: Swift's prefix videos/ also returns the key
// videos), keys that Swift orders by key + "/" + upload ID (a!, a.b,
// a/2026/x around a, which has two uploads), prefixes with a space, a
// '%' and a '+' (Swift's CommonPrefixes are never URL-encoded, its keys
// are: p%41q/ read as encoded would be pAq/), and a level of
// exactly two pages of uploads (Swift caps pages at 1,000, marks a page
// truncated when exactly a page remains, and a ranged listing's key
// marker alone becomes key/~ there).
func TestCompatSwift(t *testing.T) {
	script := os.Getenv("UPLOADFS_COMPAT_SWIFT")
	if script == "" {
		t.Skip("make compat-swift runs this against OpenStack Swift")
	}
	url, dir := startScript(t, script)
	g, c := compatGateway(t, url, "test:tester", "testing")
	seedCompat(t, g, c, []string{"videos", "videos/clip.mp4", "a", "a", "a!", "a.b", "a/2026/x", "p%41q/r.bin", "plus+dir/s.bin"})
	bulk := make([]string, 2000)
	for i := range bulk {
		bulk[i] = fmt.Sprintf("many/f%04d.bin", i)
	}
	if err := s3server.StartUploads(t.Context(), c, "compat", bulk); err != nil {
		t.Fatal(err)
	}
	checkCompat(t, g, c, "Swift", "many/")
	all, failed := uploadsRequests(t, filepath.Join(dir, "proxy.log"))
	t.Logf("Swift: uploadfs sent %d ListMultipartUploads (%d answered with an error status)", all, failed)
}

// swiftListUploads is a ListMultipartUploads of the bucket compat sent by
// the SDK in the proxy's log (the S3 request, not Swift's subrequests),
// with its status. The test's own SDK calls send none: they are uploadfs's.
var swiftListUploads = regexp.MustCompile(`GET /compat%3F\S*uploads%3D\S* HTTP/1\.[01] (\d{3}) - aws-sdk-go-v2`)

// uploadsRequests counts them: all, and those answered with an error
// status (a page uploadfs rejects itself was answered 200).
func uploadsRequests(t *testing.T, log string) (all, failed int) {
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range swiftListUploads.FindAllSubmatch(data, -1) {
		all++
		if string(m[1]) != "200" {
			failed++
		}
	}
	return all, failed
}

// startScript starts a server with script (test/swift/swift-s3.sh,
// test/ceph/ceph-s3.sh: "start DIR" prints its endpoint) in a temporary
// directory, stopped when the test ends; it returns the endpoint and the
// directory.
func startScript(t *testing.T, script string) (url, dir string) {
	dir = t.TempDir()
	var out, errs bytes.Buffer
	start := exec.Command(script, "start", dir)
	start.Stdout, start.Stderr = &out, &errs
	err := start.Run()
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", dir).CombinedOutput(); err != nil {
			t.Logf("%s stop: %v\n%s", script, err, out)
		}
	})
	if err != nil {
		t.Fatalf("%s start: %v\n%s", script, err, errs.String())
	}
	return strings.TrimSpace(out.String()), dir
}
