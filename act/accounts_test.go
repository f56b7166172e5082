package act_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// A plan over accounts: each account's uploads, each naming its account;
// an account that cannot be reached is one failed target naming it, not
// left out; the run aborts each upload through its own account's backend.
func TestAccountsPlan(t *testing.T) {
	var accts []act.Account
	var srvs []*s3server.Server
	for _, id := range []string{"111111111111", "222222222222"} {
		srv := s3server.StartT(t, "b"+id)
		srv.Clock.Backdate(48 * time.Hour)
		if err := s3server.StartUploads(t.Context(), srv.Client(), "b"+id, []string{"k"}); err != nil {
			t.Fatal(err)
		}
		srv.Clock.Backdate(0)
		srvs = append(srvs, srv)
		accts = append(accts, act.Account{Account: accounts.Account{ID: id}, Backend: listing.NewS3(srv.Client())})
	}
	refused := errors.New("AssumeRole refused")
	accts = append(accts, act.Account{Account: accounts.Account{ID: "333333333333"}, Reach: func(context.Context) error { return refused }})
	plan, err := act.MakeAccountsPlan(t.Context(), accts, act.Selection{OlderThan: 24 * time.Hour}, act.PlanOptions{Concurrency: 2, Now: time.Now()})
	if err != nil || len(plan.Items) != 2 {
		t.Fatalf("plan %+v, %v: want an upload of each account", plan, err)
	}
	for i, it := range plan.Items {
		if it.Account.ID != accts[i].ID || it.Bucket != "b"+accts[i].ID {
			t.Errorf("item %d: account %q bucket %q, want %q", i, it.Account.ID, it.Bucket, accts[i].ID)
		}
	}
	if len(plan.Failed) != 1 || plan.Failed[0].Account.ID != "333333333333" || !errors.Is(plan.Failed[0].Err, refused) {
		t.Fatalf("failed %+v, want the unreachable account", plan.Failed)
	}
	backends := map[string]act.Backend{}
	for _, a := range accts[:2] {
		backends[a.ID] = a.Backend
	}
	r := &act.Runner{Backends: backends, Concurrency: 1, Log: slog.New(slog.DiscardHandler)}
	for _, res := range r.Run(t.Context(), plan.Items, func(act.Result) {}) {
		if res.Outcome != act.Aborted {
			t.Errorf("%s in %s: %s %s", res.Upload.Key, res.Account.ID, res.Outcome, res.Reason)
		}
	}
	for i, srv := range srvs {
		out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String("b" + accts[i].ID)})
		if err != nil || len(out.Uploads) != 0 {
			t.Errorf("account %s: uploads left %v, %v", accts[i].ID, out, err)
		}
	}
}
