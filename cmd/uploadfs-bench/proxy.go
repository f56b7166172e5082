package main

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// delayProxy stands between the clients and versitygw and adds a fixed
// delay to every request, as a distant region would; it counts requests.
// The Host header is kept, so SigV4 signatures stay valid.
type delayProxy struct {
	delay     time.Duration
	requests  atomic.Int64
	listParts atomic.Int64
	inFlight  atomic.Int64
	maxFlight atomic.Int64
}

func (p *delayProxy) handler(target string) (http.Handler, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
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
		rp.ServeHTTP(w, r)
	}), nil
}

// counts is a snapshot of the proxy's counters.
type counts struct{ requests, listParts int64 }

func (p *delayProxy) snapshot() counts {
	return counts{p.requests.Load(), p.listParts.Load()}
}

func (c counts) since(before counts) counts {
	return counts{c.requests - before.requests, c.listParts - before.listParts}
}
