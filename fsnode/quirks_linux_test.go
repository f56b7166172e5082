package fsnode

import (
	"fmt"
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
		mnt, logs := mountQuirk(t, srv.URL, c, "qrk", quirk, 3) // every level pages, and their markers matter
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

// A server that does not say when uploads began (SeaweedFS): each upload
// directory's mtime needs its first page of parts, and `ls -l` over many
// keys fetches them a window ahead, in a few round-trip waves rather than
// one a key; the times are the parts' (three days old here).
func TestNoInitiatedInWaves(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	srv.Clock.Backdate(72 * time.Hour)
	const keys = 100
	for i := range keys {
		oneUpload(t, c, "nin", fmt.Sprintf("u/%03d", i), 1)
	}
	srv.Clock.Backdate(0)
	quirk, err := faultproxy.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(quirk.Close)
	quirk.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.SeaweedUploads })
	p := newSlowProxy(t, quirk.URL, 20*time.Millisecond)
	const workers = 16
	mnt := mountTest(t, Options{Lister: listing.NewS3(through(c, p)), Buckets: []string{"nin"}, Prefetch: workers})
	if n := strings.Count(mustSh(t, "cd "+join(mnt, "nin")+" && ls -l u/*"), "total"); n != keys {
		t.Fatalf("ls -l listed %d key directories, want %d", n, keys)
	}
	waves, inFlight := p.Waves()
	t.Logf("ls -l of %d keys without Initiated: %d round-trip waves, %d requests at once", keys, waves, inFlight)
	if waves*4 > keys || inFlight > workers+2 {
		t.Fatalf("%d waves, %d at once: want a quarter of %d or fewer, at most %d at once", waves, inFlight, keys, workers+2)
	}
	if got := mustSh(t, "cd "+join(mnt, "nin")+" && find u -mindepth 2 -type d -mtime +1 | wc -l"); got != fmt.Sprintf("%d\n", keys) {
		t.Fatalf("upload directories older than a day: %s, want %d", got, keys)
	}
}
