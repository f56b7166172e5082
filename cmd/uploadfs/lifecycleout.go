package main

import (
	"fmt"
	"io"

	"github.com/uploadfs/uploadfs/act"
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
