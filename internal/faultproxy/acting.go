package faultproxy

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
)

// configOp names a ?lifecycle or ?tagging request of a bucket.
func configOp(method string, q url.Values) string {
	switch {
	case q.Has("tagging") && method == http.MethodGet:
		return "GetBucketTagging"
	case q.Has("tagging"):
		return "other" // a change: counted as one
	case method == http.MethodGet:
		return "GetBucketLifecycleConfiguration"
	case method == http.MethodPut:
		return "PutBucketLifecycleConfiguration"
	case method == http.MethodDelete:
		return "DeleteBucketLifecycle"
	}
	return "other"
}

// changingOps are the operations that change S3 which uploadfs may send.
var changingOps = []string{"AbortMultipartUpload", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"}

// Count returns how many requests of op the proxy has seen ("other" for
// those it does not name).
func (p *Proxy) Count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq[op]
}

// Changes returns how many requests that change S3 the proxy has seen:
// aborts and lifecycle writes, and every request it does not name (which
// may be one).
func (p *Proxy) Changes() int {
	n := p.Count("other")
	for _, op := range changingOps {
		n += p.Count(op)
	}
	return n
}

// SomeoneElsesRule is the rule ChangeLifecycle adds to what it reads.
const SomeoneElsesRule = `<Rule><ID>someone-else</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`

// serveActing answers a lifecycle request with fault.
func serveActing(fault Fault, w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	switch {
	case fault == DropLifecycle && r.Method == http.MethodPut:
		w.WriteHeader(http.StatusOK)
	case fault == ChangeLifecycle && r.Method == http.MethodGet:
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			body = bytes.Replace(body, []byte("</LifecycleConfiguration>"), []byte(SomeoneElsesRule+"</LifecycleConfiguration>"), 1)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	default:
		rp.ServeHTTP(w, r)
	}
}
