package report

import (
	"context"
	"log/slog"

	"github.com/uploadfs/uploadfs/listing"
)

// VanishedWarn is how many vanished uploads a report takes for the churn
// of a busy bucket (uploads completed or aborted while it was being
// scanned) and logs at Info; more are logged at Warn, with a sample: a
// server that lists uploads its ListParts cannot find (a key sent encoded,
// an upload ID it does not know) undercounts, however clean the rows look.
const VanishedWarn = 10

// vanished are the uploads of a target that its level listed and ListParts
// then did not find (NoSuchUpload; NoSuchKey from Ceph RGW): how many, and
// the first as a sample. Guarded by its targetRun's mu; the zero value
// counts none.
type vanished struct {
	n       int64
	key, id string
}

// vanish counts u, listed in its level, as not found by ListParts.
func (t *targetRun) vanish(u listing.Upload) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gone.n == 0 {
		t.gone.key, t.gone.id = u.Key, u.ID
	}
	t.gone.n++
}

// vanishedIn sums the vanished uploads of the targets walked, and says so
// once: at Info up to VanishedWarn, at Warn beyond, with the first
// target's sample.
func vanishedIn(runs []*targetRun, log *slog.Logger) int64 {
	var n int64
	var sample *targetRun
	for _, t := range runs {
		if t.gone.n > 0 && sample == nil {
			sample = t
		}
		n += t.gone.n
	}
	if n == 0 {
		return 0
	}
	level, why := slog.LevelInfo, "completed or aborted during the scan; not counted"
	if n > VanishedWarn {
		level, why = slog.LevelWarn, "more than a scan's churn: does the server list uploads it cannot find? Not counted"
	}
	log.Log(context.Background(), level, "report: uploads listed, then not found by ListParts: "+why,
		"vanished", n, "bucket", sample.Bucket, "key", sample.gone.key, "upload-id", sample.gone.id)
	return n
}
