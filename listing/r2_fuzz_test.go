package listing

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Whatever R2's headers hold, r2Token leaves an answer without them as the
// SDK read it, never follows the token just sent as if it were new when
// the SDK's only echoes it, and never ends a listing that cf-is-truncated
// says goes on: a next token or an ErrBadResponse.
func FuzzR2Token(f *testing.F) {
	f.Add("", "", "tok2", "true", true, true)
	f.Add("tok1", "tok1", "tok2", "true", true, true)
	f.Add("tok1", "tok1", "", "false", false, true)
	f.Add("", "", "", "true", false, true)
	f.Add("aws", "", "", "", false, false)
	f.Add("", "", "x", "maybe", true, true)
	f.Fuzz(func(t *testing.T, sdk, sent, token, trunc string, hasToken, hasTrunc bool) {
		h := http.Header{}
		if hasToken {
			h.Set(r2NextToken, token)
		}
		if hasTrunc {
			h.Set(r2Truncated, trunc)
		}
		next, err := r2Token(sdk, sent, h)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) || next != "" {
				t.Fatalf("%q, %v: not an ErrBadResponse alone", next, err)
			}
			return
		}
		if !hasToken && !hasTrunc {
			if next != sdk {
				t.Fatalf("no R2 headers: next %q, the SDK read %q", next, sdk)
			}
			return
		}
		if next != "" && sdk == sent && next == sent && strings.TrimSpace(h.Get(r2NextToken)) != sent {
			t.Fatalf("the echo %q followed", sent)
		}
		if v, perr := strconv.ParseBool(strings.TrimSpace(h.Get(r2Truncated))); hasTrunc && perr == nil {
			if v && next == "" || !v && next != "" {
				t.Fatalf("cf-is-truncated %v, next %q", v, next)
			}
		}
	})
}
