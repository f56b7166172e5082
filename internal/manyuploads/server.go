// Package manyuploads is an S3-compatible server of one bucket holding any
// number of in-progress uploads (a million, say) that it computes instead of
// storing: upload i has a key and an upload ID derived from i, in S3's key
// order, so a ListMultipartUploads page is found by a binary search over i
// and written out, and the server's memory does not grow with the uploads.
// It is the benchmark's (and the tests') model of an application that starts
// uploads/<random id> and never finishes them.
//
// It answers with S3's paging semantics exactly: key-marker and
// upload-id-marker exclusive, max-uploads (at most 1,000, common prefixes
// counted), prefix, delimiter with common prefixes rolled up,
// NextKeyMarker/NextUploadIdMarker the last entry listed, EncodingType url.
// Every upload has the same three parts (ListParts, paged by
// part-number-marker and max-parts). Besides those it answers ListBuckets,
// HeadBucket and GetBucketLocation; anything else is 501 NotImplemented. It
// checks no signature.
//
// server.go serves the requests; keys.go computes the uploads.
package manyuploads

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Server serves Uploads uploads under Prefix in Bucket. Its fields are set
// before use and not changed after; it is then safe for concurrent use.
type Server struct {
	Bucket  string
	Prefix  string // e.g. "uploads/"
	Uploads int
	// Initiated is when upload 0 began; upload i began i seconds later.
	Initiated time.Time

	ln  net.Listener
	srv *http.Server
}

// Start serves s on a port of 127.0.0.1 and sets its URL.
func (s *Server) Start() (url string, err error) {
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.srv = &http.Server{Handler: s}
	go s.srv.Serve(s.ln)
	return "http://" + s.ln.Addr().String(), nil
}

// Close stops a started server.
func (s *Server) Close() error { return s.srv.Close() }

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// partSize is the size of each of an upload's three parts.
const partSize = 5 << 20

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case bucket == "" && r.Method == http.MethodGet:
		s.listBuckets(w)
	case bucket != s.Bucket:
		writeError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	case key == "" && r.Method == http.MethodHead:
		w.WriteHeader(http.StatusOK)
	case key == "" && r.Method == http.MethodGet && q.Has("location"):
		writeXML(w, `<LocationConstraint xmlns="`+s3NS+`"></LocationConstraint>`)
	case key == "" && r.Method == http.MethodGet && q.Has("uploads"):
		s.listUploads(w, q)
	case key != "" && r.Method == http.MethodGet && q.Has("uploadId"):
		s.listParts(w, key, q)
	default:
		writeError(w, http.StatusNotImplemented, "NotImplemented", "manyuploads answers listings only")
	}
}

func (s *Server) listBuckets(w http.ResponseWriter) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<ListAllMyBucketsResult xmlns="%s"><Owner><ID>%s</ID><DisplayName>%s</DisplayName></Owner><Buckets><Bucket><Name>`, s3NS, ownerID, ownerName)
	xml.EscapeText(&b, []byte(s.Bucket))
	fmt.Fprintf(&b, `</Name><CreationDate>%s</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`, s.Initiated.UTC().Format(timeFormat))
	writeXML(w, b.String())
}

const (
	ownerID    = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
	ownerName  = "bench"
	timeFormat = "2006-01-02T15:04:05.000Z"
)

// listUploads answers ListMultipartUploads.
func (s *Server) listUploads(w http.ResponseWriter, q url.Values) {
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	limit := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "max-uploads must be a non-negative integer")
			return
		}
		limit = min(n, 1000)
	}
	enc := func(s string) string { return s }
	if et := q.Get("encoding-type"); et == "url" {
		enc = urlEncode
	} else if et != "" {
		writeError(w, http.StatusBadRequest, "InvalidArgument", "Invalid Encoding Method specified in Request")
		return
	}
	pg := s.page(prefix, delim, keyMarker, idMarker, limit)

	var b bytes.Buffer
	b.Grow(300 * (len(pg.uploads) + 1))
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ListMultipartUploadsResult xmlns="%s">`, s3NS)
	elem(&b, "Bucket", s.Bucket)
	elem(&b, "KeyMarker", enc(keyMarker))
	elem(&b, "UploadIdMarker", idMarker)
	if pg.truncated {
		elem(&b, "NextKeyMarker", enc(pg.nextKey))
		elem(&b, "NextUploadIdMarker", pg.nextID)
	}
	if delim != "" {
		elem(&b, "Delimiter", enc(delim))
	}
	elem(&b, "Prefix", enc(prefix))
	if q.Get("encoding-type") == "url" {
		elem(&b, "EncodingType", "url")
	}
	elem(&b, "MaxUploads", strconv.Itoa(limit))
	elem(&b, "IsTruncated", strconv.FormatBool(pg.truncated))
	for _, i := range pg.uploads {
		b.WriteString("<Upload>")
		elem(&b, "Key", enc(s.key(i)))
		elem(&b, "UploadId", uploadID(i))
		b.WriteString("<Initiator><ID>" + ownerID + "</ID><DisplayName>" + ownerName + "</DisplayName></Initiator>")
		b.WriteString("<Owner><ID>" + ownerID + "</ID><DisplayName>" + ownerName + "</DisplayName></Owner>")
		b.WriteString("<StorageClass>STANDARD</StorageClass>")
		elem(&b, "Initiated", s.initiated(i).Format(timeFormat))
		b.WriteString("</Upload>")
	}
	for _, p := range pg.prefixes {
		b.WriteString("<CommonPrefixes>")
		elem(&b, "Prefix", enc(p))
		b.WriteString("</CommonPrefixes>")
	}
	b.WriteString("</ListMultipartUploadsResult>")
	writeXML(w, b.String())
}

