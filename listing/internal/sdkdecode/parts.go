package sdkdecode

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithytime "github.com/aws/smithy-go/time"
)

// Decoding ListParts pages.
//
// The SDK decodes a page of 1,000 parts through encoding/xml in about 20 ms
// of CPU, which is most of the client time of a cold `ls -l` of a large
// upload: ten pages arrive within one round trip and wait on two cores for
// their decoding. The decoder ListParts installs reads the <Part> elements
// itself — one pass over the bytes, a few allocations a part — and leaves
// everything else to the SDK: it hands the SDK the body without them (a few
// hundred bytes: the markers, owner, storage class; the headers; any error
// answer), then puts the parts it read into the SDK's output (the
// middleware is in decode.go, the XML scanner in xml.go).
//
// It reads only what it can read exactly as the SDK would. Anything else —
// a document type, a Part with attributes or nested markup, a field name in
// another case, an entity encoding/xml would refuse, a number or date the
// SDK would refuse — and the SDK decodes the whole body, as if the decoder
// were not there. FuzzFastParts checks that the two always agree.

// ListParts is the per-call option that installs the decoder on a ListParts
// call; ListMultipartUploads (uploads.go) the same for ListMultipartUploads.
func ListParts(o *s3.Options) {
	install(o, readParts)
	repairHeaders(o) // (headers.go)
}

// readParts reads the <Part> elements of a ListParts answer.
func readParts(body []byte) ([]byte, func(any) bool, bool) {
	parts, rest, ok := splitParts(body)
	return rest, func(result any) bool {
		o, ok := result.(*s3.ListPartsOutput)
		if !ok || len(o.Parts) > 0 {
			return false
		}
		o.Parts = parts
		return true
	}, ok
}

// splitParts returns the <Part> children of the document's root element,
// decoded, and the document without them. ok is false if the document has
// anything it does not decode exactly as the SDK would.
func splitParts(doc []byte) (parts []types.Part, rest []byte, ok bool) {
	if n := bytes.Count(doc, []byte("<Part>")); n > 0 {
		parts = make([]types.Part, 0, n)
	}
	rest, ok = splitElems(doc, "Part", func(b []byte) (int, bool) {
		p, n, ok := readPart(b)
		parts = append(parts, p)
		return n, ok
	})
	if len(parts) == 0 {
		parts = nil // as the SDK leaves it (a count may include nested <Part>s)
	}
	return parts, rest, ok
}

// readPart decodes the content of a <Part> element up to and including its
// end tag: child elements with plain text, as the SDK's Part decoder reads
// them. It returns the length read.
func readPart(b []byte) (p types.Part, n int, ok bool) {
	n, ok = readChildren(b, "Part", func(name string, text string) bool { return setField(&p, name, text) }, nil)
	return p, n, ok
}

// setField stores one child of a Part as the SDK does; false means the SDK
// would decode it otherwise (or fail).
func setField(p *types.Part, name, text string) bool {
	switch name {
	case "PartNumber", "Size":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return false
		}
		if name == "Size" {
			p.Size = &n
		} else {
			n32 := int32(n) // (the SDK truncates too)
			p.PartNumber = &n32
		}
	case "LastModified":
		t, err := smithytime.ParseDateTime(text)
		if err != nil {
			return false
		}
		p.LastModified = &t
	default:
		if field := partStrings[name]; field != nil {
			*field(p) = &text
			return true
		}
		// The SDK matches names in any case, and skips the others.
		for known := range partStrings {
			if strings.EqualFold(name, known) {
				return false
			}
		}
		for _, known := range []string{"PartNumber", "Size", "LastModified"} {
			if strings.EqualFold(name, known) {
				return false
			}
		}
	}
	return true
}

// partStrings are the string fields of a Part, by element name.
var partStrings = map[string]func(*types.Part) **string{
	"ETag":              func(p *types.Part) **string { return &p.ETag },
	"ChecksumCRC32":     func(p *types.Part) **string { return &p.ChecksumCRC32 },
	"ChecksumCRC32C":    func(p *types.Part) **string { return &p.ChecksumCRC32C },
	"ChecksumCRC64NVME": func(p *types.Part) **string { return &p.ChecksumCRC64NVME },
	"ChecksumMD5":       func(p *types.Part) **string { return &p.ChecksumMD5 },
	"ChecksumSHA1":      func(p *types.Part) **string { return &p.ChecksumSHA1 },
	"ChecksumSHA256":    func(p *types.Part) **string { return &p.ChecksumSHA256 },
	"ChecksumSHA512":    func(p *types.Part) **string { return &p.ChecksumSHA512 },
	"ChecksumXXHASH128": func(p *types.Part) **string { return &p.ChecksumXXHASH128 },
	"ChecksumXXHASH3":   func(p *types.Part) **string { return &p.ChecksumXXHASH3 },
	"ChecksumXXHASH64":  func(p *types.Part) **string { return &p.ChecksumXXHASH64 },
}
