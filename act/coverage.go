package act

import (
	"fmt"

	"github.com/uploadfs/uploadfs/listing"
)

// RuleCoverage is one rule with an AbortIncompleteMultipartUpload action,
// as `uploadfs lifecycle` lists it: the rule, and what it covers and
// leaves out as the report reads it (listing.RuleAborts).
type RuleCoverage struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Filter    string `json:"filter"` // as Describe writes it
	Days      int32  `json:"days"`
	Covers    string `json:"covers"`
	LeavesOut string `json:"leaves_out"` // "" when nothing
}

// Coverages lists the rules of lc that have the abort action, in the
// configuration's order, disabled ones and those S3 would refuse
// included: each says why it covers nothing.
func Coverages(lc *listing.LifecycleConfig) []RuleCoverage {
	var out []RuleCoverage
	for _, r := range lc.Rules {
		if r.AbortIncompleteMultipartUpload == nil {
			continue
		}
		ar, why := listing.RuleAborts(r)
		rc := RuleCoverage{ID: ar.ID, Status: string(r.Status), Filter: filterOf(r), Days: ar.Days}
		switch {
		case why != "":
			rc.Covers, rc.LeavesOut = "no upload", "every upload: "+why
		case ar.Prefix == "":
			rc.Covers = fmt.Sprintf("every upload, aborted %d days after it was initiated", ar.Days)
		default:
			rc.Covers = fmt.Sprintf("uploads of keys that start with %q, aborted %d days after they were initiated", ar.Prefix, ar.Days)
			rc.LeavesOut = "uploads of every other key"
		}
		out = append(out, rc)
	}
	return out
}
