// Package regionproxy is the tests' multi-region S3: one front for several
// S3 servers, one per region, that answers the way AWS does. It reads the
// region a request was signed for from its SigV4 credential scope
// (Credential=AK/DATE/REGION/s3/aws4_request) and
//
//   - forwards a request for a bucket of that region to that region's
//     server;
//   - answers any other bucket request as S3 does: 301 PermanentRedirect
//     with no Location, the bucket's region in x-amz-bucket-region and an
//     XML body naming Endpoint and Bucket (HeadBucket: a bodyless 301 with
//     the header); or, in Mode400, 400 AuthorizationHeaderMalformed with
//     the region in the body only;
//   - merges ListBuckets over every region, with each bucket's
//     <BucketRegion> when the request has max-buckets, continuation-token
//     or prefix (as AWS does), unless NoBucketRegion;
//   - refuses (403 AccessDenied) a request whose x-amz-expected-bucket-owner
//     differs from the bucket's owner (Owners);
//   - serves access points (AccessPoints): a request for an access point ARN,
//     which the SDK sends virtual-hosted to NAME-ACCOUNT.<endpoint host>
//     (a client reaches the front for that host through HTTP_PROXY), or
//     for an access point alias used as a bucket name, reaches the
//     access point's bucket;
//   - answers for directory buckets as S3 Express One Zone does (see
//     directory.go).
//
// It records what it saw for the tests to count.
//
// Files: regionproxy.go, the front, its regions and access points;
// directory.go, directory buckets (ListDirectoryBuckets, CreateSession,
// their unsorted listings).
package regionproxy

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/s3server"
)

// Seen is one request as the proxy saw it.
type Seen struct {
	Method, Bucket string
	AccessPoint    string // the access point it came through, if any
	Region         string // the region it was signed for
	Op             string // "ListBuckets", "ListDirectoryBuckets", "CreateSession", "HeadBucket", "ListMultipartUploads", "ListParts", "other"
	Answer         int    // the status the proxy answered with, or 0 when forwarded
	Header         http.Header
}

// Modes are how the front answers.
type Modes struct {
	// Mode400 answers a request signed for the wrong region with 400
	// AuthorizationHeaderMalformed (region in the body only) instead of 301.
	Mode400 bool
	// NoBucketRegion leaves <BucketRegion> out of ListBuckets (servers
	// that do not know it).
	NoBucketRegion bool
	// Owners maps a bucket to its owner's account ID; unlisted buckets
	// are the caller's.
	Owners map[string]string
	// AccessPoints are the account's access points.
	AccessPoints []AccessPoint
}

// AccessPoint is an access point on one of the front's buckets; it lives
// in its bucket's region.
type AccessPoint struct {
	Name, Account, Bucket string
	Alias                 string // used as a bucket name, path-style
}

// rebase replaces the prefix cut of path with "/"+bucket ("" stays "").
func rebase(path, cut, bucket string) string {
	if path == "" {
		return ""
	}
	rest := strings.TrimPrefix(path, cut)
	if rest == "/" {
		rest = ""
	}
	return "/" + bucket + rest
}

// ARN is the access point's ARN in region.
func (ap AccessPoint) ARN(region string) string {
	return "arn:aws:s3:" + region + ":" + ap.Account + ":accesspoint/" + ap.Name
}

// accessPoint finds the access point a request is for, by its virtual host
// (NAME-ACCOUNT.…) or by its alias in the path's first segment, and rewrites
// the request's path to the access point's bucket.
func (m Modes) accessPoint(r *http.Request, first string) (AccessPoint, bool) {
	label, _, _ := strings.Cut(r.Host, ".")
	for _, ap := range m.AccessPoints {
		var cut string
		switch {
		case strings.Contains(r.Host, ".") && label == ap.Name+"-"+ap.Account:
			cut = ""
		case first != "" && first == ap.Alias:
			cut = "/" + ap.Alias
		default:
			continue
		}
		r.URL.Path = rebase(r.URL.Path, cut, ap.Bucket)
		r.URL.RawPath = rebase(r.URL.RawPath, cut, ap.Bucket)
		r.Host = "" // the backend is asked path-style
		return ap, true
	}
	return AccessPoint{}, false
}

// Proxy is the front; safe for concurrent use.
type Proxy struct {
	URL string

	modes    Modes
	srv      *httptest.Server
	backends map[string]*httputil.ReverseProxy // region → server
	targets  map[string]string                 // region → URL
	mu       sync.Mutex
	seen     []Seen
}

// New starts a front over servers, a map from region to an S3 server's
// URL (path-style).
func New(servers map[string]string) (*Proxy, error) {
	p := &Proxy{backends: map[string]*httputil.ReverseProxy{}, targets: servers}
	for region, target := range servers {
		u, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		p.backends[region] = httputil.NewSingleHostReverseProxy(u)
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	return p, nil
}

// Close stops the front.
func (p *Proxy) Close() { p.srv.Close() }

// SetModes changes how the front answers from now on.
func (p *Proxy) SetModes(m Modes) {
	p.mu.Lock()
	p.modes = m
	p.mu.Unlock()
}

// Seen returns the requests seen so far, and forgets them.
func (p *Proxy) Seen() []Seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.seen
	p.seen = nil
	return s
}

