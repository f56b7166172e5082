package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// The debug log of S3 requests names what was listed and nothing secret:
// not the secret key, not a session token, not an SSE-C key, not the
// signature.
func TestDebugLogHasNoSecrets(t *testing.T) {
	var sawAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/xml")
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>`))
	}))
	defer srv.Close()
	const (
		secret = "SECRET-must-never-be-logged"
		token  = "TOKEN-must-never-be-logged"
		sseKey = "SSEC-must-never-be-logged"
	)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", secret, token),
		APIOptions:  append([]func(*middleware.Stack) error{}, logRequests(log)),
	})
	_, err := c.ListParts(context.Background(), &s3.ListPartsInput{
		Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: aws.String("u"),
		SSECustomerKey: aws.String(sseKey), SSECustomerAlgorithm: aws.String("AES256"),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "s3 ListParts") || !strings.Contains(out, "upload-id=u") {
		t.Fatalf("the debug log does not describe the request:\n%s", out)
	}
	sig := sawAuth[strings.LastIndex(sawAuth, "=")+1:]
	for _, s := range []string{secret, token, sseKey, sig} {
		if s == "" || strings.Contains(out, s) {
			t.Fatalf("the debug log contains %q:\n%s", s, out)
		}
	}
}

// A server that is down is retried until the deadline; the error then
// names the last attempt's failure, not only the deadline.
func TestDeadlineNamesTheLastError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	for _, api := range [][]func(*middleware.Stack) error{nil, {lastAttempt}} {
		c := s3.New(s3.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
			Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff, o.RateLimiter = 1000, 10*time.Millisecond, ratelimit.None
			}),
			APIOptions: api,
		})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v, want the deadline", err)
		}
		t.Log(err)
		if named := strings.Contains(err.Error(), "connection refused"); named != (api != nil) {
			t.Errorf("with lastAttempt %v: %v", api != nil, err)
		}
	}
}