func (s *Server) initiated(i int) time.Time {
	return s.Initiated.UTC().Add(time.Duration(i) * time.Second)
}

// listParts answers ListParts: three parts for every upload there is.
func (s *Server) listParts(w http.ResponseWriter, key string, q url.Values) {
	id := q.Get("uploadId")
	i, ok := s.index(key)
	if !ok || uploadID(i) != id {
		writeError(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist")
		return
	}
	marker, limit := 0, 1000
	if v := q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "part-number-marker must be a non-negative integer")
			return
		}
		marker = n
	}
	if v := q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "max-parts must be a non-negative integer")
			return
		}
		limit = min(n, 1000)
	}
	const parts = 3
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ListPartsResult xmlns="%s">`, s3NS)
	elem(&b, "Bucket", s.Bucket)
	elem(&b, "Key", key)
	elem(&b, "UploadId", id)
	elem(&b, "PartNumberMarker", strconv.Itoa(marker))
	last, listed := marker, 0
	var body bytes.Buffer
	for n := marker + 1; n <= parts && listed < limit; n++ {
		body.WriteString("<Part>")
		elem(&body, "PartNumber", strconv.Itoa(n))
		elem(&body, "LastModified", s.initiated(i).Add(time.Duration(n)*time.Second).Format(timeFormat))
		elem(&body, "ETag", fmt.Sprintf(`"%032x"`, uint64(i)<<8|uint64(n)))
		elem(&body, "Size", strconv.Itoa(partSize))
		body.WriteString("</Part>")
		last, listed = n, listed+1
	}
	truncated := last < parts
	if truncated {
		elem(&b, "NextPartNumberMarker", strconv.Itoa(last))
	}
	elem(&b, "MaxParts", strconv.Itoa(limit))
	elem(&b, "IsTruncated", strconv.FormatBool(truncated))
	b.Write(body.Bytes())
	b.WriteString("<Initiator><ID>" + ownerID + "</ID><DisplayName>" + ownerName + "</DisplayName></Initiator>")
	b.WriteString("<Owner><ID>" + ownerID + "</ID><DisplayName>" + ownerName + "</DisplayName></Owner>")
	b.WriteString("<StorageClass>STANDARD</StorageClass></ListPartsResult>")
	writeXML(w, b.String())
}

// elem writes <name>text</name>, the text escaped.
func elem(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">")
}

// urlEncode encodes as S3 does for EncodingType url: as a form value,
// slashes kept.
func urlEncode(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/") }

func writeXML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write([]byte(body))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error>")
	elem(&b, "Code", code)
	elem(&b, "Message", msg)
	b.WriteString("</Error>")
	w.Write(b.Bytes())
}
