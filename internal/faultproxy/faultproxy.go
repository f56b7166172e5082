// Package faultproxy is the tests' misbehaving network: an HTTP proxy in
// front of a real S3 server that answers chosen requests with a fault —
// 503 SlowDown, a reset connection, a slow answer, a truncated or malformed
// body, a marker that does not advance, NoSuchUpload — or with the quirks
// of real servers (SeaweedFS, versitygw, MinIO, OpenStack Swift in swift.go,
// inclusive markers, Wasabi's abort date, Cloudflare R2's bucket pages in
// r2.go), a lifecycle rule dropped or changed meanwhile (acting.go),
// delimiters and prefixes that lose keys and Ceph RGW (delimiter.go), and
// counts what it did.
//
// Files: faultproxy.go, the proxy, its faults and its counters; throttle.go,
// a rule that throttles as S3 does beyond a request rate; swift.go,
// OpenStack Swift's ListMultipartUploads rebuilt over the server behind;
// r2.go, Cloudflare R2's ListBuckets pages; lifecycle.go, a front that
// answers GetBucketLifecycleConfiguration (rules, none, refusals) for
// servers without it; acting.go, the faults of lifecycle writes and the
// count of changing requests; accounts.go, the failures of accounts (a
// role that cannot be assumed, ListBuckets refused, an account
// suspended) over a multi-account server (moto_server); testing.go, the
// tests' way to start a proxy or a front and close it when the test ends;
// delimiter.go, delimiters, prefixes and key encodings that lose or garble
// keys.
package faultproxy

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// Fault is what the proxy does to one request.
type Fault int

const (
	None         Fault = iota
	SlowDown           // 503 SlowDown, as S3 throttles
	Reset              // the connection is closed without an answer
	Slow               // the answer comes after Proxy.SlowBy
	Truncate           // the answer stops half-way through its body
	Malformed          // the answer is not XML
	RepeatMarker       // a ListParts answer whose next marker is the request's own
	NoSuchUpload       // 404 NoSuchUpload, as for an upload aborted meanwhile
	NoSuchKey          // 404 NoSuchKey, Ceph RGW's answer for an upload it does not know

	// Quirks of real servers (the project's testbed notes), reproduced over
	// gofakes3, whose part-number marker is already inclusive.

	// SeaweedParts: ListParts's next marker is the last part listed, and the
	// marker is inclusive: every page starts with the previous page's last
	// part (SeaweedFS 4.44).
	SeaweedParts
	// SeaweedUploads: ListMultipartUploads claims EncodingType url but keys
	// are sent raw, and uploads have no Initiated, Owner, Initiator or
	// StorageClass (SeaweedFS 4.44).
	SeaweedUploads
	// VersityMarker: ListMultipartUploads refuses an upload-id marker with
	// 400 InvalidArgument, its own included (versitygw v1.8.0).
	VersityMarker
	// MinIOFlat: ListMultipartUploads ignores the delimiter, MaxUploads and
	// the markers, and takes a prefix for an exact key (MinIO).
	MinIOFlat
	// Forbidden: 403 AccessDenied.
	Forbidden
	// Swift: OpenStack Swift's s3api (swift.go): ListMultipartUploads
	// answered as Swift computes it, max-parts capped at 1,000.
	Swift
	// InclusiveUploads: ListMultipartUploads's markers are inclusive and
	// its Next markers name the page's last upload, so that upload comes
	// again at the head of the next page (rclone serve s3, as the testbed
	// notes saw it; gofakes3's own key marker is inclusive already).
	InclusiveUploads
	// ISOAbortDate: ListParts answers carry x-amz-abort-date in ISO 8601
	// (2026-07-23T10:19:21Z), not an HTTP-date (Wasabi).
	ISOAbortDate
	// BadAbortDate: ListParts answers carry an x-amz-abort-date no format
	// reads.
	BadAbortDate
	// R2Buckets: ListBuckets paged as Cloudflare R2 pages it (r2.go), in
	// pages of Proxy.R2Page buckets.
	R2Buckets
	// R2LostToken: as R2Buckets, but a truncated page carries no next
	// token (neither element nor header), only cf-is-truncated: true.
	R2LostToken
	// DropLifecycle: PutBucketLifecycleConfiguration is answered 200 and
	// not forwarded, as a server that takes a rule and drops it (MinIO's
	// AbortIncompleteMultipartUpload) (acting.go).
	DropLifecycle
	// ChangeLifecycle: GetBucketLifecycleConfiguration is answered with one
	// rule more than the server holds, as if someone had just added it
	// (acting.go).
	ChangeLifecycle
	// DelimiterIgnored, DelimiterDrops, PrefixEmpty, SilentEncoding and
	// RGW: delimiters, prefixes and key encodings that lose or garble
	// keys (delimiter.go).
	DelimiterIgnored
	DelimiterDrops
	PrefixEmpty
	SilentEncoding
	RGW
	numFaults
)

