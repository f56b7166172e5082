package listing

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// An abort date in ISO 8601 (Wasabi) reads as the same instant; one no
// format reads leaves the upload without an abort date. Neither fails the
// listing (the SDK alone fails the whole ListParts answer).
func TestAbortDateHeaders(t *testing.T) {
	srv, err := s3server.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := srv.Client()
	c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("abort")})
	id, err := s3server.CreateUpload(t.Context(), c, "abort", "k", []int32{1, 2}, func(int32) int { return 10 })
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	want, _ := time.Parse(time.RFC3339, faultproxy.ISODate)
	for fault, date := range map[faultproxy.Fault]time.Time{faultproxy.ISOAbortDate: want, faultproxy.BadAbortDate: {}} {
		t.Run(fault.String(), func(t *testing.T) {
			p.SetRule(func(faultproxy.Request) faultproxy.Fault { return fault })
			l := NewS3(s3.New(c.Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(p.URL) }))
			ps, err := l.Parts(context.Background(), "abort", "k", id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps.Parts) != 2 || !ps.Info.AbortDate.Equal(date) || ps.Info.AbortRuleID != "wasabi-30-days" {
				t.Fatalf("%d parts, abort date %v rule %q; want 2, %v, wasabi-30-days", len(ps.Parts), ps.Info.AbortDate, ps.Info.AbortRuleID, date)
			}
		})
	}
}
