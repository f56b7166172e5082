package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// delayProxy stands between the clients and versitygw and adds a fixed
// delay to every request, as a distant region would; it counts requests.
// The Host header is kept, so SigV4 signatures stay valid.
//
// With replay set, it forwards each distinct listing request (method, path
// and query) to versitygw once and replays that answer (an error too)
// afterwards. S3
// answers a page in about the same time wherever the marker is; versitygw's
// posix backend spends CPU in proportion to the parts after the marker (146
// ms for the first page of 10,000 parts), on the cores the clients use, so
// without replay the benchmark measures versitygw more than the clients.
type delayProxy struct {
	delay     time.Duration
	replay    bool
	requests  atomic.Int64
	listParts atomic.Int64
	inFlight  atomic.Int64
	maxFlight atomic.Int64
	// throttle, if set, answers 503 SlowDown (after the delay) to a
	// request that finds more than throttle in flight, as S3 throttles a
	// prefix; throttled counts them.
	throttle  int64
	throttled atomic.Int64

	mu      sync.Mutex
	answers map[string]answer
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (p *delayProxy) handler(target string) (http.Handler, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p.answers = map[string]answer{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !p.replay || resp.Request.Method != http.MethodGet {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		p.answers[replayKey(resp.Request)] = answer{resp.StatusCode, resp.Header.Clone(), body}
		p.mu.Unlock()
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if r.Method == http.MethodGet && r.URL.Query().Has("uploadId") {
			p.listParts.Add(1)
		}
		n := p.inFlight.Add(1)
		for m := p.maxFlight.Load(); n > m && !p.maxFlight.CompareAndSwap(m, n); m = p.maxFlight.Load() {
		}
		defer p.inFlight.Add(-1)
		time.Sleep(p.delay)
		if p.throttle > 0 && n > p.throttle {
			p.throttled.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		p.mu.Lock()
		a, ok := p.answers[replayKey(r)]
		p.mu.Unlock()
		if ok && r.Method == http.MethodGet {
			for k, v := range a.header {
				w.Header()[k] = v
			}
			w.WriteHeader(a.status)
			w.Write(a.body)
			return
		}
		rp.ServeHTTP(w, r)
	}), nil
}

// replayKey identifies a request by what selects its answer.
func replayKey(r *http.Request) string {
	return r.Method + " " + r.URL.Path + "?" + r.URL.Query().Encode()
}

// counts is a snapshot of the proxy's counters.
type counts struct{ requests, listParts int64 }

func (p *delayProxy) snapshot() counts {
	return counts{p.requests.Load(), p.listParts.Load()}
}

func (c counts) since(before counts) counts {
	return counts{c.requests - before.requests, c.listParts - before.listParts}
}
