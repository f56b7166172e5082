package faultproxy

import (
	"bytes"
	"html"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"regexp"
	"strings"
)

// The ways servers break ListMultipartUploads's delimiter and prefix, and
// Ceph RGW 16's key encoding, rebuilt over the server behind the proxy:
//
//   - DelimiterIgnored: every key under the prefix comes back, no common
//     prefixes (versitygw before v1.9);
//   - DelimiterDrops: the keys that hold the delimiter below the prefix
//     are dropped and no common prefixes sent (Ceph RGW 16.2); the pages
//     are the server's without the delimiter, filtered afterwards;
//   - PrefixEmpty: a request with a prefix is answered with nothing
//     (storj's gateway);
//   - SilentEncoding: asked for EncodingType=url, keys come back encoded
//     (Python's quote, "/" kept) without <EncodingType>; Prefix and the
//     Next markers as they are, and Next markers on the last page too
//     (Ceph RGW 16.2);
//   - RGW: DelimiterDrops and SilentEncoding together, and ListParts of
//     an unknown upload answered NoSuchKey, not NoSuchUpload.

var (
	commonPrefixElem = regexp.MustCompile(`(?s)<CommonPrefixes>.*?</CommonPrefixes>`)
	truncatedElem    = regexp.MustCompile(`<IsTruncated>[^<]*</IsTruncated>`)
)

// serveDelimiter answers a request under one of the faults above.
func serveDelimiter(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy, fault Fault) {
	q := r.URL.Query()
	op := opOf(r)
	if op != "ListMultipartUploads" && !(fault == RGW && op == "ListParts") {
		rp.ServeHTTP(w, r)
		return
	}
	prefix, delimiter := q.Get("prefix"), q.Get("delimiter")
	_, delimited := q["delimiter"]
	if delimited && (fault == DelimiterIgnored || fault == DelimiterDrops || fault == RGW) {
		q.Del("delimiter")
		r.URL.RawQuery = q.Encode()
	}
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	switch {
	case op == "ListParts":
		body = bytes.Replace(body, []byte("<Code>NoSuchUpload</Code>"), []byte("<Code>NoSuchKey</Code>"), 1)
	case rec.Code != http.StatusOK:
	case delimited && (fault == DelimiterDrops || fault == RGW):
		body = dropDeep(body, prefix, delimiter)
	case fault == PrefixEmpty && prefix != "":
		body = uploadElem.ReplaceAll(commonPrefixElem.ReplaceAll(body, nil), nil)
		body = nextKeyElem.ReplaceAll(nextIDElem.ReplaceAll(body, nil), nil)
		body = truncatedElem.ReplaceAll(body, []byte("<IsTruncated>false</IsTruncated>"))
	}
	if op == "ListMultipartUploads" && rec.Code == http.StatusOK && (fault == SilentEncoding || fault == RGW) && q.Get("encoding-type") == "url" {
		body = encodeSilently(body)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// dropDeep drops the uploads whose key holds delimiter below prefix, and
// every common prefix.
func dropDeep(body []byte, prefix, delimiter string) []byte {
	body = commonPrefixElem.ReplaceAll(body, nil)
	return uploadElem.ReplaceAllFunc(body, func(u []byte) []byte {
		m := keyElem.FindSubmatch(u)
		if m == nil {
			return u
		}
		if rest, ok := strings.CutPrefix(html.UnescapeString(string(m[1])), prefix); ok && delimiter != "" && strings.Contains(rest, delimiter) {
			return nil
		}
		return u
	})
}

// encodeSilently encodes the keys of a raw answer without saying so, and
// names the last upload in the Next markers of a last page.
func encodeSilently(body []byte) []byte {
	body = bytes.Replace(body, []byte("<EncodingType>url</EncodingType>"), nil, 1)
	ups := uploadElem.FindAll(body, -1)
	if len(ups) > 0 && !bytes.Contains(body, []byte("<NextKeyMarker>")) {
		last := ups[len(ups)-1]
		key, id := keyElem.FindSubmatch(last), idElem.FindSubmatch(last)
		if key != nil && id != nil {
			body = nextKeyElem.ReplaceAll(nextIDElem.ReplaceAll(body, nil), nil)
			body = bytes.Replace(body, []byte("<IsTruncated>"), []byte("<NextKeyMarker>"+string(key[1])+"</NextKeyMarker><NextUploadIdMarker>"+string(id[1])+"</NextUploadIdMarker><IsTruncated>"), 1)
		}
	}
	return uploadElem.ReplaceAllFunc(body, func(u []byte) []byte {
		return keyElem.ReplaceAllFunc(u, func(k []byte) []byte {
			raw := html.UnescapeString(string(keyElem.FindSubmatch(k)[1]))
			return []byte("<Key>" + html.EscapeString(pythonQuote(raw)) + "</Key>")
		})
	})
}
