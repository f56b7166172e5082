package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/uploadfs/uploadfs/internal/deadline"
)

// A server that refuses connections is an error after the command's
// retries, naming the refusal, long before an hour's timeout: the five
// attempts wait about a second in all, where the backoff for throttling
// could wait up to 20 s.
func TestRefusedFailsAfterTheRetries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	var attempts atomic.Int32
	count := func(st *middleware.Stack) error {
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("count",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				attempts.Add(1)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		Retryer:     newRetryer(),
		APIOptions:  []func(*middleware.Stack) error{lastAttempt, deadline.Middleware, count},
	})
	ctx, cancel := deadline.With(context.Background(), time.Hour)
	defer cancel()
	_, err = c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("%v, want the refusal", err)
	}
	if n := attempts.Load(); n != retryAttempts {
		t.Errorf("%d attempts, want %d", n, retryAttempts)
	}
	var waited time.Duration
	refused := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	for n := 1; n < retryAttempts; n++ {
		d, _ := quickReconnect{}.BackoffDelay(n, refused)
		waited += d
	}
	if waited > 2*time.Second {
		t.Errorf("the retries of a refused connection wait %v", waited)
	}
}