var faultNames = [...]string{"none", "503 SlowDown", "connection reset", "slow answer", "truncated XML", "malformed XML", "repeated marker", "NoSuchUpload", "NoSuchKey",
	"SeaweedFS part markers", "SeaweedFS upload listing", "versitygw upload-id marker", "MinIO flat listing", "403 AccessDenied",
	"OpenStack Swift s3api", "inclusive upload markers", "ISO 8601 abort date", "unreadable abort date",
	"R2 bucket pages", "R2 bucket page without token", "lifecycle rule dropped", "lifecycle changed meanwhile",
	"delimiter ignored", "keys below the delimiter dropped", "prefix answered empty", "keys encoded unannounced", "Ceph RGW"}

func (f Fault) String() string { return faultNames[f] }

// Request is what a rule sees of a request.
type Request struct {
	Op     string // "ListParts", "ListMultipartUploads", "ListBuckets", "AbortMultipartUpload", "Get…"/"PutBucketLifecycleConfiguration" or "other"
	Query  url.Values
	Marker string // part-number-marker or key-marker
	Seq    int    // how many requests of this Op came before it
	Key    string // method, path and query: identical requests share it
	// InFlight is the requests in flight at the proxy, this one included.
	InFlight int
}

// Proxy forwards to a server and applies Rule. Set Rule, SlowBy and Delay
// before use; the counters are read with Stats.
type Proxy struct {
	URL    string
	SlowBy time.Duration
	// Delay, if set, holds every answer that long (a distant server), so
	// that the requests of one round trip overlap however busy the
	// machine is.
	Delay time.Duration
	// R2Page is the page size of R2Buckets and R2LostToken (0: R2's 1,000).
	R2Page int
	// Accounts, if set, fails chosen accounts of a multi-account server
	// (accounts.go) before any rule applies.
	Accounts *Accounts

	mu       sync.Mutex
	rule     func(Request) Fault
	seq      map[string]int
	requests int
	faults   [numFaults]int
	inFlight int
	maxIn    int
	waves    int
	srv      *httptest.Server
	tr       *http.Transport
}

// New starts a proxy in front of target (an http:// URL).
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{seq: map[string]int{}, SlowBy: 2 * time.Second, tr: http.DefaultTransport.(*http.Transport).Clone()}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = p.tr
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(w, r, rp)
	}))
	p.URL = p.srv.URL
	return p, nil
}

// Close stops the proxy and closes its connections on both sides.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.tr.CloseIdleConnections()
}

// SetRule replaces the rule; nil injects nothing.
func (p *Proxy) SetRule(rule func(Request) Fault) {
	p.mu.Lock()
	p.rule = rule
	p.mu.Unlock()
}

// Waves returns the round-trip waves seen (how often requests began while
// none was in flight: a walk that waits for each answer before it asks the
// next has one wave per request, one that asks ahead has few) and the most
// requests in flight at once. Unlike a duration, neither depends on how busy
// the machine is.
func (p *Proxy) Waves() (waves, maxInFlight int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waves, p.maxIn
}

