package listing

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unique"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// From pages to a Level: decoding the keys gathered (once the whole level
// tells whether the server really encoded them), arranging them into
// uploads, deep uploads and prefixes, and converting the SDK's uploads.

// finish decodes what was gathered (encoding) and arranges it into the
// level.
func (l *levelListing) finish() (*Level, error) {
	lv := &Level{Prefix: l.prefix}
	encoded, prefixesEncoded := l.encoding()
	seenPrefixes := map[string]bool{}
	addPrefix := func(p string) {
		if !seenPrefixes[p] {
			seenPrefixes[p] = true
			lv.Prefixes = append(lv.Prefixes, p)
		}
	}
	var deep []Upload
	lv.Uploads = make([]Upload, 0, len(l.uploads))
	for _, u := range l.uploads {
		key, id := decodeKey(str(u.Key), encoded), str(u.UploadId)
		if id == "" {
			return nil, l.bad("upload of key %q without an upload ID", key)
		}
		if !strings.HasPrefix(key, l.prefix) {
			l.note(devOutside, fmt.Sprintf("the server listed uploads outside the requested prefix (key %q in %q): dropped, the level they belong to lists them", key, l.prefix))
			continue
		}
		if i := strings.Index(key[len(l.prefix):], Delimiter); i >= 0 {
			deep = append(deep, uploadOf(key, u))
			addPrefix(key[:len(l.prefix)+i+1])
			continue
		}
		lv.Uploads = append(lv.Uploads, uploadOf(key, u))
	}
	for _, raw := range l.prefixes {
		p := decodeKey(raw, prefixesEncoded)
		rest, ok := strings.CutPrefix(p, l.prefix)
		if !ok {
			l.note(devOutside, fmt.Sprintf("the server listed a common prefix outside the requested prefix (%q in %q): dropped", p, l.prefix))
			continue
		}
		if strings.Index(rest, Delimiter) != len(rest)-len(Delimiter) {
			return nil, l.bad("common prefix %q is not one level below %q", p, l.prefix)
		}
		addPrefix(p)
	}
	lv.Uploads = sortUploads(lv.Uploads)
	sort.Strings(lv.Prefixes)
	if deep != nil {
		lv.Deep = sortUploads(deep)
	}
	lv.Notes = l.c.firstNotes(l.bucket, l.notes)
	return lv, nil
}

// encoding decides whether the keys gathered are URL-encoded, and the
// common prefixes. The keys are only if every page said so and every key
// can be encoding: a server that claims EncodingType=url and sends a space
// or a stray '%' (SeaweedFS) did not encode, and is not believed again.
// Common prefixes are judged apart: a server may encode keys and send
// prefixes as they are (OpenStack Swift), which a raw-looking prefix shows
// when the keys show they are encoded (an escape no raw key of that server
// would hold) or cannot tell.
func (l *levelListing) encoding() (keys, prefixes bool) {
	encoded := l.claimed && l.implausible == "" && !l.c.rawKeys.Load()
	rawPrefixes := l.c.rawPrefixes.Load()
	switch {
	case l.claimed && l.implausible != "":
		l.c.rawKeys.Store(true)
		l.note(devRawKeys, fmt.Sprintf("the server said EncodingType=url but sent %q, which is not URL-encoded: keys taken as sent", l.implausible))
	case encoded && l.rawPrefix != "" && !rawPrefixes && (l.escaped || !l.keysChange()):
		rawPrefixes = true
		l.c.rawPrefixes.Store(true)
		l.note(devRawPrefixes, fmt.Sprintf("the server URL-encodes keys but sent the common prefix %q as it is: prefixes taken as sent", l.rawPrefix))
	case encoded && l.rawPrefix != "" && !rawPrefixes:
		encoded = false
		l.c.rawKeys.Store(true)
		l.note(devRawKeys, fmt.Sprintf("the server said EncodingType=url but sent %q, which is not URL-encoded: keys taken as sent", l.rawPrefix))
	}
	return encoded, encoded && !rawPrefixes
}

// decodingChanges reports whether decoding changes any key or prefix
// gathered (prefixes only if the server may encode them).
func (l *levelListing) decodingChanges() bool {
	return l.keysChange() || !l.c.rawPrefixes.Load() && l.prefixesChange()
}

// keysChange reports whether decoding changes any key gathered.
func (l *levelListing) keysChange() bool {
	for _, u := range l.uploads {
		if k := str(u.Key); decodeKey(k, true) != k {
			return true
		}
	}
	return false
}

// sortUploads sorts by key, then upload ID, and drops repeats (a ranged
// listing's seams list some entries twice).
func sortUploads(us []Upload) []Upload {
	byKeyID := func(a, b Upload) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}
	if !slices.IsSortedFunc(us, byKeyID) {
		slices.SortFunc(us, byKeyID)
	}
	return slices.CompactFunc(us, func(a, b Upload) bool { return a.Key == b.Key && a.ID == b.ID })
}

// uploadOf converts the SDK's upload, whose key (decoded) is key. The
// fields most uploads share (owner, initiator, storage class) are
// interned: a level of 100,000 uploads of one account holds its owner's ID
// once, not 100,000 times.
func uploadOf(key string, u types.MultipartUpload) Upload {
	up := Upload{
		Key:               key,
		ID:                str(u.UploadId),
		StorageClass:      intern(enum(u.StorageClass)),
		ChecksumAlgorithm: intern(enum(u.ChecksumAlgorithm)),
		ChecksumType:      intern(enum(u.ChecksumType)),
	}
	if u.Initiated != nil {
		up.Initiated = *u.Initiated
	}
	if u.Initiator != nil {
		up.InitiatorID = intern(str(u.Initiator.ID))
	}
	if u.Owner != nil {
		up.OwnerID = intern(str(u.Owner.ID))
	}
	return up
}

func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}
