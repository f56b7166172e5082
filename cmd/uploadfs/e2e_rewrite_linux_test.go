package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"testing"
)

// rewritingProxy is a proxy to target, closed when the test ends, that
// passes the body of each successful GET answer to a request with one of
// the query parameters in through rewrite: how the tests give an
// S3-compatible server the answers of another.
func rewritingProxy(t *testing.T, target string, rewrite func(req *http.Request, body []byte) []byte, params ...string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(res *http.Response) error {
		if res.StatusCode != http.StatusOK || res.Request.Method != http.MethodGet || !hasAny(res.Request.URL.Query(), params) {
			return nil
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		body = rewrite(res.Request, body)
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

func hasAny(q url.Values, params []string) bool {
	for _, p := range params {
		if q.Has(p) {
			return true
		}
	}
	return false
}
