package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/listing"
)

// lifecycleJSON is one bucket in lifecycle's --format json.
type lifecycleJSON struct {
	Bucket   string `json:"bucket"`
	Coverage string `json:"coverage"` // covered, partly, none, unknown
	Days     int32  `json:"days,omitempty"`
	// Unsupported: the server has no lifecycle configurations (none).
	Unsupported bool               `json:"unsupported,omitempty"`
	Rules       []act.RuleCoverage `json:"rules"` // those with the abort action
	Error       string             `json:"error,omitempty"`
}

func writeCoverage(w io.Writer, j lifecycleJSON) {
	switch {
	case j.Error != "":
		fmt.Fprintf(w, "%s: unknown: %s\n", j.Bucket, j.Error)
		return
	case j.Coverage == "covered":
		fmt.Fprintf(w, "%s: covered: every upload is aborted within %d days\n", j.Bucket, j.Days)
	case j.Coverage == "partly":
		fmt.Fprintf(w, "%s: partly: only the prefixes below are covered, other uploads stay until aborted\n", j.Bucket)
	case j.Unsupported:
		fmt.Fprintf(w, "%s: none: the server does not implement lifecycle configurations\n", j.Bucket)
	default:
		fmt.Fprintf(w, "%s: none: no enabled rule aborts its uploads\n", j.Bucket)
	}
	for _, r := range j.Rules {
		fmt.Fprintf(w, "  rule %q %s %s %dd\n    covers: %s\n", r.ID, r.Status, r.Filter, r.Days, r.Covers)
		if r.LeavesOut != "" {
			fmt.Fprintf(w, "    leaves out: %s\n", r.LeavesOut)
		}
	}
}

// writeEnsure writes one bucket's plan: covered, or the diff.
func writeEnsure(w io.Writer, e *act.Ensure) {
	if e.Covered != nil {
		fmt.Fprintf(w, "%s: already covered by rule %q (%d days): nothing to do\n", e.Bucket, e.Covered.ID, e.Covered.Days)
		return
	}
	fmt.Fprintf(w, "%s: add rule %s\n", e.Bucket, act.RuleID(e.Days))
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
	Bucket string `json:"bucket"`
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

func ensureOf(e *act.Ensure, status, reason string) ensureJSON {
	j := ensureJSON{Bucket: e.Bucket, Status: status, ManagedBy: e.ManagedBy, Before: configOf(e.Before), After: configOf(e.After), Reason: reason}
	if e.Covered != nil {
		j.Status, j.CoveredBy = "covered", &ruleJSON{ID: e.Covered.ID, Days: e.Covered.Days}
	} else {
		j.Rule = act.RuleID(e.Days)
	}
	return j
}

func (o *ensureOutput) encode(j ensureJSON) error { return json.NewEncoder(o.w).Encode(j) }

func (o *ensureOutput) refused(bucket string, err error) error {
	if o.json {
		return o.encode(ensureJSON{Bucket: bucket, Status: "refused", Reason: err.Error()})
	}
	_, werr := fmt.Fprintln(o.w, err)
	return werr
}

// plan writes one bucket's plan; in JSON with --apply, only a covered
// bucket's (the others' come with their results).
func (o *ensureOutput) plan(e *act.Ensure) error {
	switch {
	case !o.json:
		writeEnsure(o.w, e)
		return nil
	case o.apply && e.After != nil:
		return nil
	}
	return o.encode(ensureOf(e, "planned", ""))
}

func (o *ensureOutput) dryRun(planned int) {
	if !o.json && !o.apply && planned > 0 {
		fmt.Fprintf(o.w, "dry run: nothing written (--apply writes %d configurations)\n", planned)
	}
}

func (o *ensureOutput) applied(e *act.Ensure, err error) error {
	switch {
	case o.json && err != nil:
		return o.encode(ensureOf(e, "failed", err.Error()))
	case o.json:
		return o.encode(ensureOf(e, "written", ""))
	case err != nil:
		fmt.Fprintf(o.w, "%s: %v\n", e.Bucket, err)
	default:
		fmt.Fprintf(o.w, "%s: rule %s written and read back unchanged\n", e.Bucket, act.RuleID(e.Days))
	}
	return nil
}

func (o *ensureOutput) notStarted(es []*act.Ensure) error {
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
