// Package glacierserver is a small in-memory server of the S3 Glacier vault
// API's multipart uploads, for the tests and `uploadfs demo --glacier`: no
// open-source server implements them. It speaks Glacier's REST/JSON
// protocol to the real SDK client:
//
//	PUT    /{account}/vaults/{vault}                               CreateVault
//	GET    /{account}/vaults                                       ListVaults
//	POST   /{account}/vaults/{vault}/multipart-uploads             InitiateMultipartUpload
//	GET    /{account}/vaults/{vault}/multipart-uploads             ListMultipartUploads
//	PUT    /{account}/vaults/{vault}/multipart-uploads/{id}        UploadMultipartPart
//	GET    /{account}/vaults/{vault}/multipart-uploads/{id}        ListParts
//	DELETE /{account}/vaults/{vault}/multipart-uploads/{id}        AbortMultipartUpload
//	POST   /{account}/vaults/{vault}/multipart-uploads/{id}        CompleteMultipartUpload
//
// As Glacier does, it pages with opaque markers and a limit (default 50 for
// uploads and parts, 10 for vaults, at most 1,000), checks the SHA-256 tree
// hash a client sends with each part, requires part ranges aligned to the
// part size, and answers errors with Glacier's JSON bodies. Requests are
// not authenticated unless SetAccessKey was called; then only that key is
// accepted.
//
// Files: server.go, routing and the vaults; ops.go, the operations and
// their JSON; treehash.go, the SHA-256 tree hash parts are checked with.
package glacierserver

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Account is the account ID of every vault; "-" in a path means it.
const Account = "123456789012"

// Server is the state and the http.Handler. The zero value is not usable;
// call New.
type Server struct {
	// Region appears in vault ARNs.
	Region string
	// Now is the clock; tests move it to backdate uploads.
	Now func() time.Time

	mu        sync.Mutex
	accessKey string                            // see SetAccessKey
	mangle    func(op, marker string, body any) // see SetMangle
	vaults    map[string]*vault
	requests  atomic.Int64
}

type vault struct {
	name    string
	created time.Time
	uploads map[string]*upload
}

type upload struct {
	id          string
	description string
	partSize    int64
	created     time.Time
	parts       []part // sorted by start
}

type part struct {
	start, end int64
	treeHash   string
}

// New returns an empty server.
func New() *Server {
	return &Server{Region: "us-east-1", Now: time.Now, vaults: map[string]*vault{}}
}

// SetAccessKey makes key the only access key accepted; "" accepts any.
func (s *Server) SetAccessKey(key string) {
	s.mu.Lock()
	s.accessKey = key
	s.mu.Unlock()
}

// SetMangle sets a function that may change a response body before it is
// sent (nil: none): tests use it to send what a broken server would. op
// is the operation name, marker the request's, body a pointer to its
// response struct (ListVaultsOutput, ListUploadsOutput, ListPartsOutput).
func (s *Server) SetMangle(f func(op, marker string, body any)) {
	s.mu.Lock()
	s.mangle = f
	s.mu.Unlock()
}

// Requests returns how many requests the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// apiError is a Glacier error: its HTTP status and JSON body.
type apiError struct {
	status int
	Code   string `json:"code"`
	Msg    string `json:"message"`
	Type   string `json:"type"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Msg }

func notFound(format string, a ...any) *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf(format, a...), "Client"}
}

func invalid(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameterValueException", fmt.Sprintf(format, a...), "Client"}
}

func missing(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, "MissingParameterValueException", fmt.Sprintf(format, a...), "Client"}
}

// ServeHTTP routes a request to its operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if err := s.serve(w, r); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", err.Code)
		w.WriteHeader(err.status)
		json.NewEncoder(w).Encode(err)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.authorize(r); err != nil {
		return err
	}
	if r.Header.Get("X-Amz-Glacier-Version") != "2012-06-01" {
		return missing("Required header x-amz-glacier-version is missing or not 2012-06-01")
	}
	p := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for i := range p {
		p[i] = unescape(p[i])
	}
	if len(p) < 2 || p[1] != "vaults" {
		return &apiError{http.StatusNotFound, "UnknownOperationException", "no such operation: " + r.Method + " " + r.URL.Path, "Client"}
	}
	if p[0] != "-" && p[0] != Account {
		return &apiError{http.StatusForbidden, "AccessDeniedException", "account " + p[0] + " is not yours", "Client"}
	}
	switch {
	case len(p) == 2 && r.Method == http.MethodGet:
		return s.listVaults(w, r)
	case len(p) == 3 && r.Method == http.MethodPut:
		return s.createVault(w, p[2])
	case len(p) == 4 && p[3] == "multipart-uploads" && r.Method == http.MethodPost:
		return s.initiate(w, r, p[2])
	case len(p) == 4 && p[3] == "multipart-uploads" && r.Method == http.MethodGet:
		return s.listUploads(w, r, p[2])
	case len(p) == 5 && p[3] == "multipart-uploads" && r.Method == http.MethodPut:
		return s.uploadPart(w, r, p[2], p[4])
	case len(p) == 5 && p[3] == "multipart-uploads" && r.Method == http.MethodGet:
		return s.listParts(w, r, p[2], p[4])
	case len(p) == 5 && p[3] == "multipart-uploads" && r.Method == http.MethodDelete:
		return s.abort(w, p[2], p[4])
	case len(p) == 5 && p[3] == "multipart-uploads" && r.Method == http.MethodPost:
		return s.complete(w, r, p[2], p[4])
	}
	return &apiError{http.StatusNotFound, "UnknownOperationException", "no such operation: " + r.Method + " " + r.URL.Path, "Client"}
}

// authorize accepts a SigV4 Authorization header naming the access key,
// when one is set. (Signatures are not verified: this is a test server.)
func (s *Server) authorize(r *http.Request) *apiError {
	if s.accessKey == "" || strings.Contains(r.Header.Get("Authorization"), "Credential="+s.accessKey+"/") {
		return nil
	}
	return &apiError{http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.", "Client"}
}

func (s *Server) arn(v string) string {
	return fmt.Sprintf("arn:aws:glacier:%s:%s:vaults/%s", s.Region, Account, v)
}

func (s *Server) vault(name string) (*vault, *apiError) {
	v := s.vaults[name]
	if v == nil {
		return nil, notFound("Vault not found for ARN: %s", s.arn(name))
	}
	return v, nil
}

func (s *Server) upload(vaultName, id string) (*upload, *apiError) {
	v, err := s.vault(vaultName)
	if err != nil {
		return nil, err
	}
	u := v.uploads[id]
	if u == nil {
		return nil, notFound("Multipart upload not found: %s", id)
	}
	return u, nil
}

// date formats t as Glacier does.
func date(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func reply(w http.ResponseWriter, status int, body any) *apiError {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
	return nil
}

// newID returns an upload ID shaped like Glacier's: 92 URL-safe characters.
func newID() string {
	b := make([]byte, 69)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func unescape(s string) string {
	if u, err := urlUnescape(s); err == nil {
		return u
	}
	return s
}
