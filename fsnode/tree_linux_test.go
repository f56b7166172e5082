package fsnode

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// groundTruth lists an upload's parts with the SDK's own paginator,
// independently of package listing.
func groundTruth(t *testing.T, c *s3.Client, bucket, key, id string) []types.Part {
	t.Helper()
	var parts []types.Part
	p := s3.NewListPartsPaginator(c, &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: &id})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, out.Parts...)
	}
	return parts
}

// uploadsOf returns the upload IDs of key, straight from the SDK.
func uploadsOf(t *testing.T, c *s3.Client, bucket, key string) []types.MultipartUpload {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket, Prefix: &key})
	if err != nil {
		t.Fatal(err)
	}
	var ups []types.MultipartUpload
	for _, u := range out.Uploads {
		if aws.ToString(u.Key) == key {
			ups = append(ups, u)
		}
	}
	return ups
}

func TestTree(t *testing.T) {
	srv, mnt := seeded(t)
	c := srv.Client()

	if got := shelltest.Sh(t, "ls "+mnt); got != "data-lake\nmedia-uploads\nquiet-bucket\n" {
		t.Fatalf("ls root:\n%s", got)
	}
	if got := shelltest.Sh(t, "ls "+join(mnt, "quiet-bucket")); got != "" {
		t.Fatalf("bucket without uploads lists %q", got)
	}
	if got := shelltest.Sh(t, "ls "+join(mnt, "media-uploads", "videos")); got != "2026\nraw\n" {
		t.Fatalf("ls prefix:\n%s", got)
	}

	// Two uploads of one key, named by upload ID, sorted.
	ups := uploadsOf(t, c, "media-uploads", demo.BigKey)
	var ids []string
	for _, u := range ups {
		ids = append(ids, aws.ToString(u.UploadId))
	}
	slices.Sort(ids)
	keyDir := join(mnt, "media-uploads", demo.BigKey)
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(keyDir)); got != strings.Join(ids, "\n")+"\n" {
		t.Fatalf("ls key dir = %q, want %q", got, ids)
	}

	// Every part of the 2,600-part upload, sorted, with its size and mtime.
	for _, u := range ups {
		id := aws.ToString(u.UploadId)
		want := groundTruth(t, c, "media-uploads", demo.BigKey, id)
		out := shelltest.Sh(t, "find "+shelltest.Quote(join(keyDir, id))+" -type f -printf '%f %s %T@ %m %n\\n'")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != len(want) {
			t.Fatalf("upload %s: %d part files, want %d", id, len(lines), len(want))
		}
		for i, p := range want {
			var name string
			var size, mode, nlink int64
			var mtime float64
			if _, err := fmt.Sscan(lines[i], &name, &size, &mtime, &mode, &nlink); err != nil {
				t.Fatalf("find line %q: %v", lines[i], err)
			}
			wantMtime := float64(p.LastModified.UnixNano()) / 1e9
			if name != fmt.Sprintf("%05d", aws.ToInt32(p.PartNumber)) || size != aws.ToInt64(p.Size) ||
				math.Abs(mtime-wantMtime) > 1e-6 || mode != 444 || nlink != 1 {
				t.Fatalf("part %q, want %05d size %d mtime %f mode 444 nlink 1",
					lines[i], aws.ToInt32(p.PartNumber), aws.ToInt64(p.Size), wantMtime)
			}
		}
		// The upload directory's mtime is Initiated.
		st, err := os.Stat(join(keyDir, id))
		if err != nil {
			t.Fatal(err)
		}
		if !st.ModTime().Equal(aws.ToTime(u.Initiated)) || st.Mode().Perm() != 0o555 || !st.IsDir() {
			t.Fatalf("upload dir: mtime %v mode %v; want %v dr-xr-xr-x", st.ModTime(), st.Mode(), u.Initiated)
		}
	}

	// A sparse upload shows only its parts; an upload without parts is empty.
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(join(mnt, "media-uploads", demo.SparseKey))+"/*/"); got != "00001\n00002\n00005\n00009\n00100\n" {
		t.Fatalf("sparse upload lists:\n%s", got)
	}
	if got := shelltest.Sh(t, "ls -A "+shelltest.Quote(join(mnt, "data-lake", demo.EmptyKey))+"/*/"); got != "" {
		t.Fatalf("upload without parts lists %q", got)
	}

	// du counts uploaded bytes: st_blocks follows the size.
	var want int64
	for _, u := range ups {
		for _, p := range groundTruth(t, c, "media-uploads", demo.BigKey, aws.ToString(u.UploadId)) {
			want += aws.ToInt64(p.Size)
		}
	}
	if got := shelltest.Sh(t, "du -sb "+shelltest.Quote(keyDir)); !strings.HasPrefix(got, strconv.FormatInt(want, 10)+"\t") {
		t.Fatalf("du -sb = %q, want %d bytes", got, want)
	}
	if got := shelltest.Sh(t, "du -sk "+shelltest.Quote(keyDir)); !strings.HasPrefix(got, strconv.FormatInt(want/1024, 10)+"\t") {
		t.Fatalf("du -sk = %q, want %d KiB (st_blocks)", got, want/1024)
	}
}

