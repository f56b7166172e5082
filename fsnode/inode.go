package fsnode

import "hash/fnv"

// Inode numbers are derived from identity, so that the same bucket, key,
// upload or part has the same number for the life of the mount (and across
// mounts), in Readdir and in Lookup alike.
//
//	bits 63..60  the tree level (levelBucket … levelPart); the root is 1
//	bits 59..0   FNV-1a of the identity: bucket, key, upload ID, part number
//
// Levels keep a part from ever sharing a number with a directory. Within a
// level two identities collide with probability about n²/2⁶¹; go-fuse would
// then reuse the first node, so the hash is wide rather than clever.
const rootIno = 1

const (
	levelBucket uint64 = iota + 1
	levelPath
	levelUpload
	levelPart
)

func ino(level uint64, identity ...string) uint64 {
	h := fnv.New64a()
	for _, s := range identity {
		h.Write([]byte(s))
		h.Write([]byte{0}) // separator: ("ab","c") and ("a","bc") differ
	}
	return level<<60 | h.Sum64()&(1<<60-1)
}
