package manyuploads

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Upload i's key is Prefix and 32 hex digits, like a random ID: the first
// 16 are i's share of the 64-bit space plus a hashed offset within it (so
// keys look random yet rise with i: S3's order is i's order), the last 16
// a hash. Its upload ID is a hashed UUID. Nothing is stored: a marker is
// found by a binary search over i.

func (s *Server) key(i int) string {
	step := math.MaxUint64 / uint64(max(s.Uploads, 1))
	v := uint64(i)*step + mix(uint64(i))%step
	return fmt.Sprintf("%s%016x%016x", s.Prefix, v, mix(uint64(i)^0x5bd1e995))
}

func uploadID(i int) string {
	a, b := mix(uint64(i)+1), mix(uint64(i)+0x9e3779b9)
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// mix is splitmix64's finalizer: a cheap hash of i.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// search returns the first i whose key satisfies pred, which must be false
// and then true in key order; Uploads if none does.
func (s *Server) search(pred func(key string) bool) int {
	return sort.Search(s.Uploads, func(i int) bool { return pred(s.key(i)) })
}

// index returns the upload whose key is key.
func (s *Server) index(key string) (int, bool) {
	i := s.search(func(k string) bool { return k >= key })
	return i, i < s.Uploads && s.key(i) == key
}

// page is one ListMultipartUploads answer.
type page struct {
	uploads         []int
	prefixes        []string
	truncated       bool
	nextKey, nextID string
}

// page lists, as S3 does, the uploads after the markers (both exclusive:
// the upload-id marker selects the uploads of the key marker after it),
// under prefix, rolling the keys with delim after the prefix up into
// common prefixes, limit entries of either kind.
func (s *Server) page(prefix, delim, keyMarker, idMarker string, limit int) page {
	var i int
	if keyMarker != "" && idMarker != "" {
		i = s.search(func(k string) bool { return k >= keyMarker })
		if i < s.Uploads && s.key(i) == keyMarker && uploadID(i) <= idMarker {
			i++
		}
	} else {
		i = s.search(func(k string) bool { return k > keyMarker })
	}
	i = max(i, s.search(func(k string) bool { return k >= prefix }))
	var pg page
	for n := 0; i < s.Uploads; n++ {
		k := s.key(i)
		if !strings.HasPrefix(k, prefix) {
			break
		}
		var cp string
		if d := strings.Index(k[len(prefix):], delim); delim != "" && d >= 0 {
			cp = k[:len(prefix)+d+len(delim)]
		}
		next := i + 1
		if cp != "" {
			next = s.search(func(k string) bool { return k > cp && !strings.HasPrefix(k, cp) })
			if cp <= keyMarker { // the marker is the prefix, or in it
				i, n = next, n-1
				continue
			}
		}
		if n == limit {
			pg.truncated = true
			break
		}
		if cp != "" {
			pg.prefixes = append(pg.prefixes, cp)
			pg.nextKey, pg.nextID = cp, ""
		} else {
			pg.uploads = append(pg.uploads, i)
			pg.nextKey, pg.nextID = k, uploadID(i)
		}
		i = next
	}
	return pg
}
