package faultproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Accounts makes chosen accounts of a server that speaks Organizations,
// STS and S3 at once (moto_server) fail as AWS makes them fail, which
// moto never does: a role that cannot be assumed, a ListBuckets refused,
// an account suspended. Set it as Proxy.Accounts before use; safe for
// concurrent use.
//
// It learns whose credentials sign an S3 request from the AssumeRole
// answers it forwards: each access key ID is the account of the role
// it was issued for.
type Accounts struct {
	mu        sync.Mutex
	noRole    map[string]bool
	noList    map[string]bool
	suspended map[string]bool
	keys      map[string]string // access key ID → account
	refused   map[string]int    // account → requests refused
}

// NewAccounts returns Accounts that change nothing yet.
func NewAccounts() *Accounts {
	return &Accounts{noRole: map[string]bool{}, noList: map[string]bool{}, suspended: map[string]bool{},
		keys: map[string]string{}, refused: map[string]int{}}
}

// MissingRole makes AssumeRole into account refused with 403
// AccessDenied, STS's answer for a role that does not exist or does not
// trust the caller.
func (a *Accounts) MissingRole(account string) { a.set(a.noRole, account) }

// DenyListBuckets makes ListBuckets signed with account's credentials
// refused with 403 AccessDenied.
func (a *Accounts) DenyListBuckets(account string) { a.set(a.noList, account) }

// Suspend makes ListAccounts say account is SUSPENDED.
func (a *Accounts) Suspend(account string) { a.set(a.suspended, account) }

// Refused is how many of account's requests were refused.
func (a *Accounts) Refused(account string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refused[account]
}

func (a *Accounts) set(m map[string]bool, account string) {
	a.mu.Lock()
	m[account] = true
	a.mu.Unlock()
}

// refuse reports whether m holds account, counting a refusal if so.
func (a *Accounts) refuse(m map[string]bool, account string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m[account] {
		a.refused[account]++
	}
	return m[account]
}

var (
	accessKeyElem = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)
	credential    = regexp.MustCompile(`Credential=([^/]+)/`)
)

// serve answers r if it is one Accounts changes, and reports whether it
// did.
func (a *Accounts) serve(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) bool {
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == ""):
		m := credential.FindStringSubmatch(r.Header.Get("Authorization"))
		a.mu.Lock()
		account := ""
		if m != nil {
			account = a.keys[m[1]]
		}
		a.mu.Unlock()
		if !a.refuse(a.noList, account) {
			return false
		}
		writeError(w, http.StatusForbidden, "AccessDenied", "User: arn:aws:sts::"+account+":assumed-role/audit/uploadfs is not authorized to perform: s3:ListAllMyBuckets")
		return true
	case strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ListAccounts"):
		a.listAccounts(w, r, rp)
		return true
	case r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") != "AssumeRole" {
			return false
		}
		a.assumeRole(w, r, rp, form.Get("RoleArn"))
		return true
	}
	return false
}

// assumeRole refuses or forwards an AssumeRole into role, learning the
// access key it issues.
func (a *Accounts) assumeRole(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy, role string) {
	account := ""
	if p := strings.Split(role, ":"); len(p) > 4 {
		account = p[4]
	}
	if a.refuse(a.noRole, account) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>`+
			`<Message>User: arn:aws:iam::123456789012:user/admin is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error>`+
			`<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>`, role)
		return
	}
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r)
	if m := accessKeyElem.FindSubmatch(rec.Body.Bytes()); m != nil {
		a.mu.Lock()
		a.keys[string(m[1])] = account
		a.mu.Unlock()
	}
	relay(w, rec, rec.Body.Bytes())
}

// listAccounts forwards ListAccounts and marks the suspended accounts.
func (a *Accounts) listAccounts(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r)
	var page map[string]any
	body := rec.Body.Bytes()
	if json.Unmarshal(body, &page) == nil {
		list, _ := page["Accounts"].([]any)
		for _, acct := range list {
			if m, ok := acct.(map[string]any); ok && a.refuse(a.suspended, fmt.Sprint(m["Id"])) {
				m["State"], m["Status"] = "SUSPENDED", "SUSPENDED"
			}
		}
		body, _ = json.Marshal(page)
	}
	relay(w, rec, body)
}

// relay writes rec's answer with body instead of its own.
func relay(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}