// Stats returns the requests seen and the faults injected, by kind.
func (p *Proxy) Stats() (requests int, faults map[Fault]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	faults = map[Fault]int{}
	for f, n := range p.faults {
		if n > 0 && Fault(f) != None {
			faults[Fault(f)] = n
		}
	}
	return p.requests, faults
}

func opOf(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && q.Has("uploadId"):
		return "ListParts"
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return "AbortMultipartUpload"
	case r.Method == http.MethodGet && q.Has("uploads"):
		return "ListMultipartUploads"
	case r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == ""):
		return "ListBuckets"
	case q.Has("lifecycle") || q.Has("tagging"):
		return configOp(r.Method, q)
	}
	return "other"
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	if p.Accounts != nil && p.Accounts.serve(w, r, rp) {
		return
	}
	req, fault, slowBy, delay, r2Page := p.admit(r)
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	q := req.Query
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch fault {
	case SlowDown:
		writeError(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case NoSuchUpload:
		writeError(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist.")
	case NoSuchKey:
		writeError(w, http.StatusNotFound, "NoSuchKey", "")
	case Forbidden:
		writeError(w, http.StatusForbidden, "AccessDenied", "Access Denied")
	case Reset:
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				tcp.SetLinger(0) // RST, not FIN
			}
			conn.Close()
		}
	case Slow:
		select {
		case <-time.After(slowBy):
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	case Malformed:
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, "<ListPartsResult><Part><PartNumber>1</Part>\x00garbage")
	case VersityMarker:
		if q.Has("upload-id-marker") {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "Invalid uploadId marker")
			return
		}
		rp.ServeHTTP(w, r)
	case R2Buckets, R2LostToken:
		if req.Op != "ListBuckets" {
			rp.ServeHTTP(w, r)
			return
		}
		serveR2Buckets(w, r, rp, r2Page, fault == R2LostToken)
	case DropLifecycle, ChangeLifecycle:
		serveActing(fault, w, r, rp)
	case DelimiterIgnored, DelimiterDrops, PrefixEmpty, SilentEncoding, RGW:
		serveDelimiter(w, r, rp, fault)
	case Swift:
		if req.Op == "ListMultipartUploads" {
			serveSwiftUploads(w, r, rp)
			return
		}
		capMaxParts(r)
		rp.ServeHTTP(w, r)
	case Truncate, RepeatMarker, SeaweedParts, SeaweedUploads, MinIOFlat, InclusiveUploads, ISOAbortDate, BadAbortDate:
		serveRewritten(fault, w, r, rp, req)
	default:
		rp.ServeHTTP(w, r)
	}
}

// admit counts a request in and decides its fault by the rule, under the
// lock: the request as the rule sees it, its fault, and the settings of
// the moment. The caller counts it out (inFlight) when done.
func (p *Proxy) admit(r *http.Request) (req Request, fault Fault, slowBy, delay time.Duration, r2Page int) {
	q := r.URL.Query()
	req = Request{Op: opOf(r), Query: q, Marker: q.Get("part-number-marker") + q.Get("key-marker"),
		Key: r.Method + " " + r.URL.Path + "?" + q.Encode()}
	p.mu.Lock()
	defer p.mu.Unlock()
	req.Seq = p.seq[req.Op]
	p.seq[req.Op]++
	p.requests++
	if p.inFlight == 0 {
		p.waves++
	}
	p.inFlight++
	p.maxIn = max(p.maxIn, p.inFlight)
	req.InFlight = p.inFlight
	if p.rule != nil && req.Op != "other" {
		fault = p.rule(req)
	}
	p.faults[fault]++
	return req, fault, p.SlowBy, p.Delay, p.R2Page
}

