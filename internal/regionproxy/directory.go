package regionproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// Directory buckets (S3 Express One Zone) are the buckets whose names end
// in "--x-s3". The front answers for them as AWS documents it:
//
//   - ListBuckets leaves them out; ListDirectoryBuckets lists those of the
//     region it was signed for, a bucket a page (continuation tokens);
//   - CreateSession (GET /bucket?session) hands out session credentials,
//     which the SDK then signs every request of the bucket with;
//   - ListMultipartUploads takes only a prefix ending in "/", ignores
//     upload-id-marker, pages by an opaque key marker (base64, with '+',
//     '/' and '='), answers DirPageSize uploads a page, unsorted, with no
//     NextUploadIdMarker;
//   - a request signed for another region reaches a zonal endpoint that
//     does not have the bucket: 404 NoSuchBucket, naming no region.

// DirPageSize is how many entries a directory bucket's upload page has.
const DirPageSize = 3

// IsDirectory reports whether bucket is a directory bucket's name.
func IsDirectory(bucket string) bool { return strings.HasSuffix(bucket, "--x-s3") }

// directoryOp serves the directory-bucket requests named above; handled
// reports whether r was one.
func (p *Proxy) directoryOp(w http.ResponseWriter, r *http.Request, bucket, region, home string) (status int, handled bool) {
	q := r.URL.Query()
	switch {
	case bucket == "" && q.Get("x-id") == "ListDirectoryBuckets":
		return p.listDirectoryBuckets(w, r, region), true
	case !IsDirectory(bucket):
		return 0, false
	case home != region:
		return writeError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", ""), true
	case q.Has("session"):
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Credentials>`+
			`<SessionToken>session-token</SessionToken><SecretAccessKey>session-secret</SecretAccessKey><AccessKeyId>session-key</AccessKeyId>`+
			`<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></CreateSessionResult>`)
		return http.StatusOK, true
	case r.Method == http.MethodGet && q.Has("uploads"):
		return p.directoryUploads(w, r, home), true
	}
	return 0, false
}

// listDirectoryBuckets answers the directory buckets of region, one a page.
func (p *Proxy) listDirectoryBuckets(w http.ResponseWriter, r *http.Request, region string) int {
	all, err := p.buckets()
	if err != nil {
		return writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
	}
	after := r.URL.Query().Get("continuation-token")
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListAllMyDirectoryBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets>`)
	for _, bk := range all {
		if bk.Region != region || !IsDirectory(bk.Name) || bk.Name <= after {
			continue
		}
		fmt.Fprintf(&b, `<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket></Buckets><ContinuationToken>%s</ContinuationToken>`,
			bk.Name, bk.CreationDate, bk.Name)
		b.WriteString(`</ListAllMyDirectoryBucketsResult>`)
		w.Header().Set("Content-Type", "application/xml")
		w.Write(b.Bytes())
		return http.StatusOK
	}
	b.WriteString(`</Buckets></ListAllMyDirectoryBucketsResult>`)
	w.Header().Set("Content-Type", "application/xml")
	w.Write(b.Bytes())
	return http.StatusOK
}

// dirUploads is the part of a ListMultipartUploadsResult the front
// rewrites; the rest is passed through as it came.
type dirUploads struct {
	XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
	Bucket             string
	KeyMarker          string
	Prefix             string
	Delimiter          string `xml:",omitempty"`
	EncodingType       string `xml:",omitempty"`
	NextKeyMarker      string `xml:",omitempty"`
	MaxUploads         int
	IsTruncated        bool
	Uploads            []rawXML `xml:"Upload"`
	CommonPrefixes     []rawXML
	NextUploadIdMarker string `xml:",omitempty"`
}

type rawXML struct {
	Inner string `xml:",innerxml"`
}

// directoryUploads forwards a ListMultipartUploads with the opaque marker
// turned back into the server's markers, and makes the answer look like a
// directory bucket's.
func (p *Proxy) directoryUploads(w http.ResponseWriter, r *http.Request, home string) int {
	q := r.URL.Query()
	sent := q.Get("key-marker")
	if pre := q.Get("prefix"); pre != "" && !strings.HasSuffix(pre, "/") {
		return writeError(w, r, http.StatusBadRequest, "InvalidRequest", "Prefix must end with a delimiter", "")
	}
	q.Del("upload-id-marker")
	if tok := q.Get("key-marker"); tok != "" {
		key, id, ok := openMarker(tok)
		if !ok {
			return writeError(w, r, http.StatusBadRequest, "InvalidArgument", "Invalid key-marker", "")
		}
		q.Set("key-marker", key)
		q.Set("upload-id-marker", id)
	}
	if n, err := strconv.Atoi(q.Get("max-uploads")); err != nil || n > DirPageSize {
		q.Set("max-uploads", strconv.Itoa(DirPageSize))
	}
	r.URL.RawQuery = q.Encode()
	rec := httptest.NewRecorder()
	p.backends[home].ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return rec.Code
	}
	var res dirUploads
	if err := xml.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		return writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
	}
	if res.IsTruncated {
		res.NextKeyMarker = sealMarker(res.NextKeyMarker, res.NextUploadIdMarker)
	}
	res.NextUploadIdMarker = ""
	res.KeyMarker = sent
	rand.Shuffle(len(res.Uploads), func(i, j int) { res.Uploads[i], res.Uploads[j] = res.Uploads[j], res.Uploads[i] })
	out, err := xml.Marshal(res)
	if err != nil {
		return writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Write(out)
	return http.StatusOK
}

// sealMarker and openMarker make the server's two markers one opaque one.
func sealMarker(key, id string) string {
	return base64.StdEncoding.EncodeToString([]byte(key + "\x00" + id))
}

func openMarker(tok string) (key, id string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return "", "", false
	}
	key, id, ok = strings.Cut(string(b), "\x00")
	return key, id, ok
}
