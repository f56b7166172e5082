package fsnode

// Inode numbers are derived from identity, so that the same bucket, key,
// upload or part has the same number for the life of the mount (and across
// mounts), in Readdir and in Lookup alike.
//
//	bits 63..60  the tree level (levelBucket … levelAccount); the root is 1
//	bits 59..0   FNV-1a of the identity: bucket, key, upload ID, part number
//
// Levels keep a part from ever sharing a number with a directory. Within a
// level two identities collide with probability about n²/2⁶¹; go-fuse would
// then reuse the first node, so the hash is wide rather than clever. It is
// computed without allocating: `ls -l` of a 10,000-part upload computes
// 20,000 of them.
const rootIno = 1

const (
	levelBucket uint64 = iota + 1
	levelPath
	levelUpload
	levelPart
	levelAccount // an account's directory (account.go)
)

// fnv is an FNV-1a 64 state.
type fnv uint64

const fnvOffset fnv = 14695981039346656037

// add hashes s and a NUL separator: ("ab","c") and ("a","bc") differ.
func (h fnv) add(s string) fnv {
	for i := 0; i < len(s); i++ {
		h = (h ^ fnv(s[i])) * 1099511628211
	}
	return h * 1099511628211 // the NUL: h ^ 0 is h
}

func (h fnv) ino(level uint64) uint64 { return level<<60 | uint64(h)&(1<<60-1) }

func ino(level uint64, identity ...string) uint64 {
	h := fnvOffset
	for _, s := range identity {
		h = h.add(s)
	}
	return h.ino(level)
}
