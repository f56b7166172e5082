package act_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/listing"
)

// A rule whose filter has object sizes covers no upload (S3 refuses the
// action on it), and says why; a rule without the action is not listed.
func TestCoveragesSized(t *testing.T) {
	lc := &listing.LifecycleConfig{Rules: []types.LifecycleRule{{
		ID: aws.String("sized"), Status: types.ExpirationStatusEnabled,
		Filter:                         &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("big/"), ObjectSizeGreaterThan: aws.Int64(1 << 20)}},
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)},
	}, {
		ID: aws.String("expire"), Status: types.ExpirationStatusEnabled,
		Filter:     &types.LifecycleRuleFilter{Prefix: aws.String("")},
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(30)},
	}}}
	got := act.Coverages(lc)
	if len(got) != 1 || got[0].ID != "sized" || got[0].Filter != `prefix="big/",size>1048576` || got[0].Days != 2 ||
		got[0].Covers != "no upload" || !strings.Contains(got[0].LeavesOut, "object sizes") {
		t.Fatalf("Coverages = %+v", got)
	}
	if cov, _ := lc.Aborts().Coverage(""); cov != listing.CoverageNone {
		t.Fatalf("coverage %v, want none", cov)
	}
}
