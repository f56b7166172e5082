package act_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// A directory bucket gets the rule too: the SDK signs its lifecycle GET
// and PUT for the s3express-control endpoint's service, the rules read
// are kept, and what is read back is what was written.
func TestEnsureDirectoryBucket(t *testing.T) {
	const dir = "data--use1-az4--x-s3"
	srv, err := s3server.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	front, err := faultproxy.NewLifecycle(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(front.Close)
	front.SetRules(dir, `<Rule><ID>expire</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`)
	// On AWS the SDK signs a directory bucket's control requests with
	// SigV4 for s3express (no session); with a custom endpoint it would
	// ask for a session, which only the Regional endpoint does without.
	c := s3.New(srv.Client().Options(), func(o *s3.Options) {
		o.BaseEndpoint, o.DisableS3ExpressSessionAuth = aws.String(front.URL), aws.Bool(true)
	})
	l := listing.NewS3(c)

	e, err := act.PlanEnsure(t.Context(), l, dir, 7)
	if err != nil || e.After == nil || len(e.After.Rules) != 2 {
		t.Fatalf("plan for a directory bucket: %+v, %v", e, err)
	}
	if got := front.Service(dir); got != "s3express" {
		t.Fatalf("lifecycle GET signed for %q, want s3express (the control endpoint's)", got)
	}
	if err := e.Apply(t.Context(), l); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := front.Service(dir); got != "s3express" {
		t.Fatalf("lifecycle requests signed for %q, want s3express", got)
	}
	back, err := l.ReadLifecycle(t.Context(), dir)
	if err != nil || !act.SameConfig(e.After, back) {
		t.Fatalf("read back %+v, %v", back, err)
	}
}

// Without a custom endpoint the SDK sends a directory bucket's lifecycle
// requests to the Regional s3express-control endpoint.
func TestDirectoryLifecycleEndpoint(t *testing.T) {
	e, err := s3.NewDefaultEndpointResolverV2().ResolveEndpoint(t.Context(), s3.EndpointParameters{
		Bucket: aws.String("data--use1-az4--x-s3"), Region: aws.String("us-east-1"), UseS3ExpressControlEndpoint: aws.Bool(true),
	})
	if err != nil || e.URI.Host != "s3express-control.us-east-1.amazonaws.com" {
		t.Fatalf("endpoint %v, %v", e.URI.String(), err)
	}
}
