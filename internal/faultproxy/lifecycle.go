package faultproxy

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Lifecycle is a front for servers that do not implement
// GetBucketLifecycleConfiguration (gofakes3 and versitygw v1.8.0 do not):
// it answers GET /bucket?lifecycle itself, as S3 does, keeps the rules of
// a PUT /bucket?lifecycle as written, and forwards every other request to
// the server behind it. A bucket answers
//
//   - the rules set with SetRules: 200 and a LifecycleConfiguration;
//   - after Deny: 403 AccessDenied;
//   - after Fail: the error set there (a server refusing the request);
//   - otherwise: 404 NoSuchLifecycleConfiguration, as a bucket that never had one.
//
// Path-style requests only. Safe for concurrent use.
type Lifecycle struct {
	URL string

	mu       sync.Mutex
	rules    map[string]string // bucket → the <Rule> elements
	denied   map[string]bool
	failed   map[string]lifecycleError
	requests map[string]int    // bucket → GET ?lifecycle requests seen
	service  map[string]string // bucket → the service its last ?lifecycle request was signed for
	srv      *httptest.Server
}

// NewLifecycle starts a front in front of target (an http:// URL).
func NewLifecycle(target string) (*Lifecycle, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	f := &Lifecycle{rules: map[string]string{}, denied: map[string]bool{}, failed: map[string]lifecycleError{}, requests: map[string]int{}, service: map[string]string{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Query().Has("lifecycle"):
			f.serve(w, r)
			return
		case r.Method == http.MethodPut && r.URL.Query().Has("lifecycle"):
			f.put(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	f.URL = f.srv.URL
	return f, nil
}

// Close stops the front.
func (f *Lifecycle) Close() { f.srv.Close() }

// SetRules gives bucket a lifecycle configuration of rules, each a <Rule>
// element as S3 writes it (AbortRule builds the common one). No rules is a
// configuration with none, which S3 never answers but a server might.
// It ends a Deny or Fail of bucket.
func (f *Lifecycle) SetRules(bucket string, rules ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules[bucket] = strings.Join(rules, "")
	delete(f.denied, bucket)
	delete(f.failed, bucket)
}

// Deny makes bucket's configuration 403 AccessDenied, as for credentials
// without s3:GetLifecycleConfiguration.
func (f *Lifecycle) Deny(bucket string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denied[bucket] = true
}

type lifecycleError struct {
	status        int
	code, message string
}

// Fail makes bucket's configuration the error answer status, code and
// message: versitygw's 501 NotImplemented, or Cloudflare R2's refusal of
// a header it does not implement (501 NotImplemented "Header
// 'x-amz-expected-bucket-owner' with value '…' not implemented").
func (f *Lifecycle) Fail(bucket string, status int, code, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed[bucket] = lifecycleError{status, code, message}
}

// Requests returns the GET ?lifecycle requests seen for bucket.
func (f *Lifecycle) Requests(bucket string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[bucket]
}

// AbortRule is an enabled rule whose only action aborts incomplete uploads
// under prefix after days ("" = the whole bucket), with a Filter as S3
// returns it today.
func AbortRule(id, prefix string, days int) string {
	return fmt.Sprintf("<Rule><ID>%s</ID><Filter><Prefix>%s</Prefix></Filter><Status>Enabled</Status>"+
		"<AbortIncompleteMultipartUpload><DaysAfterInitiation>%d</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>",
		html.EscapeString(id), html.EscapeString(prefix), days)
}

// Service returns the service bucket's last ?lifecycle request was signed
// for (SigV4's credential scope: "s3", or "s3express" for a directory
// bucket's control endpoint).
func (f *Lifecycle) Service(bucket string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.service[bucket]
}

// signedFor is the service of r's SigV4 credential scope.
func signedFor(r *http.Request) string {
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	cred, _, _ = strings.Cut(cred, ",")
	if parts := strings.Split(cred, "/"); len(parts) == 5 {
		return parts[3]
	}
	return ""
}

// put keeps the rules of a configuration as written.
func (f *Lifecycle) put(w http.ResponseWriter, r *http.Request) {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	body, err := io.ReadAll(r.Body)
	_, rules, ok := strings.Cut(string(body), "<Rule>")
	rules, _, _ = strings.Cut(rules, "</LifecycleConfiguration>")
	if err != nil || !ok {
		writeError(w, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed")
		return
	}
	f.mu.Lock()
	f.rules[bucket], f.service[bucket] = "<Rule>"+rules, signedFor(r)
	f.mu.Unlock()
}

func (f *Lifecycle) serve(w http.ResponseWriter, r *http.Request) {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	f.mu.Lock()
	f.requests[bucket]++
	f.service[bucket] = signedFor(r)
	rules, ok := f.rules[bucket]
	denied := f.denied[bucket]
	failed, fails := f.failed[bucket]
	f.mu.Unlock()
	switch {
	case denied:
		writeError(w, http.StatusForbidden, "AccessDenied", "Access Denied")
	case fails:
		writeError(w, failed.status, failed.code, html.EscapeString(failed.message))
	case !ok:
		writeError(w, http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	default:
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
			`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s</LifecycleConfiguration>`, rules)
	}
}
