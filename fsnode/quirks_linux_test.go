package fsnode

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/listing"
)

// The quirks of the S3 servers people run (the testbed notes), reproduced
// in the fault proxy: each gives the same tree as a correct server, or
// says what it cannot give, never a silently partial tree.
func TestServerQuirks(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	srv.Clock.Backdate(72 * time.Hour) // uploads three days old
	for _, k := range []string{"top.bin", "top.bin", "a/x.bin", "a/b/y.bin", "odd+key%41.bin", "pct/100%.bin", "with space.bin"} {
		oneUpload(t, c, "qrk", k, 2)
	}
	for i := range 12 {
		oneUpload(t, c, "qrk", fmt.Sprintf("many/k%02d", i), 1)
	}
	oneUpload(t, c, "qrk", "big", 2100)
	srv.Clock.Backdate(0)

	tree := func(quirk faultproxy.Fault) (string, string, []string) {
		p, err := faultproxy.New(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		p.SetRule(func(faultproxy.Request) faultproxy.Fault { return quirk })
		l := listing.NewS3(through(c, p))
		l.PageSize = 3 // every level pages, and their markers matter
		logs := &syncBuffer{}
		mnt := mountTest(t, Options{Lister: l, Buckets: []string{"qrk"}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		// The recipe for old uploads first, on a fresh mount: no part
		// listing in hand yet.
		old := mustSh(t, "cd "+mnt+" && find qrk -mindepth 2 -type d -mtime +1 | wc -l")
		files := mustSh(t, "cd "+mnt+" && find . -printf '%y %P %s\\n' | LC_ALL=C sort | md5sum")
		return files, old, logs.lines()
	}
	want, wantOld, _ := tree(faultproxy.None)
	if wantOld == "0\n" {
		t.Fatal("no upload directory is older than a day on a correct server")
	}
	for _, tc := range []struct {
		quirk faultproxy.Fault
		log   string // a line the log must have
	}{
		{faultproxy.SeaweedParts, ""},
		{faultproxy.SeaweedUploads, "not URL-encoded"},
		{faultproxy.VersityMarker, "refused its own upload-id marker"},
		{faultproxy.MinIOFlat, "ignores the delimiter"},
	} {
		t.Run(tc.quirk.String(), func(t *testing.T) {
			got, old, logs := tree(tc.quirk)
			if got != want {
				t.Fatalf("the tree differs from a correct server's")
			}
			if old != wantOld {
				t.Fatalf("%s upload directories older than a day, want %s", strings.TrimSpace(old), strings.TrimSpace(wantOld))
			}
			if tc.log != "" && !strings.Contains(strings.Join(logs, "\n"), tc.log) {
				t.Fatalf("no log line saying %q:\n%s", tc.log, strings.Join(logs, "\n"))
			}
		})
	}
}
