package s3server

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TB is what these helpers use of a test (TB has it). It is
// declared here, not imported, so that the uploadfs binary, whose demo
// runs this server, does not link package testing.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
}

// StartT starts a server for a test, with the given buckets, and closes it
// when the test ends. A server that does not start fails the test.
func StartT(t TB, buckets ...string) *Server {
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
func CreateBuckets(t TB, c *s3.Client, buckets ...string) {
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

// OddKeys returns keys whose listing trips servers and encoders: keys that
// are also a level's name (videos, a), two uploads of one key (a), keys
// that sort just before the delimiter (a!, a.b), a space, a plus sign and
// an escape (%41) in a key and in a level's name.
func OddKeys() []string {
	return []string{"a!", "a.b", "a/2026/x", "a", "a", "a/x.bin", "videos", "videos/clip.mp4", "with space/z.bin",
		"odd+key%41.bin", "p%41q/r.bin", "top.bin", "a/b/y.bin"}
}
