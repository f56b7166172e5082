package fsnode

import (
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
)

// OpenStack Swift's s3api (faultproxy.Swift), mounted: the level videos/
// also lists the uploads of the key videos, uploads come in KEY/UPLOADID
// order, key markers skip the keys after them, keys are URL-encoded and
// common prefixes not. The tree `find` shows is the one a correct server
// gives, and videos/ lists (it was Input/output error).
func TestSwiftTree(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	for _, k := range []string{"videos", "videos/clip.mp4", "a", "a", "a!", "a.b", "a/2026/x", "a/x.bin", "a/b/y.bin",
		"with space/z.bin", "odd+key%41.bin", "p%41q/r.bin", "top.bin"} {
		oneUpload(t, c, "swf", k, 2)
	}
	for _, k := range []string{"many/k00", "many/k01", "many/k01.bak", "many/k01-2", "many/k02", "many/k03", "many/k04", "many/k05"} {
		oneUpload(t, c, "swf", k, 1)
	}
	tree := func(quirk faultproxy.Fault, pageSize int32) (string, string, []string) {
		mnt, logs := mountQuirk(t, srv.URL, c, "swf", quirk, pageSize)
		videos := mustSh(t, "cd "+mnt+"/swf/videos && find . -mindepth 1 -maxdepth 1 -printf '%y %P\\n' | LC_ALL=C sort")
		files := mustSh(t, "cd "+mnt+" && find . -printf '%y %P %s\\n' | LC_ALL=C sort")
		return files, videos, logs.lines()
	}
	// The tree in one page a level (gofakes3 drops the common prefixes
	// between a full page and the next upload), and on Swift with pages of
	// three: every level pages, and its markers matter.
	want, wantVideos, _ := tree(faultproxy.None, 1000)
	if !strings.Contains(wantVideos, "d clip.mp4") {
		t.Fatalf("videos/ on a correct server:\n%s", wantVideos)
	}
	got, videos, logs := tree(faultproxy.Swift, 3)
	if videos != wantVideos {
		t.Fatalf("videos/ on Swift:\n%s\nwant\n%s", videos, wantVideos)
	}
	if got != want {
		t.Fatalf("the tree on Swift:\n%s\nwant\n%s\nlog:\n%s", got, want, strings.Join(logs, "\n"))
	}
	all := strings.Join(logs, "\n")
	if n := strings.Count(all, "outside the requested prefix"); n != 1 {
		t.Fatalf("%d log lines about entries outside the prefix, want one (once per bucket):\n%s", n, all)
	}
}
