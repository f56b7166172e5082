package sdkdecode

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The XML scanner of the fast decoders: it finds the root's repeated
// children, reads simple child elements and their character data exactly
// as encoding/xml would, and says when it cannot be sure.

// splitElems hands the content of each <name> child of the root element to
// read (which returns the length it read, end tag included) and returns the
// document without them. ok is false if the document has anything it does
// not decode exactly as the SDK would.
func splitElems(doc []byte, name string, read func(b []byte) (int, bool)) (rest []byte, ok bool) {
	start := []byte("<" + name + ">")
	rest = make([]byte, 0, 1024)
	depth, copied, roots := 0, 0, 0
	for i := 0; i < len(doc); {
		lt := bytes.IndexByte(doc[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		tag := doc[i:]
		switch {
		case bytes.HasPrefix(tag, []byte("<?")):
			n, found := skipPast(tag, "?>")
			if !found {
				return nil, false
			}
			i += n
		case bytes.HasPrefix(tag, []byte("<!--")):
			n, found := skipPast(tag, "-->")
			if !found {
				return nil, false
			}
			i += n
		case bytes.HasPrefix(tag, []byte("<!")):
			return nil, false // a document type or CDATA: the SDK's
		case bytes.HasPrefix(tag, []byte("</")):
			n, found := skipPast(tag, ">")
			if !found {
				return nil, false
			}
			depth--
			i += n
		case depth == 1 && bytes.HasPrefix(tag, start):
			n, ok := read(tag[len(start):])
			if !ok {
				return nil, false
			}
			rest = append(rest, doc[copied:i]...)
			i += len(start) + n
			copied = i
		default:
			n, found := tagEnd(tag)
			if !found || n < 3 || !isNameStart(tag[1]) {
				return nil, false // "<>", "< x>": not markup encoding/xml reads
			}
			if depth == 0 {
				// The SDK decodes the first root element only: what
				// follows it is not the answer.
				if roots++; roots > 1 {
					return nil, false
				}
			}
			if tag[n-2] != '/' {
				depth++
			}
			i += n
		}
	}
	return append(rest, doc[copied:]...), true
}

// skipPast returns the length of b up to and including the first end.
func skipPast(b []byte, end string) (int, bool) {
	n := bytes.Index(b, []byte(end))
	return n + len(end), n >= 0
}

// tagEnd returns the length of the start tag b begins with, attribute
// values (which may hold '>') included.
func tagEnd(b []byte) (int, bool) {
	var quote byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1, true
		}
	}
	return 0, false
}

// readChildren reads the children of an element up to and including its end
// tag </end>: each <Name>text</Name> (Name in letters and digits) goes to
// text, each <Name> that nested lists (it returns its reader) to that reader.
// It returns the length read; false if anything is not that simple.
func readChildren(b []byte, end string, text func(name, text string) bool, nested func(name string) func(b []byte) (int, bool)) (int, bool) {
	for i := 0; ; {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n') {
			i++
		}
		if n := endTag(b[i:], end); n > 0 {
			return i + n, true
		}
		if i >= len(b) || b[i] != '<' {
			return 0, false
		}
		j := i + 1
		for j < len(b) && isAlnum(b[j]) {
			j++
		}
		if j == i+1 || j >= len(b) || b[j] != '>' {
			return 0, false
		}
		name := elementName(b[i+1 : j])
		if nested != nil {
			if read := nested(name); read != nil {
				n, ok := read(b[j+1:])
				if !ok {
					return 0, false
				}
				i = j + 1 + n
				continue
			}
		}
		k := j + 1 + bytes.IndexByte(b[j+1:], '<')
		n := endTag(b[k:], name)
		if k == j || n == 0 {
			return 0, false
		}
		s, ok := unescape(b[j+1 : k])
		if !ok || !text(name, s) {
			return 0, false
		}
		i = k + n
	}
}

// endTag returns the length of the end tag </name> that b begins with, or
// 0.
func endTag(b []byte, name string) int {
	n := len(name) + 3
	if len(b) < n || b[0] != '<' || b[1] != '/' || string(b[2:n-1]) != name || b[n-1] != '>' {
		return 0
	}
	return n
}

// elementName returns b as a string: for the names of ListParts and
// ListMultipartUploads answers a constant, not one allocation per element
// of a page.
func elementName(b []byte) string {
	switch string(b) { // (compared without a copy)
	case "Key":
		return "Key"
	case "UploadId":
		return "UploadId"
	case "Initiated":
		return "Initiated"
	case "StorageClass":
		return "StorageClass"
	case "Initiator":
		return "Initiator"
	case "Owner":
		return "Owner"
	case "ID":
		return "ID"
	case "DisplayName":
		return "DisplayName"
	case "PartNumber":
		return "PartNumber"
	case "Size":
		return "Size"
	case "LastModified":
		return "LastModified"
	case "ETag":
		return "ETag"
	}
	return string(b)
}

// isNameStart reports whether an element name may begin with c (ASCII
// letters, '_' and ':'; other bytes are left to the SDK).
func isNameStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':'
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// unescape decodes XML character data as encoding/xml does, for the text
// it is sure of: valid UTF-8 without control characters but tab and
// newline, the five named entities and decimal or hex references.
func unescape(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	var out []byte // nil until an entity needs rewriting
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x20 && c != '\t' && c != '\n' {
			return "", false
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRune(b[i:])
			if r == 0xFFFE || r == 0xFFFF {
				return "", false
			}
			if out != nil {
				out = append(out, b[i:i+size]...)
			}
			i += size
			continue
		}
		if c != '&' {
			if out != nil {
				out = append(out, c)
			}
			i++
			continue
		}
		semi := bytes.IndexByte(b[i:], ';')
		if semi < 0 {
			return "", false
		}
		r, ok := entity(string(b[i+1 : i+semi]))
		if !ok {
			return "", false
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)), b[:i]...)
		}
		out = utf8.AppendRune(out, r)
		i += semi + 1
	}
	if out == nil {
		return string(b), true
	}
	return string(out), true
}

// entity resolves the name between '&' and ';'.
func entity(name string) (rune, bool) {
	switch name {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	digits, base := strings.CutPrefix(name, "#x")
	b := 16
	if !base {
		if digits, base = strings.CutPrefix(name, "#"); !base {
			return 0, false
		}
		b = 10
	}
	if digits == "" || len(digits) > 8 || strings.ContainsAny(digits, "+-_") {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, b, 32)
	r := rune(n)
	if err != nil || r < 0x20 && r != '\t' && r != '\n' || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF || r > utf8.MaxRune {
		return 0, false
	}
	return r, true
}
