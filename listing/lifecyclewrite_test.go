package listing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// ReadLifecycle, the reading before a write: none only for
// NoSuchLifecycleConfiguration; AccessDenied an error; an element the SDK
// would drop, or a rule without Status, refused.
func TestReadLifecycleForWriting(t *testing.T) {
	front, c := lifecycleServer(t, "kept", "none", "denied", "unknown", "gcs")
	front.SetRules("kept", faultproxy.AbortRule("week", "", 7),
		`<Rule><ID>legacy</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Days>5</Days></Expiration></Rule>`)
	front.Deny("denied")
	front.SetRules("unknown", `<Rule><ID>x</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>5</Days></Expiration><Frobnicate>1</Frobnicate></Rule>`)
	front.SetRules("gcs", `<Rule><Action><Type>Delete</Type></Action><Condition><Age>30</Age></Condition></Rule>`)
	l := listing.NewS3(c)

	lc, err := l.ReadLifecycle(t.Context(), "kept")
	if err != nil || lc.None || len(lc.Rules) != 2 {
		t.Fatalf("kept: %+v, %v", lc, err)
	}
	if r, ok := lc.Aborts().RuleFor("any"); !ok || r.ID != "week" || r.Days != 7 {
		t.Fatalf("kept's abort rule: %+v %v", r, ok)
	}
	if lc, err := l.ReadLifecycle(t.Context(), "none"); err != nil || !lc.None {
		t.Fatalf("none: %+v, %v", lc, err)
	}
	if _, err := l.ReadLifecycle(t.Context(), "denied"); !errors.Is(err, listing.ErrAccessDenied) {
		t.Fatalf("denied: %v, want access denied", err)
	}
	for bucket, want := range map[string]string{"unknown": "<Frobnicate>", "gcs": "<Action>"} {
		if _, err := l.ReadLifecycle(t.Context(), bucket); !errors.Is(err, listing.ErrBadResponse) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want a refusal naming %s", bucket, err, want)
		}
	}
}

// gofakes3 takes GET ?lifecycle for a listing of objects, which the SDK
// reads as a configuration of no rules: refused, never "none" — by the
// report's reading (Lifecycle) as by the writer's, which are one.
func TestReadLifecycleRefusesAnObjectListing(t *testing.T) {
	srv := s3server.StartT(t, "plain")
	c := srv.Client()
	_, err := listing.NewS3(c).ReadLifecycle(t.Context(), "plain")
	if !errors.Is(err, listing.ErrBadResponse) || !strings.Contains(err.Error(), "<ListBucketResult>") {
		t.Fatalf("ReadLifecycle over gofakes3: %v, want a refusal", err)
	}
	if lc, err := listing.NewS3(c).Lifecycle(t.Context(), "plain"); !errors.Is(err, listing.ErrBadResponse) {
		t.Fatalf("Lifecycle over gofakes3: %+v, %v, want ErrBadResponse (unknown), never none", lc, err)
	}
}

// An element the SDK does not read leaves the report's reading standing
// (its rules are what the SDK read) and refuses only a write.
func TestLifecycleUnknownElementReadNotWritten(t *testing.T) {
	front, c := lifecycleServer(t, "newer")
	front.SetRules("newer", `<Rule><ID>week</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload><Frobnicate>1</Frobnicate></Rule>`)
	l := listing.NewS3(c)
	lc, err := l.Lifecycle(t.Context(), "newer")
	if err != nil || len(lc.Rules) != 1 || lc.Rules[0].Days != 7 {
		t.Fatalf("Lifecycle: %+v, %v", lc, err)
	}
	if _, err := l.ReadLifecycle(t.Context(), "newer"); !errors.Is(err, listing.ErrBadResponse) {
		t.Fatalf("ReadLifecycle: %v, want a refusal", err)
	}
}
