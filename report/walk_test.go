package report

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// On every server kind the fault proxy reproduces, with levels of several
// pages, the report counts every upload and byte once: also where the
// delimiter or a prefix loses keys (Ceph RGW, storj) or keys come
// URL-encoded without saying so (RGW). On SeaweedFS
// (keys claimed URL-encoded, sent raw) the keys "a+1"… of the first page
// read as "a 1"… decoded, which only the key with a space on a later page
// shows: the bucket is walked again, and its sums are still exact.
func TestRunOnEveryServerKind(t *testing.T) {
	for _, mode := range []faultproxy.Fault{faultproxy.None, faultproxy.Swift, faultproxy.MinIOFlat, faultproxy.SeaweedUploads,
		faultproxy.VersityMarker, faultproxy.InclusiveUploads, faultproxy.DelimiterIgnored, faultproxy.DelimiterDrops,
		faultproxy.PrefixEmpty, faultproxy.SilentEncoding, faultproxy.RGW} {
		t.Run(mode.String(), func(t *testing.T) {
			s := newTestServer(t, "kinds")
			var keys []string
			for i := range 12 {
				keys = append(keys, fmt.Sprintf("x/a+%02d", i), fmt.Sprintf("x/d%d/in", i%3), fmt.Sprintf("top%02d", i))
			}
			keys = append(keys, "x/with space", "x/p%41q/r", "videos", "videos/clip")
			for i, k := range keys {
				s.upload(t, "kinds", k, time.Hour, i+1)
			}
			s.proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
				if r.Op == "ListMultipartUploads" {
					return mode
				}
				return faultproxy.None
			})
			s.l.PageSize = 4
			rep, err := Run(context.Background(), s.options())
			if err != nil {
				t.Fatal(err)
			}
			wantBytes := int64(len(keys) * (len(keys) + 1) / 2)
			if tot := rep.Total; rep.Failed != 0 || tot.Uploads != int64(len(keys)) || tot.Bytes != wantBytes {
				t.Fatalf("%d failed, %d uploads, %d bytes; want 0, %d, %d: %+v", rep.Failed, tot.Uploads, tot.Bytes, len(keys), wantBytes, rep.Rows)
			}
		})
	}
}

// holding is a Lister that counts the uploads handed out by its levels'
// pages whose parts have not been listed yet: what the walk holds.
type holding struct {
	Lister
	mu         sync.Mutex
	held, most int
}

func (h *holding) ScanLevel(ctx context.Context, bucket, prefix string, each func(*listing.Level) error) error {
	return h.Lister.ScanLevel(ctx, bucket, prefix, func(lv *listing.Level) error {
		h.mu.Lock()
		h.held += len(lv.Uploads) + len(lv.Deep)
		h.most = max(h.most, h.held)
		h.mu.Unlock()
		return each(lv)
	})
}

func (h *holding) Parts(ctx context.Context, bucket, key, uploadID string) (*listing.Parts, error) {
	ps, err := h.Lister.Parts(ctx, bucket, key, uploadID)
	h.mu.Lock()
	h.held--
	h.mu.Unlock()
	return ps, err
}

// A level of 400 uploads in pages of 10 is walked holding at most two
// pages and the part listings in flight, never the level.
func TestRunHoldsPagesNotLevels(t *testing.T) {
	s := newTestServer(t, "wide")
	var keys []string
	for i := range 400 {
		keys = append(keys, fmt.Sprintf("level/%04d", i))
	}
	if err := s3server.StartUploads(context.Background(), s.c, "wide", keys); err != nil {
		t.Fatal(err)
	}
	s.l.PageSize = 10
	h := &holding{Lister: s.l}
	o := s.options()
	o.Lister, o.Concurrency = h, 4
	rep, err := Run(context.Background(), o)
	if err != nil || rep.Total.Uploads != 400 {
		t.Fatalf("%v, %+v", err, rep)
	}
	if h.most > 2*10+4 {
		t.Fatalf("%d uploads held at once; want at most two pages of 10 and 4 in flight", h.most)
	}
	t.Logf("%d uploads held at most", h.most)
}
