package listing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// ArchiveTreeHash returns the size and SHA-256 tree hash of the archive
// that completing a Glacier upload of these parts would make, or why it
// cannot be completed. Glacier's part size is a power-of-two number of
// MiB, so each part's tree hash is a whole subtree of the archive's tree
// (the last part's too, with fewer leaves): the archive's hash combines the
// parts' hashes pairwise, an odd one carried up, as the tree combines its
// 1 MiB chunks. The parts must run contiguously from the start: every
// part but the last of the full part size.
func ArchiveTreeHash(parts []Part, partSize int64) (size int64, hash string, err error) {
	if len(parts) == 0 {
		return 0, "", fmt.Errorf("the upload has no parts")
	}
	level := make([][32]byte, 0, len(parts))
	for i := range parts {
		p := &parts[i]
		if want := int32(i + 1); p.Number != want {
			return 0, "", fmt.Errorf("part %d is missing: parts must run contiguously from the first", want)
		}
		if i < len(parts)-1 && p.Size != partSize {
			return 0, "", fmt.Errorf("part %d has %d bytes, not the part size %d: only the last part may be shorter", p.Number, p.Size, partSize)
		}
		h, err := hex.DecodeString(fieldOf(p, "sha256-tree-hash"))
		if err != nil || len(h) != sha256.Size {
			return 0, "", fmt.Errorf("part %d has no valid SHA-256 tree hash", p.Number)
		}
		level = append(level, [32]byte(h))
		size += p.Size
	}
	for len(level) > 1 {
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				break
			}
			next = append(next, sha256.Sum256(append(level[i][:], level[i+1][:]...)))
		}
		level = next
	}
	return size, hex.EncodeToString(level[0][:]), nil
}

// fieldOf returns the value of field name of p, or "".
func fieldOf(p *Part, name string) string {
	if p.Fields == nil {
		return ""
	}
	for _, f := range *p.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}