var scope = regexp.MustCompile(`Credential=[^/]+/[0-9]{8}/([^/]+)/s3(?:express)?/aws4_request`)

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	region := ""
	if m := scope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region = m[1]
	}
	p.mu.Lock()
	modes := p.modes
	p.mu.Unlock()
	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	ap, viaAP := modes.accessPoint(r, bucket)
	if viaAP {
		bucket = ap.Bucket
	}
	s := Seen{Method: r.Method, Bucket: bucket, AccessPoint: ap.Name, Region: region, Op: opOf(r, bucket), Header: r.Header.Clone()}
	defer func() {
		p.mu.Lock()
		p.seen = append(p.seen, s)
		p.mu.Unlock()
	}()
	home, err := p.home(bucket)
	if err == nil {
		if status, ok := p.directoryOp(w, r, bucket, region, home); ok {
			s.Answer = status
			return
		}
	}
	if bucket == "" {
		s.Answer = p.listBuckets(w, r, !modes.NoBucketRegion)
		return
	}
	switch {
	case err != nil:
		s.Answer = writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
	case home == "":
		s.Answer = writeError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "")
	case home != region && modes.Mode400 && r.Method != http.MethodHead:
		s.Answer = writeError(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed",
			fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", region, home),
			"<Region>"+home+"</Region>")
	case home != region:
		w.Header().Set("x-amz-bucket-region", home)
		s.Answer = writeError(w, r, http.StatusMovedPermanently, "PermanentRedirect",
			"The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			"<Endpoint>"+bucket+".s3."+home+".amazonaws.com</Endpoint><Bucket>"+bucket+"</Bucket>")
	case r.Header.Get("x-amz-expected-bucket-owner") != "" && r.Header.Get("x-amz-expected-bucket-owner") != modes.Owners[bucket]:
		s.Answer = writeError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied", "")
	default:
		w.Header().Set("x-amz-bucket-region", home)
		p.backends[home].ServeHTTP(w, r)
	}
}

func opOf(r *http.Request, bucket string) string {
	q := r.URL.Query()
	switch {
	case bucket == "" && q.Get("x-id") == "ListDirectoryBuckets":
		return "ListDirectoryBuckets"
	case bucket == "":
		return "ListBuckets"
	case r.Method == http.MethodHead:
		return "HeadBucket"
	case q.Has("session"):
		return "CreateSession"
	case q.Has("uploadId"):
		return "ListParts"
	case q.Has("uploads"):
		return "ListMultipartUploads"
	}
	return "other"
}

// home returns the region whose server has bucket, or "".
func (p *Proxy) home(bucket string) (string, error) {
	all, err := p.buckets()
	if err != nil {
		return "", err
	}
	for _, b := range all {
		if b.Name == bucket {
			return b.Region, nil
		}
	}
	return "", nil
}

type bucketXML struct {
	Name         string
	CreationDate string
	BucketRegion string `xml:",omitempty"`
	Region       string `xml:"-"`
}

// buckets asks every region's server for its buckets.
func (p *Proxy) buckets() ([]bucketXML, error) {
	var all []bucketXML
	for region, target := range p.targets {
		res, err := http.Get(target + "/")
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		var out struct {
			Buckets []bucketXML `xml:"Buckets>Bucket"`
		}
		if err := xml.Unmarshal(body, &out); err != nil {
			return nil, fmt.Errorf("ListBuckets of %s: %v", region, err)
		}
		for _, b := range out.Buckets {
			b.Region = region
			all = append(all, b)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

// listBuckets merges every region's buckets into one answer.
func (p *Proxy) listBuckets(w http.ResponseWriter, r *http.Request, regions bool) int {
	all, err := p.buckets()
	if err != nil {
		return writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error(), "")
	}
	q := r.URL.Query()
	withRegion := regions && (q.Has("max-buckets") || q.Has("continuation-token") || q.Has("prefix"))
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>owner</ID></Owner><Buckets>`)
	for _, bk := range all {
		if IsDirectory(bk.Name) {
			continue // not in ListBuckets
		}
		if withRegion {
			bk.BucketRegion = bk.Region
		}
		out, _ := xml.Marshal(struct {
			bucketXML
			XMLName xml.Name `xml:"Bucket"`
		}{bucketXML: bk})
		b.Write(out)
	}
	b.WriteString(`</Buckets></ListAllMyBucketsResult>`)
	w.Header().Set("Content-Type", "application/xml")
	w.Write(b.Bytes())
	return http.StatusOK
}

// writeError answers an S3 error (a HEAD without a body).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg, extra string) int {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message>%s<RequestId>0</RequestId></Error>`, code, msg, extra)
	}
	return status
}

// World is a multi-region S3 for tests: one demo server per region behind
// a Proxy.
type World struct {
	*Proxy
	Servers map[string]*s3server.Server // by region
}

// Start starts a World with the given regions.
func Start(regions ...string) (*World, error) {
	w := &World{Servers: map[string]*s3server.Server{}}
	urls := map[string]string{}
	for _, r := range regions {
		srv, err := s3server.Start()
		if err != nil {
			w.Close()
			return nil, err
		}
		w.Servers[r], urls[r] = srv, srv.URL
	}
	p, err := New(urls)
	if err != nil {
		w.Close()
		return nil, err
	}
	w.Proxy = p
	return w, nil
}

// Close stops the front and every server.
func (w *World) Close() {
	if w.Proxy != nil {
		w.Proxy.Close()
	}
	for _, s := range w.Servers {
		s.Close()
	}
}

// Client returns a client that signs for region and sends to the front.
func (w *World) Client(region string) *s3.Client {
	return s3.New(w.Servers[firstRegion(w.Servers)].Client().Options(), func(o *s3.Options) {
		o.Region = region
		o.BaseEndpoint = aws.String(w.URL)
	})
}

func firstRegion(m map[string]*s3server.Server) string {
	for r := range m {
		return r
	}
	return ""
}
