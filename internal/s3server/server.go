// Package s3server is the S3 server of the demo and the tests: rclone's
// gofakes3, in memory, on a loopback port, with request counters and a
// clock that can be moved back (server.go, clock.go), and the calls that
// start uploads and upload parts through an SDK client (uploads.go), and
// the tests' way to start one with its buckets, and keys that trip
// servers (testing.go). The demo's seeded tree is package demo's; this
// package knows no tree.
package s3server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"
)

// Server is an in-memory S3-compatible server on 127.0.0.1. It accepts any
// credentials. Close it when done.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:40123.
	URL      string
	Clock    *Clock
	http     *http.Server
	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

// Start starts a server on a free loopback port. Options are gofakes3's
// (tests use WithV4Auth to check credentials).
func Start(opts ...gofakes3.Option) (*Server, error) {
	clock := &Clock{}
	opts = append([]gofakes3.Option{
		gofakes3.WithTimeSource(clock),
		gofakes3.WithTimeSkewLimit(0), // the clock is moved back while seeding
	}, opts...)
	faker := gofakes3.New(s3mem.New(s3mem.WithTimeSource(clock)), opts...).Server()
	s := &Server{Clock: clock}
	var err error
	s.URL, s.http, err = ServeLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		n := s.inFlight.Add(1)
		for m := s.maxIn.Load(); n > m && !s.maxIn.CompareAndSwap(m, n); m = s.maxIn.Load() {
		}
		defer s.inFlight.Add(-1)
		defer func() {
			if recover() == nil {
				return
			}
			// gofakes3 v0.0.11 panics on a ListParts marker past the
			// upload's last part, where S3 answers an empty last page.
			if r.Method == http.MethodGet && r.URL.Query().Has("uploadId") {
				io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>`)
				return
			}
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>gofakes3 failed</Message></Error>`)
		}()
		faker.ServeHTTP(w, r)
	}))
	return s, err
}

// ServeLoopback serves h on a free port of 127.0.0.1 (the Glacier demo
// server is served so too).
func ServeLoopback(h http.Handler) (url string, srv *http.Server, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv = &http.Server{Handler: h}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return "http://" + ln.Addr().String(), srv, nil
}

// Requests returns how many requests the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// MaxInFlight returns the most requests the server has answered at once
// since it started or since ResetMaxInFlight.
func (s *Server) MaxInFlight() int64 { return s.maxIn.Load() }

// ResetMaxInFlight starts counting MaxInFlight anew.
func (s *Server) ResetMaxInFlight() { s.maxIn.Store(0) }

// Close stops the server at once.
func (s *Server) Close() error { return s.http.Close() }

// Client returns an SDK client for the server (path-style, dummy keys).
func (s *Server) Client() *s3.Client { return s.ClientAs("demo", "demo") }

// ClientAs returns an SDK client that signs with the given keys.
func (s *Server) ClientAs(accessKey, secretKey string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		// gofakes3 stores no checksums; plain payloads keep uploads simple.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
}
