package faultproxy

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"sort"
	"strconv"
)

// Cloudflare R2's ListBuckets, rebuilt over the server behind the proxy
// (R2's S3 "extensions" page): R2 pages ListBuckets as ListObjectsV2, in
// name order, at most max-keys buckets a page (1,000 by default and at
// most), resuming after the continuation-token query parameter (or the
// cf-continuation-token header, which takes precedence). An answer carries
// NextContinuationToken and IsTruncated in the XML and as the response
// headers cf-next-continuation-token and cf-is-truncated; its
// ContinuationToken element only echoes the request's token. The SDK reads
// none of them but that echo.
//
// The proxy fetches the server's whole answer (gofakes3 does not page) and
// serves it in pages of Proxy.R2Page buckets (1,000 when 0). Its tokens
// are opaque to the client: the page's last name, base64-encoded.

// r2Max is R2's default and largest max-keys.
const r2Max = 1000

type r2Bucket struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

type r2Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type r2Result struct {
	XMLName               xml.Name   `xml:"ListAllMyBucketsResult"`
	Xmlns                 string     `xml:"xmlns,attr"`
	Owner                 *r2Owner   `xml:"Owner,omitempty"`
	Buckets               []r2Bucket `xml:"Buckets>Bucket"`
	ContinuationToken     string     `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string     `xml:"NextContinuationToken,omitempty"`
	IsTruncated           bool       `xml:"IsTruncated"`
	MaxKeys               int        `xml:"MaxKeys"`
	KeyCount              int        `xml:"KeyCount"`
}

// serveR2Buckets answers a ListBuckets request as R2 does, pages of page
// buckets; lostToken drops the next token (element and header) while still
// saying the list is truncated.
func serveR2Buckets(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy, page int, lostToken bool) {
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r.Clone(r.Context()))
	if rec.Code != http.StatusOK {
		copyAnswer(w, rec)
		return
	}
	var all r2Result
	if err := xml.Unmarshal(rec.Body.Bytes(), &all); err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", "faultproxy: backend ListBuckets: "+err.Error())
		return
	}
	sort.Slice(all.Buckets, func(i, j int) bool { return all.Buckets[i].Name < all.Buckets[j].Name })

	q := r.URL.Query()
	token := q.Get("continuation-token")
	if h := r.Header.Get("Cf-Continuation-Token"); h != "" {
		token = h
	}
	maxKeys := r2Max
	if n, err := strconv.Atoi(q.Get("max-keys")); err == nil && n >= 0 && n < maxKeys {
		maxKeys = n
	}
	if page <= 0 || page > maxKeys {
		page = maxKeys
	}
	page = max(page, 1)
	after := ""
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "Invalid continuation token")
			return
		}
		after = string(b)
	}
	start := sort.Search(len(all.Buckets), func(i int) bool { return all.Buckets[i].Name > after })
	end := min(start+page, len(all.Buckets))
	res := r2Result{Xmlns: all.Xmlns, Owner: all.Owner, Buckets: all.Buckets[start:end],
		ContinuationToken: token, IsTruncated: end < len(all.Buckets), MaxKeys: maxKeys, KeyCount: end - start}
	if res.IsTruncated && !lostToken {
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(all.Buckets[end-1].Name))
		w.Header().Set("Cf-Next-Continuation-Token", res.NextContinuationToken)
	}
	w.Header().Set("Cf-Is-Truncated", strconv.FormatBool(res.IsTruncated))
	body, err := xml.Marshal(res)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", "faultproxy: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Write(append([]byte(xml.Header), body...))
}

// copyAnswer passes a recorded answer on as it is.
func copyAnswer(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}
