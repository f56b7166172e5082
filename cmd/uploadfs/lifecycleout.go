package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/uploadfs/uploadfs/accounts"
	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/listing"
)

// lifecycleJSON is one bucket in lifecycle's --format json; over several
// accounts it names its account (an account that could not be reached or
// listed is one object with its error and no bucket).
type lifecycleJSON struct {
	Account     string `json:"account,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	Bucket      string `json:"bucket,omitempty"`
	Coverage    string `json:"coverage"` // covered, partly, none, unknown
	Days        int32  `json:"days,omitempty"`
	// Unsupported: the server has no lifecycle configurations (none).
	Unsupported bool               `json:"unsupported,omitempty"`
	Rules       []act.RuleCoverage `json:"rules"` // those with the abort action
	Error       string             `json:"error,omitempty"`
}

func writeCoverage(w io.Writer, j lifecycleJSON) {
	at := lifecycleBucket{acct: accounts.Account{ID: j.Account}, name: j.Bucket}.where()
	switch {
	case j.Error != "":
		fmt.Fprintf(w, "%s: unknown: %s\n", at, j.Error)
		return
	case j.Coverage == "covered":
		fmt.Fprintf(w, "%s: covered: every upload is aborted within %d days\n", at, j.Days)
	case j.Coverage == "partly":
		fmt.Fprintf(w, "%s: partly: only the prefixes below are covered, other uploads stay until aborted\n", at)
	case j.Unsupported:
		fmt.Fprintf(w, "%s: none: the server does not implement lifecycle configurations\n", at)
	default:
		fmt.Fprintf(w, "%s: none: no enabled rule aborts its uploads\n", at)
	}
	for _, r := range j.Rules {
		fmt.Fprintf(w, "  rule %q %s %s %dd\n    covers: %s\n", r.ID, r.Status, r.Filter, r.Days, r.Covers)
		if r.LeavesOut != "" {
			fmt.Fprintf(w, "    leaves out: %s\n", r.LeavesOut)
		}
	}
}

// writeEnsure writes one bucket's plan: covered, or the diff.
func writeEnsure(w io.Writer, be bucketEnsure) {
	e := be.Ensure
	if e.Covered != nil {
		fmt.Fprintf(w, "%s: already covered by rule %q (%d days): nothing to do\n", be.at.where(), e.Covered.ID, e.Covered.Days)
		return
	}
	fmt.Fprintf(w, "%s: add rule %s\n", be.at.where(), act.RuleID(e.Days))
	if e.ManagedBy != "" {
		fmt.Fprintf(w, "  warning: its tags say %s manages this bucket: the next deployment will remove the rule; add it there too\n", e.ManagedBy)
	}
	if e.Before.None {
		fmt.Fprintln(w, "  --- before: no configuration")
	} else {
		fmt.Fprintf(w, "  --- before: %d rules\n", len(e.Before.Rules))
	}
	fmt.Fprintf(w, "  +++ after: %d rules\n", len(e.After.Rules))
	if s := e.Before.TransitionDefaultMinimumObjectSize; s != "" {
		fmt.Fprintf(w, "    TransitionDefaultMinimumObjectSize %s (kept)\n", s)
	}
	for i, r := range e.After.Rules {
		mark := " "
		if i >= len(e.Before.Rules) {
			mark = "+"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, act.Describe(r))
	}
}

// ensureOutput writes --ensure-abort's plans and results: the diff as
// text, or JSON, one object a bucket. In JSON a dry run writes each
// bucket's plan; --apply writes what became of each bucket to be written
// instead (with the same diff), and the plan of the others (covered,
// refused).
type ensureOutput struct {
	w     io.Writer
	json  bool
	apply bool
}

// ensureJSON is one bucket of --ensure-abort --format json.
type ensureJSON struct {
	Account     string `json:"account,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	Bucket      string `json:"bucket,omitempty"`
	// Status: covered, refused, planned (a dry run), written, failed
	// (also read back different), not-started (interrupted).
	Status    string      `json:"status"`
	Rule      string      `json:"rule,omitempty"` // the rule added
	CoveredBy *ruleJSON   `json:"covered_by,omitempty"`
	ManagedBy string      `json:"managed_by,omitempty"`
	Before    *configJSON `json:"before,omitempty"`
	After     *configJSON `json:"after,omitempty"`
	Reason    string      `json:"reason,omitempty"`
}

type ruleJSON struct {
	ID   string `json:"id"`
	Days int32  `json:"days"`
}

// configJSON is a configuration: its rules as the diff writes them.
type configJSON struct {
	None                               bool     `json:"none,omitempty"` // no configuration
	TransitionDefaultMinimumObjectSize string   `json:"transition_default_minimum_object_size,omitempty"`
	Rules                              []string `json:"rules"`
}

func configOf(lc *listing.LifecycleConfig) *configJSON {
	if lc == nil {
		return nil
	}
	j := &configJSON{None: lc.None, TransitionDefaultMinimumObjectSize: string(lc.TransitionDefaultMinimumObjectSize), Rules: []string{}}
	for _, r := range lc.Rules {
		j.Rules = append(j.Rules, act.Describe(r))
	}
	return j
}

func ensureOf(be bucketEnsure, status, reason string) ensureJSON {
	e := be.Ensure
	j := ensureJSON{Account: be.at.acct.ID, AccountName: be.at.acct.Name, Bucket: e.Bucket, Status: status, ManagedBy: e.ManagedBy, Before: configOf(e.Before), After: configOf(e.After), Reason: reason}
	if e.Covered != nil {
		j.Status, j.CoveredBy = "covered", &ruleJSON{ID: e.Covered.ID, Days: e.Covered.Days}
	} else {
		j.Rule = act.RuleID(e.Days)
	}
	return j
}

func (o *ensureOutput) encode(j ensureJSON) error { return json.NewEncoder(o.w).Encode(j) }

func (o *ensureOutput) refused(b lifecycleBucket, err error) error {
	if o.json {
		return o.encode(ensureJSON{Account: b.acct.ID, AccountName: b.acct.Name, Bucket: b.name, Status: "refused", Reason: err.Error()})
	}
	_, werr := fmt.Fprintln(o.w, err)
	return werr
}

// plan writes one bucket's plan; in JSON with --apply, only a covered
// bucket's (the others' come with their results).
func (o *ensureOutput) plan(be bucketEnsure) error {
	switch {
	case !o.json:
		writeEnsure(o.w, be)
		return nil
	case o.apply && be.After != nil:
		return nil
	}
	return o.encode(ensureOf(be, "planned", ""))
}

func (o *ensureOutput) dryRun(planned int) {
	if !o.json && !o.apply && planned > 0 {
		fmt.Fprintf(o.w, "dry run: nothing written (--apply writes %d configurations)\n", planned)
	}
}

func (o *ensureOutput) applied(be bucketEnsure, err error) error {
	switch {
	case o.json && err != nil:
		return o.encode(ensureOf(be, "failed", err.Error()))
	case o.json:
		return o.encode(ensureOf(be, "written", ""))
	case err != nil:
		fmt.Fprintf(o.w, "%s: %v\n", be.at.where(), err)
	default:
		fmt.Fprintf(o.w, "%s: rule %s written and read back unchanged\n", be.at.where(), act.RuleID(be.Days))
	}
	return nil
}

func (o *ensureOutput) notStarted(es []bucketEnsure) error {
	if !o.json {
		fmt.Fprintln(o.w, "interrupted: the buckets not said above were not written")
		return nil
	}
	for _, e := range es {
		if err := o.encode(ensureOf(e, "not-started", "interrupted")); err != nil {
			return err
		}
	}
	return nil
}
