package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/regionproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// regionWorld is an account with a bucket in each of three regions, seen
// through the tests' multi-region front; uploadfs's default region is
// us-east-1.
func regionWorld(t *testing.T) (*regionproxy.World, *gateway) {
	t.Helper()
	w, err := regionproxy.Start("us-east-1", "eu-west-1", "ap-south-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	seed := map[string]map[string][]int32{
		"us-east-1":  {"east": nil, "east/a/x.bin": {1, 2}, "east/top.bin": {1}},
		"eu-west-1":  {"west": nil, "west/b/y.bin": {1, 2, 3}},
		"ap-south-1": {"south": nil, "south/z.bin": {1}},
	}
	for region, objects := range seed {
		c := w.Servers[region].Client()
		for path := range objects {
			bucket, key, _ := strings.Cut(path, "/")
			if key == "" {
				s3server.CreateBuckets(t, c, bucket)
			}
		}
		for path, parts := range objects {
			if bucket, key, _ := strings.Cut(path, "/"); key != "" {
				if _, err := s3server.CreateUpload(t.Context(), c, bucket, key, parts, func(n int32) int { return 100 * int(n) }); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return w, &gateway{url: w.URL, env: append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+testAccess, "AWS_SECRET_ACCESS_KEY="+testSecret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")}
}

// answered counts the requests the front answered with status itself.
func answered(seen []regionproxy.Seen, status int) int {
	n := 0
	for _, s := range seen {
		if s.Answer == status {
			n++
		}
	}
	return n
}

// walk is what the tests check of a mount: every part's bucket, path and
// size, and the bytes du counts.
func walkMount(t *testing.T, mnt string) (files, du string) {
	t.Helper()
	files = shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && find . -type f -printf '%h %f %s\\n' | sed 's|/[^/ ]* | |' | LC_ALL=C sort")
	du = shelltest.Sh(t, "du -sb "+shelltest.Quote(mnt)+" | cut -f1")
	return files, du
}

const wantRegionFiles = `./east/a/x.bin 00001 100
./east/a/x.bin 00002 200
./east/top.bin 00001 100
./south/z.bin 00001 100
./west/b/y.bin 00001 100
./west/b/y.bin 00002 200
./west/b/y.bin 00003 300
`

// Every bucket of an account whose buckets live in three regions is listed
// whole with ls, find, du and getfattr; with ListBuckets naming regions
// there is no redirect at all, without it one per bucket outside the
// default region.
func TestRegionsEndToEnd(t *testing.T) {
	w, g := regionWorld(t)
	for _, tc := range []struct {
		name      string
		noRegion  bool
		redirects int
	}{
		{"ListBuckets names the regions", false, 0},
		{"a server that does not name them", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.SetModes(regionproxy.Modes{NoBucketRegion: tc.noRegion})
			mnt := g.mount(t)
			w.Seen()
			if got := shelltest.Sh(t, "ls "+shelltest.Quote(mnt)); got != "east\nsouth\nwest\n" {
				t.Fatalf("ls: %q", got)
			}
			files, _ := walkMount(t, mnt)
			if files != wantRegionFiles {
				t.Fatalf("find:\n%s\nwant:\n%s", files, wantRegionFiles)
			}
			for _, b := range []string{"east", "west", "south"} {
				dir := shelltest.Sh(t, "find "+shelltest.Quote(filepath.Join(mnt, b))+" -mindepth 2 -type d -name '*' | tail -1")
				if got := xattr(strings.TrimSpace(dir), "user.s3.bucket"); got != b {
					t.Fatalf("user.s3.bucket of %s: %q", dir, got)
				}
			}
			seen := w.Seen()
			if n := answered(seen, 301); n != tc.redirects {
				t.Fatalf("%d redirects, want %d", n, tc.redirects)
			}
			if n := answered(seen, 400) + answered(seen, 500) + answered(seen, 404); n != 0 {
				t.Fatalf("%d errors", n)
			}
		})
	}
	// Every part's bytes, in every region (directories count 0).
	if _, du := walkMount(t, g.mount(t)); du != "1100\n" {
		t.Fatalf("du -sb: %q, want 1100", du)
	}
}

// --bucket of a bucket in another region mounts and works, through a 301
// (the probe learns the region, the mount inherits it) or a 400
// AuthorizationHeaderMalformed that names no header (HeadBucket learns it).
func TestBucketInAnotherRegion(t *testing.T) {
	w, g := regionWorld(t)
	for _, mode400 := range []bool{false, true} {
		w.SetModes(regionproxy.Modes{Mode400: mode400})
		w.Seen()
		mnt := g.mount(t, "--bucket", "west", "--debug", "--log-file", filepath.Join(t.TempDir(), "log"))
		got := shelltest.Sh(t, "find "+shelltest.Quote(mnt)+" -type f -printf '%s\\n' | sort -n | tr '\\n' ' '")
		if got != "100 200 300 " {
			t.Fatalf("400 mode %v: sizes %q", mode400, got)
		}
		if n := answered(w.Seen(), 301) + answered(w.Seen(), 400); n > 2 {
			t.Fatalf("400 mode %v: %d wrong-region answers", mode400, n)
		}
	}
}

// Requester pays: the header is on every listing request. An expected
// bucket owner: sent, and a bucket of another owner is refused, at mount
// time with one clear line, later with EACCES.
func TestRequestOptions(t *testing.T) {
	w, g := regionWorld(t)
	mnt := g.mount(t, "--request-payer", "requester")
	w.Seen()
	if files, _ := walkMount(t, mnt); files != wantRegionFiles {
		t.Fatalf("find with --request-payer:\n%s", files)
	}
	listings := 0
	for _, s := range w.Seen() {
		if s.Op != "ListMultipartUploads" && s.Op != "ListParts" {
			continue
		}
		listings++
		if s.Header.Get("x-amz-request-payer") != "requester" {
			t.Fatalf("%s of %s without x-amz-request-payer", s.Op, s.Bucket)
		}
	}
	if listings == 0 {
		t.Fatal("no listing request seen")
	}

	w.SetModes(regionproxy.Modes{Owners: map[string]string{"west": "111111111111"}})
	r := uploadfs(t, g.env, "mount", "--endpoint-url", g.url, "--path-style", "--bucket", "west",
		"--expected-bucket-owner", "222222222222", t.TempDir())
	oneLine(t, r, 1, "access denied")
	if !strings.Contains(r.stderr, "expected owner 222222222222") {
		t.Fatalf("the refusal does not name the expected owner: %s", r.stderr)
	}
	mnt = g.mount(t, "--expected-bucket-owner", "111111111111", "--log-file", filepath.Join(t.TempDir(), "log"))
	if got := shelltest.Sh(t, "find "+shelltest.Quote(filepath.Join(mnt, "west"))+" -type f | wc -l"); got != "3\n" {
		t.Fatalf("west with its owner: %q", got)
	}
	out, _ := exec.Command("ls", filepath.Join(mnt, "east")).CombinedOutput()
	if !strings.Contains(string(out), "Permission denied") {
		t.Fatalf("ls of a bucket of another owner: %q, want Permission denied", out)
	}
}

// An access point by ARN (the SDK sends it to the ARN's region, to the
// host NAME-ACCOUNT.<endpoint host>, which the test reaches through
// HTTP_PROXY) and one by alias (a bucket name, in the region of its
// bucket): both mount, show every upload under a file-safe name, and name
// themselves exactly in user.s3.bucket.
func TestAccessPoints(t *testing.T) {
	w, g := regionWorld(t)
	byARN := regionproxy.AccessPoint{Name: "uploads-ap", Account: "123456789012", Bucket: "west"}
	byAlias := regionproxy.AccessPoint{Name: "south-ap", Account: "123456789012", Bucket: "south", Alias: "south-ap-k3x9q2mzvb7wt5a1d0p-s3alias"}
	w.SetModes(regionproxy.Modes{AccessPoints: []regionproxy.AccessPoint{byARN, byAlias}})
	arn := byARN.ARN("eu-west-1")
	env := append(g.env, "HTTP_PROXY="+w.URL, "http_proxy="+w.URL, "NO_PROXY=", "no_proxy=")
	mnt := t.TempDir()
	// No --path-style: the SDK refuses it for ARNs (and asks an IP
	// endpoint path-style by itself).
	r := uploadfs(t, env, "mount", "--endpoint-url", w.URL, "--bucket", arn, "--bucket", byAlias.Alias, mnt)
	if r.code != 0 {
		t.Fatalf("mount: exit %d: %s", r.code, r.stderr)
	}
	t.Cleanup(func() { unmountForTest(t, mnt) })
	w.Seen()

	escaped := "arn:aws:s3:eu-west-1:123456789012:accesspoint%2Fuploads-ap"
	if got := shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && LC_ALL=C ls"); got != escaped+"\n"+byAlias.Alias+"\n" {
		t.Fatalf("ls: %q", got)
	}
	want := "./" + escaped + "/b/y.bin 00001 100\n./" + escaped + "/b/y.bin 00002 200\n./" + escaped + "/b/y.bin 00003 300\n" +
		"./" + byAlias.Alias + "/z.bin 00001 100\n"
	files := shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && find . -type f -printf '%h %f %s\\n' | sed 's|/[^/ ]* | |' | LC_ALL=C sort")
	if files != want {
		t.Fatalf("find:\n%s\nwant:\n%s", files, want)
	}
	for dir, name := range map[string]string{escaped + "/b/y.bin": arn, byAlias.Alias + "/z.bin": byAlias.Alias} {
		up := strings.TrimSpace(shelltest.Sh(t, "find "+shelltest.Quote(filepath.Join(mnt, dir))+" -mindepth 1 -maxdepth 1 -type d"))
		if got := xattr(up, "user.s3.bucket"); got != name {
			t.Fatalf("user.s3.bucket of %s: %q, want %q", up, got, name)
		}
	}
	viaARN := 0
	for _, s := range w.Seen() {
		if s.AccessPoint == byARN.Name {
			viaARN++
			if s.Region != "eu-west-1" || s.Answer != 0 {
				t.Fatalf("%s through the ARN signed for %q, answered %d", s.Op, s.Region, s.Answer)
			}
		}
	}
	if viaARN == 0 {
		t.Fatal("no request reached the access point by its ARN")
	}
}

// Directory buckets (S3 Express One Zone) through the front: listed with
// ListDirectoryBuckets in each --directory-bucket-region (they are not in
// ListBuckets), asked with session
// credentials, their unsorted pages of three with opaque markers gathered
// whole and shown sorted. One in another region mounts with --bucket and
// is asked in its region from the first request (its zone ID says it).
func TestDirectoryBucketsEndToEnd(t *testing.T) {
	w, g := regionWorld(t)
	dirs := map[string]string{"us-east-1": "data--use1-az4--x-s3", "ap-south-1": "media--aps1-az1--x-s3"}
	var want []string
	for region, bucket := range dirs {
		c := s3.New(w.Servers[region].Client().Options(), func(o *s3.Options) { o.DisableS3ExpressSessionAuth = aws.Bool(true) })
		s3server.CreateBuckets(t, c, bucket)
		keys := []string{"logs/a.bin", "logs/b.bin", "twice"}
		for i := range 8 {
			keys = append(keys, fmt.Sprintf("k%d", 7-i))
		}
		keys = append(keys, "twice")
		for i, key := range keys {
			if _, err := s3server.CreateUpload(t.Context(), c, bucket, key, []int32{1}, func(int32) int { return 10 + i }); err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprintf("./%s/%s 00001 %d", bucket, key, 10+i))
		}
	}
	slices.Sort(want)
	checkDir := func(t *testing.T, mnt string, buckets ...string) {
		t.Helper()
		var wantHere []string
		for _, line := range want {
			for _, b := range buckets {
				if strings.HasPrefix(line, "./"+b+"/") {
					wantHere = append(wantHere, line)
				}
			}
		}
		files := shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && find "+strings.Join(buckets, " ")+" -type f -printf './%h %f %s\\n' | sed 's|/[^/ ]* | |' | LC_ALL=C sort")
		if files != strings.Join(wantHere, "\n")+"\n" {
			t.Fatalf("find:\n%s\nwant:\n%s", files, strings.Join(wantHere, "\n"))
		}
		for _, b := range buckets {
			// find reads in uploadfs's own order: sorted, whatever the
			// pages' order was.
			names := shelltest.Sh(t, "find "+shelltest.Quote(filepath.Join(mnt, b))+" -mindepth 1 -maxdepth 1 -printf '%f\\n'")
			if sorted := shelltest.Sh(t, "find "+shelltest.Quote(filepath.Join(mnt, b))+" -mindepth 1 -maxdepth 1 -printf '%f\\n' | LC_ALL=C sort"); names != sorted {
				t.Fatalf("%s in the order\n%s", b, names)
			}
		}
	}

	// (On AWS the default region is asked too; with --endpoint-url only
	// the regions given.)
	mnt := g.mount(t, "--directory-bucket-region", "us-east-1", "--directory-bucket-region", "ap-south-1")
	if got := shelltest.Sh(t, "cd "+shelltest.Quote(mnt)+" && LC_ALL=C ls"); got != "data--use1-az4--x-s3\neast\nmedia--aps1-az1--x-s3\nsouth\nwest\n" {
		t.Fatalf("ls: %q", got)
	}
	checkDir(t, mnt, dirs["us-east-1"], dirs["ap-south-1"])
	seen := w.Seen()
	asked := map[string]int{}
	sessions, pages := 0, 0
	for _, s := range seen {
		switch {
		case s.Answer != 0 && s.Answer != 200:
			t.Fatalf("%s of %q signed for %s answered %d", s.Op, s.Bucket, s.Region, s.Answer)
		case s.Op == "ListDirectoryBuckets":
			asked[s.Region]++
		case s.Op == "CreateSession":
			sessions++
		case s.Op == "ListMultipartUploads" && regionproxy.IsDirectory(s.Bucket):
			pages++
			if s.Header.Get("x-amz-s3session-token") == "" {
				t.Fatalf("ListMultipartUploads of %s without session credentials", s.Bucket)
			}
		}
	}
	if len(asked) != 2 || asked["us-east-1"] < 2 || asked["ap-south-1"] < 2 {
		t.Fatalf("ListDirectoryBuckets asked %v: want every page of us-east-1 and ap-south-1", asked)
	}
	if sessions == 0 || pages < 8 {
		t.Fatalf("%d sessions, %d pages of directory-bucket uploads", sessions, pages)
	}

	mnt = g.mount(t, "--bucket", dirs["ap-south-1"])
	// Looked up by name before any listing (a directory bucket takes only
	// prefixes ending in "/"): found, or ENOENT, never EIO.
	dir := filepath.Join(mnt, dirs["ap-south-1"])
	if got := shelltest.Sh(t, "stat -c %F "+shelltest.Quote(filepath.Join(dir, "logs", "b.bin"))+" "+shelltest.Quote(filepath.Join(dir, "twice"))); got != "directory\ndirectory\n" {
		t.Fatalf("stat by name: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "nothing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat of a missing key: %v, want ENOENT", err)
	}
	checkDir(t, mnt, dirs["ap-south-1"])
	for _, s := range w.Seen() {
		if s.Answer != 0 && s.Answer != 200 {
			t.Fatalf("--bucket: %s of %q signed for %s answered %d", s.Op, s.Bucket, s.Region, s.Answer)
		}
	}
}
