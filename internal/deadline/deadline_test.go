package deadline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// bed is an upload of 10 parts on gofakes3 behind the fault proxy, and a
// lister that sends one request at a time, a part in its first page (the
// rest is one more), through a client with Middleware.
func bed(t *testing.T) (*faultproxy.Proxy, *listing.S3, string) {
	t.Helper()
	srv, err := s3server.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := srv.Client()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	id, err := s3server.CreateUpload(context.Background(), c, "bkt", "k", []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, func(int32) int { return 1 })
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	l := listing.NewS3(s3.New(c.Options(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(p.URL)
		o.APIOptions = append(o.APIOptions, Middleware)
	}))
	l.PageSize, l.Concurrency = 1, 1
	return p, l, id
}

// A listing of two requests one after the other, each answered after
// 700 ms, takes at least 1.4 s: a plain deadline of 1 s cuts it, a
// deadline of 1 s without an answer does not.
func TestProgressOutlivesTheTimeout(t *testing.T) {
	p, l, id := bed(t)
	p.Delay = 700 * time.Millisecond
	const timeout = time.Second

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	_, err := l.Parts(ctx, "bkt", "k", id)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a plain deadline: %v, want it exceeded", err)
	}

	ctx, cancel = With(context.Background(), timeout)
	before, _ := p.Stats()
	ps, err := l.Parts(ctx, "bkt", "k", id)
	cancel()
	if after, _ := p.Stats(); err != nil || len(ps.Parts) != 10 || after-before < 2 {
		t.Fatalf("%d requests: %v, %+v", after-before, err, ps)
	}
}

// A server that does not answer is still cut after the timeout, with the
// deadline as the error; so is one that answers nothing but errors.
func TestNoAnswerIsCut(t *testing.T) {
	p, l, id := bed(t)
	p.SlowBy = time.Hour
	for _, f := range []faultproxy.Fault{faultproxy.Slow, faultproxy.SlowDown} {
		p.SetRule(func(faultproxy.Request) faultproxy.Fault { return f })
		ctx, cancel := With(context.Background(), 300*time.Millisecond)
		_, err := l.Parts(ctx, "bkt", "k", id)
		cancel()
		if f == faultproxy.Slow && !errors.Is(err, context.DeadlineExceeded) || err == nil {
			t.Fatalf("%v: %v, want the deadline", f, err)
		}
	}
}

// The context ends with its parent, and with cancel.
func TestEnds(t *testing.T) {
	parent, stop := context.WithCancel(context.Background())
	ctx, cancel := With(parent, time.Hour)
	defer cancel()
	stop()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("%v", ctx.Err())
	}
	ctx, cancel = With(context.Background(), time.Hour)
	cancel()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("%v", ctx.Err())
	}
}
