package listing

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithytime "github.com/aws/smithy-go/time"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Decoding ListParts pages.
//
// The SDK decodes a page of 1,000 parts through encoding/xml in about 20 ms
// of CPU, which is most of the client time of a cold `ls -l` of a large
// upload: ten pages arrive within one round trip and wait on two cores for
// their decoding. fastParts reads the <Part> elements itself — one pass
// over the bytes, a few allocations a part — and leaves everything else to
// the SDK: it hands the SDK the body without them (a few hundred bytes: the
// markers, owner, storage class; the headers; any error answer), then puts
// the parts it read into the SDK's output.
//
// It reads only what it can read exactly as the SDK would. Anything else —
// a document type, a Part with attributes or nested markup, a field name in
// another case, an entity encoding/xml would refuse, a number or date the
// SDK would refuse — and the SDK decodes the whole body, as if fastParts
// were not there. FuzzFastParts checks that the two always agree.

// fastParts is the per-call option that installs the decoder on a ListParts
// call; fastUploads (fastuploads.go) the same for ListMultipartUploads.
func fastParts(o *s3.Options) { install(o, readParts) }

// install puts a fastDecoder reading with read in place of the SDK's
// deserializer, which it keeps for the rest.
func install(o *s3.Options, read func(body []byte) (rest []byte, put func(result any) bool, ok bool)) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		sdk, ok := st.Deserialize.Get(operationDeserializer)
		if !ok {
			return nil // not the stack it was written for: leave it be
		}
		_, err := st.Deserialize.Swap(operationDeserializer, &fastDecoder{sdk: sdk, read: read})
		return err
	})
}

const operationDeserializer = "OperationDeserializer"

// fastDecoder is an operation's deserializer: the SDK's, fed a body without
// the elements read decodes; put then stores them into the SDK's output
// (false: the SDK found some itself, and decodes the whole body).
type fastDecoder struct {
	sdk  middleware.DeserializeMiddleware
	read func(body []byte) (rest []byte, put func(result any) bool, ok bool)
}

func (d *fastDecoder) ID() string { return operationDeserializer }

func (d *fastDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return d.sdk.HandleDeserialize(ctx, in, answered{out, md, err})
	}
	body, readErr := readBody(resp)
	resp.Body.Close()
	if readErr != nil {
		// The SDK meets the same failure where it would have.
		return d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, io.MultiReader(bytes.NewReader(body), failing{readErr})), md, nil})
	}
	rest, put, ok := d.read(body)
	if !ok {
		return d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, bytes.NewReader(body)), md, nil})
	}
	res, md2, err := d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, bytes.NewReader(rest)), md, nil})
	if err != nil {
		return res, md2, err
	}
	if !put(res.Result) {
		// The SDK found elements where read saw none (in another case,
		// say): let it decode all of them.
		return d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, bytes.NewReader(body)), md, nil})
	}
	return res, md2, nil
}

// readBody reads the whole body into a buffer of its announced length (a
// page is hundreds of kilobytes: io.ReadAll's growing would allocate it
// twice over).
func readBody(resp *smithyhttp.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxPresized {
		buf := bytes.NewBuffer(make([]byte, 0, n+1)) // +1: ReadFrom sees the end without growing
		_, err := buf.ReadFrom(resp.Body)
		return buf.Bytes(), err
	}
	return io.ReadAll(resp.Body)
}

// maxPresized bounds the buffer a Content-Length makes readBody allocate
// before reading: a page of 1,000 uploads with 1,024-byte keys is under
// 4 MiB.
const maxPresized = 16 << 20

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

// answered is the rest of the stack, already run: it returns its answer.
type answered struct {
	out middleware.DeserializeOutput
	md  middleware.Metadata
	err error
}

func (a answered) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return a.out, a.md, a.err
}

// withBody returns out with a copy of resp whose body is r.
func withBody(out middleware.DeserializeOutput, resp *smithyhttp.Response, r io.Reader) middleware.DeserializeOutput {
	hr := *resp.Response
	hr.Body = io.NopCloser(r)
	out.RawResponse = &smithyhttp.Response{Response: &hr}
	return out
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

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

// splitElems hands the content of each <name> child of the root element to
// read (which returns the length it read, end tag included) and returns the
// document without them. ok is false if the document has anything it does
// not decode exactly as the SDK would.
func splitElems(doc []byte, name string, read func(b []byte) (int, bool)) (rest []byte, ok bool) {
	start := []byte("<" + name + ">")
	rest = make([]byte, 0, 1024)
	depth, copied := 0, 0
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
			if !found {
				return nil, false
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

// readPart decodes the content of a <Part> element up to and including its
// end tag: child elements with plain text, as the SDK's Part decoder reads
// them. It returns the length read.
func readPart(b []byte) (p types.Part, n int, ok bool) {
	n, ok = readChildren(b, "Part", func(name string, text string) bool { return setField(&p, name, text) }, nil)
	return p, n, ok
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

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
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
