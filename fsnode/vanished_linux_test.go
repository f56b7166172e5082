package fsnode

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/listing"
)

// Uploads a level listed whose parts' listing is then not found
// (NoSuchUpload; NoSuchKey, as Ceph RGW answers) are ENOENT, and said at
// Warn once per level with a sample key; the others of the same level at
// Info.
func TestVanishedOncePerLevel(t *testing.T) {
	srv := startServer(t)
	c := srv.Client()
	keys := []string{"kept", "gone0", "a/kept", "a/gone1", "a/gone2", "a/gone3", "b/gone1", "b/gone2", "b/kept"}
	for _, k := range keys {
		oneUpload(t, c, "van", k, 1)
	}
	p, err := faultproxy.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	p.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		switch {
		case r.Op != "ListParts" || !strings.Contains(r.Key, "/gone"):
			return faultproxy.None
		case strings.Contains(r.Key, "/a/gone1?"):
			return faultproxy.NoSuchKey
		}
		return faultproxy.NoSuchUpload
	})
	logs := &syncBuffer{}
	mnt := mountTest(t, Options{Lister: listing.NewS3(through(c, p)), Buckets: []string{"van"},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	// Every upload directory listed, twice: a level is warned of once
	// however often its uploads are asked for.
	for range 2 {
		out, _ := sh(t, "cd "+mnt+"/van && for d in */ */*/ */*/*/; do ls \"$d\" >/dev/null || echo \"$d\"; done")
		if got := strings.Count(out, "No such file or directory"); got != 6 {
			t.Fatalf("%d uploads not found, want the 6 gone ones:\n%s", got, out)
		}
	}
	_, faults := p.Stats()
	if faults[faultproxy.NoSuchKey] == 0 || faults[faultproxy.NoSuchUpload] == 0 {
		t.Fatalf("faults %v: both answers were not tried", faults)
	}
	var levels []string
	gone := 0
	for _, l := range logs.lines() {
		switch {
		case strings.Contains(l, "level=WARN") && strings.Contains(l, "not found"):
			levels = append(levels, l[strings.LastIndex(l, " prefix=")+len(" prefix="):])
			if !strings.Contains(l, "key=") || !strings.Contains(l, "upload-id=") {
				t.Errorf("no sample key: %s", l)
			}
		case strings.Contains(l, "listing: gone"):
			gone++
		default:
			t.Errorf("unexpected log line: %s", l)
		}
	}
	slices.Sort(levels)
	// One line for each answer "not found": at Warn the first of each level.
	notFound := faults[faultproxy.NoSuchKey] + faults[faultproxy.NoSuchUpload]
	if !slices.Equal(levels, []string{"\"\"", "a/", "b/"}) || len(levels)+gone != notFound {
		t.Fatalf("warned of levels %q, and %d more at Info; want \"\", a/, b/, and %d in all:\n%s",
			levels, gone, notFound, strings.Join(logs.lines(), "\n"))
	}
}
