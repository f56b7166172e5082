package fsnode

import (
	"errors"
	"maps"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// getfattrDump runs `getfattr -d` and returns name → value.
func getfattrDump(t *testing.T, path string) map[string]string {
	t.Helper()
	out := shelltest.Sh(t, "getfattr --absolute-names -d "+shelltest.Quote(path))
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if name, v, ok := strings.Cut(l, "="); ok {
			m[name] = v
		}
	}
	return m
}

func TestXattrs(t *testing.T) {
	shelltest.Need(t, "getfattr")
	srv, mnt := seeded(t)
	c := srv.Client()
	up := uploadsOf(t, c, "media-uploads", demo.SparseKey)[0]
	id := aws.ToString(up.UploadId)
	upDir := join(mnt, "media-uploads", demo.SparseKey, id)
	parts := groundTruth(t, c, "media-uploads", demo.SparseKey, id)
	var total int64
	for _, p := range parts {
		total += aws.ToInt64(p.Size)
	}

	got := getfattrDump(t, upDir)
	want := map[string]string{
		"user.s3.bucket":        `"media-uploads"`,
		"user.s3.key":           `"` + demo.SparseKey + `"`,
		"user.s3.upload-id":     `"` + id + `"`,
		"user.s3.initiated":     `"` + aws.ToTime(up.Initiated).UTC().Format(time.RFC3339) + `"`,
		"user.s3.storage-class": `"STANDARD"`,
		"user.s3.part-count":    `"5"`,
		"user.s3.total-bytes":   `"` + strconv.FormatInt(total, 10) + `"`,
	}
	if !maps.Equal(got, want) {
		t.Fatalf("upload dir xattrs\n%v\nwant\n%v", got, want)
	}

	p := parts[2]
	got = getfattrDump(t, join(upDir, "00005"))
	want = map[string]string{
		"user.s3.etag":        `"` + strings.ReplaceAll(aws.ToString(p.ETag), `"`, `\"`) + `"`,
		"user.s3.part-number": `"5"`,
	}
	if !maps.Equal(got, want) {
		t.Fatalf("part xattrs\n%v\nwant\n%v", got, want)
	}

	keyDir := join(mnt, "media-uploads", demo.SparseKey)
	if got := getfattrDump(t, keyDir); !maps.Equal(got, map[string]string{"user.s3.key": `"` + demo.SparseKey + `"`}) {
		t.Fatalf("key dir xattrs %v", got)
	}
	// A pure prefix has no key.
	if got := getfattrDump(t, join(mnt, "media-uploads", "videos")); len(got) != 0 {
		t.Fatalf("prefix dir xattrs %v, want none", got)
	}
}

// The xattr contract the kernel, ls and Finder rely on.
func TestXattrErrors(t *testing.T) {
	_, mnt := seeded(t)
	dirs, err := os.ReadDir(join(mnt, "media-uploads", demo.SparseKey))
	if err != nil {
		t.Fatal(err)
	}
	part := join(mnt, "media-uploads", demo.SparseKey, dirs[0].Name(), "00001")
	for _, path := range []string{mnt, join(mnt, "media-uploads"), part} {
		buf := make([]byte, 256)
		// Names outside user.* are refused locally with ENOTSUP.
		for _, name := range []string{"security.selinux", "system.posix_acl_access", "trusted.x"} {
			if _, err := unix.Getxattr(path, name, buf); !errors.Is(err, syscall.ENOTSUP) {
				t.Errorf("%s %s: %v, want ENOTSUP", path, name, err)
			}
		}
		// A missing user attribute is ENODATA (ENOATTR).
		if _, err := unix.Getxattr(path, "user.s3.nope", buf); !errors.Is(err, syscall.ENODATA) {
			t.Errorf("%s user.s3.nope: %v, want ENODATA", path, err)
		}
	}
	// Size query, exact buffer, and ERANGE for a short one.
	n, err := unix.Getxattr(part, "user.s3.part-number", nil)
	if err != nil || n != 1 {
		t.Fatalf("size query: %d, %v", n, err)
	}
	if _, err := unix.Getxattr(part, "user.s3.etag", make([]byte, 3)); !errors.Is(err, syscall.ERANGE) {
		t.Fatalf("short buffer: %v, want ERANGE", err)
	}
	n, err = unix.Listxattr(part, nil)
	if err != nil || n == 0 {
		t.Fatalf("listxattr size: %d, %v", n, err)
	}
	buf := make([]byte, n)
	if _, err := unix.Listxattr(part, buf); err != nil {
		t.Fatal(err)
	}
	names := strings.Split(strings.TrimRight(string(buf), "\x00"), "\x00")
	sort.Strings(names)
	if strings.Join(names, ",") != "user.s3.etag,user.s3.part-number" {
		t.Fatalf("listxattr = %q", names)
	}
	if _, err := unix.Listxattr(part, make([]byte, 2)); !errors.Is(err, syscall.ERANGE) {
		t.Fatalf("listxattr short buffer: %v, want ERANGE", err)
	}
}
