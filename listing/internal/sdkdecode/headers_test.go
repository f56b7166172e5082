package sdkdecode

import (
	"net/http"
	"testing"
	"time"

	smithytime "github.com/aws/smithy-go/time"
)

// Whatever the header holds, the SDK's reading of what repairDate leaves
// cannot fail, an HTTP-date is kept as it is, and an ISO 8601 date keeps
// its instant.
func FuzzAbortDate(f *testing.F) {
	for _, s := range []string{"Thu, 23 Jul 2026 10:19:21 GMT", "2026-07-23T10:19:21Z", "2026-07-23T10:19:21.5+02:00", "soon", "", " 2026-07-23T10:19:21Z "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set(abortDateHeader, v)
		sent := h.Get(abortDateHeader)
		_, ok := repairDate(h, abortDateHeader)
		got := h.Values(abortDateHeader)
		if !ok {
			if len(got) != 0 {
				t.Fatalf("%q: unread but kept as %q", v, got)
			}
			return
		}
		if len(got) != 1 {
			t.Fatalf("%q: %d values after repair", v, len(got))
		}
		read, err := smithytime.ParseHTTPDate(got[0])
		if err != nil {
			t.Fatalf("%q repaired as %q, which the SDK cannot read: %v", v, got[0], err)
		}
		if _, err := smithytime.ParseHTTPDate(sent); err == nil && got[0] != sent {
			t.Fatalf("HTTP-date %q rewritten as %q", sent, got[0])
		} else if iso, err := smithytime.ParseDateTime(sent); err == nil && !read.Equal(iso.Truncate(time.Second)) {
			t.Fatalf("%q read as %v, want %v", v, read, iso)
		}
	})
}
