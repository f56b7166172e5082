package s3server

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// StartT starts a server for a test, with the given buckets, and closes it
// when the test ends. A server that does not start fails the test.
func StartT(t testing.TB, buckets ...string) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	CreateBuckets(t, s.Client(), buckets...)
	return s
}

// CreateBuckets creates buckets through c, a client of any S3 server (this
// one, a proxy in front of it, versitygw), and fails the test if one
// cannot be created.
func CreateBuckets(t testing.TB, c *s3.Client, buckets ...string) {
	t.Helper()
	for _, b := range buckets {
		if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
	}
}

// Via returns a client like c that sends its requests to url: a proxy in
// front of c's server.
func Via(c *s3.Client, url string) *s3.Client {
	return s3.New(c.Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(url) })
}
