package faultproxy

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// OpenStack Swift's s3api (Debian's swift 2.30; its
// swift/common/middleware/s3api/controllers/multi_upload.py,
// UploadsController.GET), rebuilt over the server behind the proxy. Swift
// keeps an upload as the object KEY/UPLOADID of the bucket's segments
// container and lists uploads as a container listing of those names, with
// the request's prefix and a marker made of the request's markers:
//
//   - prefix=videos/ matches videos/<upload-id>: the uploads of the key
//     videos come with that level;
//   - the order is that of KEY/UPLOADID, not of keys: a!, a.b and a/2026/x
//     before a;
//   - key-marker K alone becomes the marker K/~, which skips every name
//     before it: K's sub-keys, and the keys K+c with c below '/';
//   - a page is truncated when it holds max-uploads uploads, even if none
//     follow (an empty last page comes next);
//   - Next markers are the page's last upload, omitted when it holds one;
//   - max-uploads is capped at 1,000; CommonPrefixes are not counted and
//     not capped (every prefix of the container batch read);
//   - EncodingType=url encodes keys (Python's quote) but not CommonPrefixes
//     or markers.

// swiftBatch is Swift's container listing limit: the names read at once.
const swiftBatch = 10000

// swiftCap is s3api's cap on max-uploads and max-parts.
const swiftCap = 1000

type swiftUpload struct {
	Key       string `xml:"Key"`
	UploadID  string `xml:"UploadId"`
	Initiated string `xml:"Initiated"`
}

func (u swiftUpload) name() string { return u.Key + "/" + u.UploadID }

// backendUploads lists every upload of the bucket r names from the server
// behind the proxy (one page after another with its own markers).
func backendUploads(r *http.Request, rp *httputil.ReverseProxy) ([]swiftUpload, error) {
	var all []swiftUpload
	keyMarker, idMarker := "", ""
	for range 10000 {
		q := url.Values{"uploads": {""}, "max-uploads": {"1000"}}
		if keyMarker != "" {
			q.Set("key-marker", keyMarker)
			q.Set("upload-id-marker", idMarker)
		}
		req := r.Clone(r.Context())
		req.URL.RawQuery = q.Encode()
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("backend answered %d", rec.Code)
		}
		var page struct {
			IsTruncated        bool
			NextKeyMarker      string
			NextUploadIdMarker string
			Upload             []swiftUpload
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			return nil, err
		}
		for _, u := range page.Upload {
			if !slices.Contains(all, u) {
				all = append(all, u)
			}
		}
		if !page.IsTruncated {
			return all, nil
		}
		keyMarker, idMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
	return nil, fmt.Errorf("backend listing does not end")
}

// serveSwiftUploads answers a ListMultipartUploads as Swift's s3api would.
func serveSwiftUploads(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	all, err := backendUploads(r, rp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	q := r.URL.Query()
	keyMarker, idMarker, prefix := q.Get("key-marker"), q.Get("upload-id-marker"), q.Get("prefix")
	_, delimited := q["delimiter"]
	delimiter := q.Get("delimiter")
	maxUploads := swiftCap
	if v, err := strconv.Atoi(q.Get("max-uploads")); err == nil && v > 0 {
		maxUploads = min(v, swiftCap)
	}
	marker := ""
	switch {
	case keyMarker != "" && idMarker != "":
		marker = keyMarker + "/" + idMarker
	case keyMarker != "":
		marker = keyMarker + "/~"
	}
	sort.Slice(all, func(i, j int) bool { return all[i].name() < all[j].name() })
	var names []swiftUpload // the container listing: after marker, with prefix
	for _, u := range all {
		if u.name() > marker && strings.HasPrefix(u.name(), prefix) {
			names = append(names, u)
		}
	}
	var uploads []swiftUpload
	var prefixes []string
	for len(uploads) < maxUploads && len(names) > 0 {
		batch := names[:min(swiftBatch, len(names))]
		names = names[len(batch):]
		seen := map[string]bool{}
		var batchPrefixes []string
		for _, u := range batch {
			if delimited {
				if end := strings.Index(u.Key[min(len(prefix), len(u.Key)):], delimiter); end >= 0 && delimiter != "" {
					p := u.Key[:min(len(prefix), len(u.Key))+end+len(delimiter)]
					if !seen[p] {
						seen[p] = true
						batchPrefixes = append(batchPrefixes, p)
					}
					continue
				}
			}
			uploads = append(uploads, u)
		}
		sort.Strings(batchPrefixes)
		prefixes = append(prefixes, batchPrefixes...)
	}
	truncated := len(uploads) >= maxUploads
	uploads = uploads[:min(len(uploads), maxUploads)]
	nextKey, nextID := "", ""
	if len(uploads) > 1 {
		nextKey, nextID = uploads[len(uploads)-1].Key, uploads[len(uploads)-1].UploadID
	}
	encode := q.Get("encoding-type") == "url"
	var b bytes.Buffer
	el := func(name, text string) {
		b.WriteString("<" + name + ">")
		xml.EscapeText(&b, []byte(text))
		b.WriteString("</" + name + ">")
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	el("Bucket", strings.Trim(r.URL.Path, "/"))
	el("KeyMarker", keyMarker)
	el("UploadIdMarker", idMarker)
	el("NextKeyMarker", nextKey)
	el("NextUploadIdMarker", nextID)
	if delimited {
		el("Delimiter", delimiter)
	}
	if _, ok := q["prefix"]; ok {
		el("Prefix", prefix)
	}
	el("MaxUploads", strconv.Itoa(maxUploads))
	if encode {
		el("EncodingType", "url")
	}
	el("IsTruncated", strconv.FormatBool(truncated))
	for _, u := range uploads {
		key := u.Key
		if encode {
			key = pythonQuote(key)
		}
		b.WriteString("<Upload>")
		el("Key", key)
		el("UploadId", u.UploadID)
		b.WriteString("<Initiator><ID>test:tester</ID><DisplayName>test:tester</DisplayName></Initiator>")
		b.WriteString("<Owner><ID>test:tester</ID><DisplayName>test:tester</DisplayName></Owner>")
		el("StorageClass", "STANDARD")
		el("Initiated", u.Initiated)
		b.WriteString("</Upload>")
	}
	for _, p := range prefixes {
		b.WriteString("<CommonPrefixes>")
		el("Prefix", p)
		b.WriteString("</CommonPrefixes>")
	}
	b.WriteString("</ListMultipartUploadsResult>")
	w.Header().Set("Content-Type", "application/xml")
	w.Write(b.Bytes())
}

// capMaxParts caps a ListParts request's max-parts as s3api does.
func capMaxParts(r *http.Request) {
	q := r.URL.Query()
	if v, err := strconv.Atoi(q.Get("max-parts")); err == nil && v > swiftCap {
		q.Set("max-parts", strconv.Itoa(swiftCap))
		r.URL.RawQuery = q.Encode()
	}
}

// pythonQuote is Python's urllib.parse.quote(s) (safe "/"): every byte but
// letters, digits, "_.-~" and "/" as %XX.
func pythonQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
