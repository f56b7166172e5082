package sdkdecode

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithytime "github.com/aws/smithy-go/time"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Optional response headers the SDK would fail a whole answer for.
//
// aws-sdk-go-v2 reads a ListParts answer's x-amz-abort-date as an
// HTTP-date and fails the response when it is not one. Wasabi sends it in
// ISO 8601 (2026-07-23T10:19:21Z): every upload of a bucket with an abort
// rule would be an error. headerRepair sits between the transport and the
// SDK's deserializer and rewrites such a date as the HTTP-date it means;
// a value no format reads is removed (the upload shows no abort date) and
// logged, once per process.

const abortDateHeader = "X-Amz-Abort-Date"

// repairHeaders is the per-call option that installs headerRepair.
func repairHeaders(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		if _, ok := st.Deserialize.Get(operationDeserializer); !ok {
			return nil // not the stack it was written for: leave it be
		}
		return st.Deserialize.Insert(headerRepair{}, operationDeserializer, middleware.After)
	})
}

type headerRepair struct{}

func (headerRepair) ID() string { return "uploadfsHeaderRepair" }

func (headerRepair) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Response != nil {
		if v, ok := repairDate(resp.Header, abortDateHeader); !ok && unreadDate.CompareAndSwap(false, true) {
			slog.Warn("listing: the server sent an x-amz-abort-date no date format reads: uploads show no abort date", "value", v)
		}
	}
	return out, md, err
}

// unreadDate: an unreadable date was logged already.
var unreadDate atomic.Bool

// repairDate makes header name of h one the SDK reads as an HTTP-date: an
// HTTP-date is left as it is, an ISO 8601 date-time rewritten as the same
// instant, anything else removed (ok false, with the value removed).
func repairDate(h http.Header, name string) (removed string, ok bool) {
	vs := h.Values(name)
	if len(vs) == 0 {
		return "", true
	}
	v := strings.TrimSpace(vs[0])
	if validHTTPDate(v) {
		return "", true
	}
	if t, err := smithytime.ParseDateTime(v); err == nil {
		// (An instant the HTTP-date cannot write, a year before 1 say,
		// is no date either.)
		if d := smithytime.FormatHTTPDate(t); validHTTPDate(d) {
			h.Set(name, d)
			return "", true
		}
	}
	h.Del(name)
	return v, false
}

func validHTTPDate(v string) bool {
	_, err := smithytime.ParseHTTPDate(v)
	return err == nil
}
