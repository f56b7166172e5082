package fsnode

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uploadfs/uploadfs/listing"
)

// The name escape. A key component (the text between two "/" of a key, or an
// upload ID) becomes a file name:
//
//   - A component that is a valid file name appears unchanged.
//   - '%' is written "%25"; so is every byte that cannot or should not appear
//     in a name: '/' (in a bucket named by an access point ARN, or an
//     upload ID), control characters (0x00-0x1F, 0x7F, U+0080-U+009F) and
//     bytes that are not valid UTF-8 (macOS rejects those), each as "%XX"
//     with upper-case hex.
//   - "." and ".." become "%2E" and "%2E%2E"; the empty component becomes
//     "%" alone (no other escaped name is a lone '%').
//   - A name that would exceed 255 bytes keeps its first bytes and ends in
//     "%~" and 16 hex digits of the SHA-256 of the component. Only the mount
//     can map such a name back (it keeps the listing); user.s3.key always has
//     the exact key.
//
// Every name that is not shortened decodes back to its component (the tests
// hold the reference decoder and fuzz it), and no two components share a name.
const maxNameLen = 255

// hashSuffixLen is len("%~") plus 16 hex digits.
const hashSuffixLen = 2 + 16

func escapeName(c string) string {
	switch c {
	case "":
		return "%"
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	if !needsEscape(c) {
		if len(c) <= maxNameLen {
			return c
		}
		return shorten(c, c)
	}
	var b strings.Builder
	for i := 0; i < len(c); {
		r, size := utf8.DecodeRuneInString(c[i:])
		if mustEscape(r, size) {
			for _, x := range []byte(c[i : i+size]) {
				b.WriteByte('%')
				b.WriteByte(hexDigits[x>>4])
				b.WriteByte(hexDigits[x&0xF])
			}
		} else {
			b.WriteString(c[i : i+size])
		}
		i += size
	}
	if b.Len() <= maxNameLen {
		return b.String()
	}
	return shorten(b.String(), c)
}

const hexDigits = "0123456789ABCDEF"

func needsEscape(c string) bool {
	for i := 0; i < len(c); {
		r, size := utf8.DecodeRuneInString(c[i:])
		if mustEscape(r, size) {
			return true
		}
		i += size
	}
	return false
}

// mustEscape reports whether rune r, size bytes long, is written "%XX".
func mustEscape(r rune, size int) bool {
	return r == '%' || r == '/' || r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F) || (r == utf8.RuneError && size == 1)
}

// shorten cuts the escaped name esc of component c to fit, at a boundary that
// splits neither an escape nor a UTF-8 sequence, and appends the hash.
func shorten(esc, c string) string {
	cut := maxNameLen - hashSuffixLen
	for cut > 0 && (!utf8.RuneStart(esc[cut]) || escapeAt(esc, cut)) {
		cut--
	}
	sum := sha256.Sum256([]byte(c))
	return esc[:cut] + "%~" + hex.EncodeToString(sum[:8])
}

// escapeAt reports whether index i of esc falls inside a "%XX" escape.
func escapeAt(esc string, i int) bool {
	return (i >= 1 && esc[i-1] == '%') || (i >= 2 && esc[i-2] == '%')
}

// partName is the file name of part number p: five digits, so that lexical
// order is numeric order up to the maximum of 10000. The names come from one
// table, so the kernel's thousands of part entries share their strings.
func partName(p int32) string { return partNames[p] }

var partNames = func() []string {
	names := make([]string, listing.MaxPartNumber+1)
	for i := range names {
		names[i] = fmt.Sprintf("%05d", i)
	}
	return names
}()

// parsePartName is the inverse of partName; it accepts only the canonical
// spelling.
func parsePartName(name string) (int32, bool) {
	if len(name) != 5 {
		return 0, false
	}
	n, err := strconv.ParseUint(name, 10, 16)
	if err != nil || n < 1 || n > listing.MaxPartNumber {
		return 0, false
	}
	return int32(n), true
}
