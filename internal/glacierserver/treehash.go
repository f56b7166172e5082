package glacierserver

import (
	"crypto/sha256"
	"encoding/hex"
)

// TreeHash returns the SHA-256 tree hash of data as Glacier defines it, in
// lower-case hex: the SHA-256 of each 1 MiB chunk, then, level by level,
// the SHA-256 of each pair's concatenation (combine). Empty data hashes as
// one empty chunk.
func TreeHash(data []byte) string {
	const chunk = 1 << 20
	var level [][32]byte
	for off := 0; off < len(data) || off == 0; off += chunk {
		level = append(level, sha256.Sum256(data[off:min(off+chunk, len(data))]))
	}
	h := combine(level)
	return hex.EncodeToString(h[:])
}

// combine reduces hashes to their tree's root: each pair's concatenation
// hashed, a last odd hash carried up unchanged.
func combine(level [][32]byte) [32]byte {
	for len(level) > 1 {
		var up [][32]byte
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				up = append(up, level[i])
				break
			}
			up = append(up, sha256.Sum256(append(level[i][:], level[i+1][:]...)))
		}
		level = up
	}
	return level[0]
}
