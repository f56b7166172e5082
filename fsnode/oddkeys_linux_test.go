package fsnode

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/listing"
)

// keyLister is a Lister over a fixed set of uploads, with S3's delimiter
// semantics. It stands in for a server only for key shapes that no server
// available here can store or list: keys ending in "/", C0 control
// characters (gofakes3 cannot encode them, versitygw lists them as U+FFFD),
// components over 255 bytes (versitygw's posix backend).
type keyLister struct{ uploads []listing.Upload }

func (l *keyLister) Buckets(context.Context) ([]listing.Bucket, error) {
	return []listing.Bucket{{Name: "bkt"}}, nil
}

func (l *keyLister) Abort(context.Context, string, string, string) error {
	return errors.New("keyLister aborts nothing")
}

// FirstLevelPage answers the whole level in one page.
func (l *keyLister) FirstLevelPage(ctx context.Context, bucket, prefix string) (*listing.LevelPage, error) {
	lv, err := l.level(bucket, prefix)
	return &listing.LevelPage{Level: lv}, err
}

func (l *keyLister) RestOfLevel(_ context.Context, first *listing.LevelPage) (*listing.Level, error) {
	return first.Level, nil
}

func (l *keyLister) level(bucket, prefix string) (*listing.Level, error) {
	lv := &listing.Level{Prefix: prefix}
	for _, u := range l.uploads {
		rest, ok := strings.CutPrefix(u.Key, prefix)
		if !ok {
			continue
		}
		if i := strings.Index(rest, "/"); i >= 0 {
			p := prefix + rest[:i+1]
			if !slices.Contains(lv.Prefixes, p) {
				lv.Prefixes = append(lv.Prefixes, p)
			}
			continue
		}
		lv.Uploads = append(lv.Uploads, u)
	}
	sort.Strings(lv.Prefixes)
	return lv, nil
}

// Every upload has one part, sized like its key.
func (l *keyLister) FirstPartsPage(_ context.Context, bucket, key, id string) (*listing.PartsPage, error) {
	return &listing.PartsPage{Parts: []listing.Part{{Number: 1, Size: int64(len(key)), Modified: 1e18}}}, nil
}

func (l *keyLister) RestOfParts(_ context.Context, bucket, key, id string, first *listing.PartsPage) (*listing.Parts, error) {
	return &listing.Parts{Parts: first.Parts, TotalBytes: first.Parts[0].Size}, nil
}

func (l *keyLister) Part(ctx context.Context, bucket, key, id string, n int32) (listing.Part, bool, error) {
	pg, _ := l.FirstPartsPage(ctx, bucket, key, id)
	if p := pg.Find(n); p != nil {
		return *p, true, nil
	}
	return listing.Part{}, false, nil
}

func TestOddKeysAllReachable(t *testing.T) {
	long := strings.Repeat("L", 300)
	keys := []string{
		"trail/", "/lead", "a//b", ".", "..", "x/./y", "x/../y", "ctl\x01/\x1b[31mred", "100%", "%",
		long, long + "/child", long + "X", "bad\xffutf8",
		strings.Repeat("k/", 511) + "k", // a 1,023-byte key of 512 levels
		"u1", "u1/u1",                   // the key "u1/u1" has an upload named like a child of "u1"
	}
	l := &keyLister{}
	for i, k := range keys {
		id := "id" + string(rune('a'+i%26)) + strings.Repeat("z", i/26)
		if k == "u1" {
			id = "u1" // collides with the child directory "u1" of key "u1"
		}
		l.uploads = append(l.uploads, listing.Upload{Key: k, ID: id, Initiated: time.Unix(2e9, 0)})
	}
	mnt := mountTest(t, Options{Lister: l})

	// Every upload is reachable under its exact key, and only once (the
	// upload "u1" wins over the child directory "u1", whose upload is then
	// not reachable: documented).
	found := map[string]int{}
	err := filepath.WalkDir(join(mnt, "bkt"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if len(d.Name()) > 255 {
			t.Errorf("name of %d bytes: %q", len(d.Name()), d.Name())
		}
		buf := make([]byte, 2048)
		if n, err := unix.Getxattr(path, "user.s3.upload-id", buf); err == nil {
			k := make([]byte, 2048)
			m, _ := unix.Getxattr(path, "user.s3.key", k)
			found[string(k[:m])+" @ "+string(buf[:n])]++
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range l.uploads {
		n := found[u.Key+" @ "+u.ID]
		if u.Key == "u1/u1" {
			if n != 0 {
				t.Errorf("the child shadowed by upload u1 is visible")
			}
			continue
		}
		if n != 1 {
			t.Errorf("upload of %q found %d times", u.Key, n)
		}
	}
	if got := mustSh(t, "ls "+join(mnt, "bkt")+" | head -3"); got != "%\n%25\n%2E\n" {
		t.Fatalf("escaped names:\n%s", got)
	}
	if got := mustSh(t, "ls "+join(mnt, "bkt", "trail", "%")); got != "ida\n" {
		t.Fatalf("key trail/: %q", got)
	}
}
