package listing_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/listing"
)

// A 501 NotImplemented that may be the refusal of a header uploadfs sent
// (Cloudflare R2 answers "Header 'x-amz-…' with value '…' not implemented",
// and does not implement x-amz-expected-bucket-owner) is an error, never
// "no lifecycle configuration" (which would show uploads R2 aborts after 7
// days as never aborted). versitygw's plain NotImplemented, with no header
// sent, still means no rules.
func TestLifecycleRefusedHeader(t *testing.T) {
	const owner = "111122223333"
	const versity = "A header you provided implies functionality that is not implemented."
	front, c := lifecycleServer(t, "r2-owner", "r2-header", "vgw-owner", "vgw")
	front.Fail("r2-owner", http.StatusNotImplemented, "NotImplemented", "Header 'x-amz-expected-bucket-owner' with value '"+owner+"' not implemented")
	front.Fail("r2-header", http.StatusNotImplemented, "NotImplemented", "Header 'x-amz-storage-class' with value '' not implemented")
	front.Fail("vgw-owner", http.StatusNotImplemented, "NotImplemented", versity)
	front.Fail("vgw", http.StatusNotImplemented, "NotImplemented", versity)
	for _, tc := range []struct {
		bucket, owner string
		noRules       bool   // the answer means no lifecycle support
		says          string // what the error names otherwise
	}{
		{"r2-owner", owner, false, "x-amz-expected-bucket-owner"},
		{"r2-header", "", false, "x-amz-storage-class"},
		{"vgw-owner", owner, false, "NotImplemented"},
		{"vgw", "", true, ""},
	} {
		t.Run(tc.bucket, func(t *testing.T) {
			l := listing.NewS3(c)
			l.ExpectedBucketOwner = tc.owner
			lc, err := l.Lifecycle(context.Background(), tc.bucket)
			switch {
			case tc.noRules && (err != nil || len(lc.Rules) != 0):
				t.Fatalf("Lifecycle = %+v, %v; want no rules", lc, err)
			case !tc.noRules && (err == nil || !strings.Contains(err.Error(), tc.says) || !errors.Is(err, listing.ErrInvalid)):
				t.Fatalf("Lifecycle = %+v, %v; want an ErrInvalid naming %s", lc, err, tc.says)
			}
		})
	}
}