// serveRewritten forwards the request (MinIOFlat: without the parameters
// MinIO ignores) and rewrites the server's answer as fault says.
func serveRewritten(fault Fault, w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy, req Request) {
	q := req.Query
	prefix := q.Get("prefix")
	if fault == MinIOFlat {
		for _, k := range []string{"delimiter", "max-uploads", "key-marker", "upload-id-marker", "prefix"} {
			q.Del(k)
		}
		r.URL.RawQuery = q.Encode()
	}
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r)
	body := rewrite(fault, rec.Body.Bytes(), req.Query, prefix)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	switch fault {
	case ISOAbortDate:
		w.Header().Set("X-Amz-Abort-Date", ISODate)
		w.Header().Set("X-Amz-Abort-Rule-Id", "wasabi-30-days")
	case BadAbortDate:
		w.Header().Set("X-Amz-Abort-Date", "soon")
		w.Header().Set("X-Amz-Abort-Rule-Id", "wasabi-30-days")
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

var (
	nextMarker  = regexp.MustCompile(`<NextPartNumberMarker>[0-9]*</NextPartNumberMarker>`)
	partNumber  = regexp.MustCompile(`<PartNumber>([0-9]+)</PartNumber>`)
	uploadElem  = regexp.MustCompile(`(?s)<Upload>.*?</Upload>`)
	keyElem     = regexp.MustCompile(`<Key>([^<]*)</Key>`)
	idElem      = regexp.MustCompile(`<UploadId>([^<]*)</UploadId>`)
	nextKeyElem = regexp.MustCompile(`<NextKeyMarker>[^<]*</NextKeyMarker>|<NextKeyMarker/>`)
	nextIDElem  = regexp.MustCompile(`<NextUploadIdMarker>[^<]*</NextUploadIdMarker>|<NextUploadIdMarker/>`)
	seaweedGone = regexp.MustCompile(`(?s)<(Initiated|Owner|Initiator|StorageClass)>.*?</(Initiated|Owner|Initiator|StorageClass)>`)
)

// rewrite turns a server's answer into the faulty one.
func rewrite(fault Fault, body []byte, q url.Values, prefix string) []byte {
	switch fault {
	case Truncate:
		return body[:len(body)/2]
	case RepeatMarker:
		return nextMarker.ReplaceAll(body, []byte("<NextPartNumberMarker>"+orZero(q.Get("part-number-marker"))+"</NextPartNumberMarker>"))
	case SeaweedParts:
		if all := partNumber.FindAllSubmatch(body, -1); len(all) > 0 {
			last := all[len(all)-1][1]
			body = nextMarker.ReplaceAll(body, []byte("<NextPartNumberMarker>"+string(last)+"</NextPartNumberMarker>"))
		}
		return body
	case SeaweedUploads:
		body = seaweedGone.ReplaceAll(body, nil)
		return bytes.Replace(body, []byte("<Bucket>"), []byte("<EncodingType>url</EncodingType><Bucket>"), 1)
	case InclusiveUploads:
		ups := uploadElem.FindAll(body, -1)
		if len(ups) == 0 || !bytes.Contains(body, []byte("<IsTruncated>true</IsTruncated>")) {
			return body
		}
		last := ups[len(ups)-1]
		key, id := keyElem.FindSubmatch(last), idElem.FindSubmatch(last)
		if key == nil || id == nil {
			return body
		}
		body = nextKeyElem.ReplaceAll(body, nil)
		body = nextIDElem.ReplaceAll(body, nil)
		return bytes.Replace(body, []byte("<IsTruncated>"), []byte("<NextKeyMarker>"+string(key[1])+"</NextKeyMarker><NextUploadIdMarker>"+string(id[1])+"</NextUploadIdMarker><IsTruncated>"), 1)
	case MinIOFlat:
		if prefix == "" {
			return body
		}
		return uploadElem.ReplaceAllFunc(body, func(u []byte) []byte {
			if m := keyElem.FindSubmatch(u); m != nil && html.UnescapeString(string(m[1])) == prefix {
				return u
			}
			return nil
		})
	}
	return body
}

// ISODate is the abort date ISOAbortDate sends.
const ISODate = "2026-07-23T10:19:21Z"

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
