package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/uploadfs/uploadfs/act"
	"github.com/uploadfs/uploadfs/report"
)

// abortOutput writes abort's plan and results: a table (per bucket, and
// with --list per upload) or JSON, one object an upload. Over several
// accounts every line names its upload's account.
type abortOutput struct {
	w        io.Writer
	json     bool
	list     bool
	accounts bool
	prices   *report.Prices
	now      time.Time
}

// abortJSON is one upload in --format json: planned (a dry run), or what
// became of it.
type abortJSON struct {
	Account      string `json:"account,omitempty"`
	AccountName  string `json:"account_name,omitempty"`
	Bucket       string `json:"bucket"`
	Key          string `json:"key"`
	UploadID     string `json:"upload_id"`
	Initiated    string `json:"initiated,omitempty"`
	StorageClass string `json:"storage_class,omitempty"`
	Parts        int    `json:"parts"`
	Bytes        int64  `json:"bytes"`
	Status       string `json:"status"`
	Reason       string `json:"reason,omitempty"`
}

func toJSON(it act.Item, status act.Outcome, reason string) abortJSON {
	j := abortJSON{Account: it.Account.ID, AccountName: it.Account.Name, Bucket: it.Bucket, Key: it.Upload.Key, UploadID: it.Upload.ID, StorageClass: it.StorageClass,
		Parts: it.Parts, Bytes: it.Bytes, Status: string(status), Reason: reason}
	if !it.Upload.Initiated.IsZero() {
		j.Initiated = it.Upload.Initiated.UTC().Format(time.RFC3339)
	}
	return j
}

// Statuses only the plan has.
const (
	planned     act.Outcome = "planned"
	notSelected act.Outcome = "not-selected"
)

// plan writes the plan. In JSON a dry run writes every planned upload; a
// real run writes the results instead (results), and both write the
// uploads never selected for want of a date.
func (o *abortOutput) plan(p *act.Plan, dryRun bool) error {
	if o.json {
		enc := json.NewEncoder(o.w)
		for _, it := range p.Undated {
			if err := enc.Encode(toJSON(it, notSelected, "no Initiated time, or one in the future")); err != nil {
				return err
			}
		}
		if !dryRun {
			return nil
		}
		for _, it := range p.Items {
			if err := enc.Encode(toJSON(it, planned, "")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(o.w, 0, 4, 2, ' ', 0)
	if o.list {
		fmt.Fprintln(tw, o.lead("ACCOUNT\t")+"BUCKET\tKEY\tUPLOAD ID\tINITIATED\tAGE\tPARTS\tBYTES")
		for _, it := range p.Items {
			u := it.Upload
			fmt.Fprintf(tw, o.lead(it.Account.ID+"\t")+"%s\t%s\t%s\t%s\t%s\t%d\t%s\n", it.Bucket, u.Key, u.ID, u.Initiated.UTC().Format(time.RFC3339),
				report.HumanAge(o.now.Sub(u.Initiated)), it.Parts, report.HumanBytes(it.Bytes))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, o.lead("ACCOUNT\t")+"BUCKET\tUPLOADS\tBYTES\t$/MONTH")
	for _, g := range byBucket(p.Items) {
		fmt.Fprintf(tw, o.lead(g[0].Account.ID+"\t")+"%s\t%s\t%s\t%s\n", g[0].Bucket, thousands(len(g)), report.HumanBytes(sumBytes(g)), report.Dollars(o.monthly(g)))
	}
	fmt.Fprintf(tw, o.lead("\t")+"TOTAL\t%s\t%s\t%s\n", thousands(len(p.Items)), report.HumanBytes(sumBytes(p.Items)), report.Dollars(o.monthly(p.Items)))
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(p.Undated); n > 0 {
		fmt.Fprintf(o.w, "%s uploads have no Initiated time (or one in the future): never selected\n", thousands(n))
	}
	return nil
}

// lead is s, the account's column, when there are several accounts;
// else "".
func (o *abortOutput) lead(s string) string {
	if !o.accounts {
		return ""
	}
	return s
}

// question is the prompt: Abort 1,234 uploads (45.6 GiB, $1.05 a month)?
func (o *abortOutput) question(items []act.Item) string {
	return fmt.Sprintf("Abort %s uploads (%s, $%s a month)?", thousands(len(items)), report.HumanBytes(sumBytes(items)), report.Dollars(o.monthly(items)))
}

// progress returns the callback of each result: a line on a terminal's
// stderr, as the report's progress.
func (o *abortOutput) progress(quiet bool, total int) func(act.Result) {
	show := !quiet && isTerminal(os.Stderr)
	n := 0
	return func(act.Result) {
		n++
		if show {
			fmt.Fprintf(os.Stderr, "\rended %d of %d uploads", n, total)
			if n == total {
				fmt.Fprintln(os.Stderr)
			}
		}
	}
}

// results writes what became of each upload, and returns an error saying
// how many failed or were not started.
func (o *abortOutput) results(rs []act.Result) error {
	counts := map[act.Outcome]int{}
	var bytes int64
	enc := json.NewEncoder(o.w)
	for _, r := range rs {
		counts[r.Outcome]++
		if r.Outcome == act.Aborted {
			bytes += r.Bytes
		}
		if o.json {
			if err := enc.Encode(toJSON(r.Item, r.Outcome, r.Reason)); err != nil {
				return err
			}
		} else if r.Outcome == act.Failed {
			fmt.Fprintf(os.Stderr, "failed: %s%s/%s upload %s: %s\n", o.lead("account "+r.Account.ID+": "), r.Bucket, r.Upload.Key, r.Upload.ID, r.Reason)
		}
	}
	fmt.Fprintf(os.Stderr, "aborted %d uploads (%s), skipped %d (gone meanwhile), failed %d, not started %d\n",
		counts[act.Aborted], report.HumanBytes(bytes), counts[act.Skipped], counts[act.Failed], counts[act.NotStarted])
	switch {
	case counts[act.NotStarted] > 0:
		return fmt.Errorf("interrupted: %d uploads not aborted", counts[act.NotStarted])
	case counts[act.Failed] > 0:
		return fmt.Errorf("%d of %d aborts failed (each said above)", counts[act.Failed], len(rs))
	}
	return nil
}

func (o *abortOutput) monthly(items []act.Item) float64 {
	_, byClass := act.Bytes(items)
	return o.prices.Monthly(byClass)
}

func sumBytes(items []act.Item) int64 {
	total, _ := act.Bytes(items)
	return total
}

// byBucket splits items, sorted by account and bucket, into runs of one
// bucket of one account.
func byBucket(items []act.Item) [][]act.Item {
	var gs [][]act.Item
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j].Bucket == items[i].Bucket && items[j].Account.ID == items[i].Account.ID {
			j++
		}
		gs = append(gs, items[i:j])
		i = j
	}
	return gs
}

// thousands writes n with comma separators: 1,234.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