func TestOddKeyIsReachable(t *testing.T) {
	srv, mnt := seeded(t)
	// exports/odd names/q3 report%20final/..//résumé.pdf
	keyDir := join(mnt, "data-lake", "exports", "odd names", "q3 report%2520final", "%2E%2E", "%", "résumé.pdf")
	out, err := shelltest.Run(t, "getfattr --absolute-names --only-values -n user.s3.key "+shelltest.Quote(keyDir))
	if err != nil || out != demo.OddKey {
		t.Fatalf("user.s3.key = %q, %v; want %q", out, err, demo.OddKey)
	}
	ups := uploadsOf(t, srv.Client(), "data-lake", demo.OddKey)
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(keyDir)); got != aws.ToString(ups[0].UploadId)+"\n" {
		t.Fatalf("ls odd key dir: %q", got)
	}
}

// Inode numbers are the same in readdir and stat, and across mounts.
func TestInodesStable(t *testing.T) {
	srv, mnt := seeded(t)
	dir := join(mnt, "media-uploads", demo.SparseKey)
	inos := func(mnt string) map[string]uint64 {
		out := shelltest.Sh(t, "find "+shelltest.Quote(mnt)+" -printf '%i %P\\n'")
		m := map[string]uint64{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			ino, path, _ := strings.Cut(l, " ")
			n, _ := strconv.ParseUint(ino, 10, 64)
			if n == 0 {
				t.Fatalf("inode 0 for %q", path)
			}
			m[path] = n
		}
		return m
	}
	first := inos(mnt)
	seen := map[uint64]string{}
	for p, n := range first {
		if other, dup := seen[n]; dup {
			t.Fatalf("%q and %q share inode %d", p, other, n)
		}
		seen[n] = p
	}
	// readdir's d_ino equals stat's st_ino.
	for name, ino := range direntInos(t, dir) {
		var st unix.Stat_t
		if err := unix.Lstat(join(dir, name), &st); err != nil {
			t.Fatal(err)
		}
		if st.Ino != ino {
			t.Fatalf("%s: readdir ino %d, stat ino %d", name, ino, st.Ino)
		}
	}
	second := mountTest(t, Options{Lister: listing.NewS3(srv.Client())})
	if got := inos(second); !maps.Equal(got, first) {
		t.Fatal("inode numbers differ between two mounts of the same tree")
	}
}

// direntInos reads dir with getdents and returns each entry's d_ino.
func direntInos(t *testing.T, dir string) map[string]uint64 {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	res := map[string]uint64{}
	buf := make([]byte, 1<<16)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return res
		}
		for off := 0; off < n; {
			ino := *(*uint64)(unsafe.Pointer(&buf[off]))
			reclen := int(buf[off+16]) | int(buf[off+17])<<8
			name := buf[off+19 : off+reclen]
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				res[s] = ino
			}
			off += reclen
		}
	}
}

func TestReadOnly(t *testing.T) {
	_, mnt := seeded(t)
	dir := join(mnt, "media-uploads", demo.SparseKey)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	up := join(dir, entries[0].Name())
	part := join(up, "00001")
	for name, err := range map[string]error{
		"create":   func() error { _, err := os.Create(join(up, "new")); return err }(),
		"write":    os.WriteFile(part, []byte("x"), 0o644),
		"mkdir":    os.Mkdir(join(mnt, "media-uploads", "new"), 0o755),
		"rmdir":    os.Remove(up),
		"unlink":   os.Remove(part),
		"rename":   os.Rename(part, join(up, "00003")),
		"chmod":    os.Chmod(part, 0o666),
		"truncate": os.Truncate(part, 0),
		"setxattr": unix.Setxattr(part, "user.x", []byte("1"), 0),
		"symlink":  os.Symlink("x", join(up, "link")),
		"utimes":   os.Chtimes(part, time.Now(), time.Now()),
	} {
		if !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
	}
	// Reading a part is impossible before completion: ENOTSUP at once.
	start := time.Now()
	_, err = os.ReadFile(part)
	if !errors.Is(err, syscall.ENOTSUP) || time.Since(start) > 5*time.Second {
		t.Fatalf("read part: %v after %v, want ENOTSUP at once", err, time.Since(start))
	}
	if out, err := shelltest.Run(t, "cat "+shelltest.Quote(part)); err == nil || !strings.Contains(out, "Operation not supported") {
		t.Fatalf("cat part: %q, %v", out, err)
	}
}
