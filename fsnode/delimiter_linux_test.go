package fsnode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// Servers whose delimiter or prefix loses keys, or whose keys come
// URL-encoded without saying so (faultproxy's delimiter.go: Ceph RGW,
// storj, versitygw before v1.9), mounted: `find` shows the tree a correct
// server gives, every upload at its path, and the log says what the
// listing found.
func TestDelimiterTree(t *testing.T) {
	srv := s3server.StartT(t)
	c := srv.Client()
	// With pages of three, the first page without the delimiter holds
	// only the keys 0a… of the top level: what the delimiter lost shows at
	// the level's end.
	for _, k := range []string{"0a.bin", "0b.bin", "0c.bin", "top.bin", "top.bin", "videos/2026/clip.mp4", "deep/a/b/c/d/e.bin", "logs/app 1.log",
		"pct%41.bin", "with space/z.bin", "odd+key.bin", "a/x.bin", "a/b/y.bin", "zz/last.bin"} {
		oneUpload(t, c, "dlm", k, 2)
	}
	tree := func(quirk faultproxy.Fault, pageSize int32) (string, []string) {
		mnt, logs := quirkMount(t, srv, quirk, "dlm", pageSize)
		return shelltest.Sh(t, "cd "+mnt+" && find . -printf '%y %P %s\\n' | LC_ALL=C sort"), logs.lines()
	}
	want, _ := tree(faultproxy.None, 1000)
	for _, k := range []string{"dlm/videos/2026/clip.mp4/", "dlm/deep/a/b/c/d/e.bin/", "dlm/logs/app 1.log/", "dlm/pct%2541.bin/", "dlm/odd+key.bin/"} {
		if !strings.Contains(want, k) {
			t.Fatalf("no %s on a correct server:\n%s", k, want)
		}
	}
	for _, tc := range []struct {
		quirk faultproxy.Fault
		log   string // a line the log must have
	}{
		{faultproxy.DelimiterIgnored, "ignores the delimiter"},
		{faultproxy.DelimiterDrops, "the bucket is listed without the delimiter"},
		{faultproxy.PrefixEmpty, "listed nothing at prefix"},
		{faultproxy.SilentEncoding, "URL-encodes keys without saying so"},
		{faultproxy.RGW, "the bucket is listed without the delimiter"},
	} {
		for _, pageSize := range []int32{1000, 3} {
			t.Run(fmt.Sprintf("%s/page%d", tc.quirk, pageSize), func(t *testing.T) {
				got, logs := tree(tc.quirk, pageSize)
				all := strings.Join(logs, "\n")
				if got != want {
					t.Fatalf("the tree:\n%s\nwant\n%s\nlog:\n%s", got, want, all)
				}
				if !strings.Contains(all, tc.log) {
					t.Fatalf("no log line saying %q:\n%s", tc.log, all)
				}
			})
		}
	}
}
