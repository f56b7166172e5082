package fsnode

import (
	"strings"

	"github.com/uploadfs/uploadfs/listing"
)

// notFound logs a fetch answered "not found" (e: what failed, if known).
// An upload is only asked for once its level has listed it, so a listing
// of its parts not found means it vanished since: completed or aborted
// meanwhile, which is ordinary, or a server that lists uploads it cannot
// find (Ceph RGW's keys sent encoded), which hides them all. The first of
// each level is said at Warn, with its key as a sample; the others, and
// what is not an upload, at Info.
func (m *mount) notFound(e *listing.Error, attrs []any) {
	if e != nil && e.UploadID != "" {
		lk := levelKey{e.Bucket + e.Vault, e.Key[:strings.LastIndex(e.Key, listing.Delimiter)+1]}
		if _, said := m.vanished.LoadOrStore(lk, true); !said {
			m.log.Warn("listing: an upload its level listed is not found: completed or aborted since? (said once per level)",
				append(attrs, "prefix", lk.prefix)...)
			return
		}
	}
	m.log.Info("listing: gone", attrs...)
}
