package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/uploadfs/uploadfs/listing"
)

// By says what rows are grouped by besides the bucket (rows are always
// per bucket: a bucket has one region, one lifecycle configuration and
// one owner to ask).
type By struct {
	// Prefix groups by the first Depth key components below the argument's
	// prefix (--by prefix --depth N; Depth at least 1).
	Prefix bool
	Depth  int
	// StorageClass groups by the upload's storage class.
	StorageClass bool
	// Initiator groups by the initiator's ID or ARN (S3 no longer returns
	// display names).
	Initiator bool
}

// Key is what identifies a row: its bucket and the values of what rows
// are grouped by ("" for the rest).
type Key struct {
	Bucket, Prefix, StorageClass, Initiator string
}

// Count is a number of uploads and their bytes.
type Count struct {
	Uploads, Bytes int64
}

// Coverage is what a bucket's lifecycle rules say of a row's keys. The
// zero Coverage is CoverageNotApplicable.
type Coverage struct {
	Kind CoverageKind
	// Days is the covering rule's DaysAfterInitiation (CoverageCovered
	// only).
	Days int32
}

// CoverageKind is how a row's keys are covered; its String is the word
// the formats print.
type CoverageKind int

const (
	// CoverageNotApplicable: lifecycle rules do not apply (Glacier
	// vaults, the total row).
	CoverageNotApplicable CoverageKind = iota
	// CoverageUnknown: the configuration could not be read (AccessDenied,
	// or an error).
	CoverageUnknown
	CoverageNone    // no rule covers any key of the row
	CoveragePartly  // rules cover some keys below the row's prefix
	CoverageCovered // a rule covers every key of the row
)

func (k CoverageKind) String() string {
	return [...]string{"", "unknown", "none", "partly", "covered"}[k]
}

func (c Coverage) String() string {
	if c.Kind == CoverageCovered {
		return "covered (" + plural(int64(c.Days), "day") + ")"
	}
	return c.Kind.String()
}

// Row is one line of the report. Its zero sums are real zeros: a row that
// could not be listed has Err instead.
type Row struct {
	Key
	// Account is the 12-digit ID of the account the row is of, and
	// AccountName its name in the organization: set where several
	// accounts are scanned (Options.Accounts), else "".
	Account, AccountName string
	Region               string
	// HasPrefix: the row is of a prefix (grouped by prefix, or asked as
	// BUCKET/PREFIX), so Prefix is a key of it even when "".
	HasPrefix bool
	Uploads   int64
	Parts     int64
	Bytes     int64
	// Older are the uploads initiated longer ago than each of the
	// report's Ages, in the same order.
	Older []Count
	// Oldest is the earliest initiation time (zero: no upload, or no
	// server-given time).
	Oldest    time.Time
	Lifecycle Coverage
	// NoAbortRule are the uploads no rule will ever abort (no AbortDate
	// and no rule covering the key), counted only where the lifecycle
	// configuration is known (noAbortRuleKnown).
	NoAbortRule Count
	// NextAbort is the earliest date an upload of the row will be
	// aborted: ListParts's AbortDate, or computed from the rule where the
	// server gives none (directory buckets).
	NextAbort  time.Time
	MonthlyUSD float64
	// Err: the row's target could not be listed; its sums are absent.
	Err   error
	Total bool
	// Subtotal: the row sums one account's rows (Total is set too);
	// failed counts that account's error rows.
	Subtotal bool
	failed   int

	byClass map[string]int64 // bytes by storage class, for the cost
}

// upload is what a row needs of one upload and its parts.
type upload struct {
	key, class, initiator string
	initiated, abort      time.Time
	abortKnown            bool // abort is set, or no rule will ever abort it
	parts                 int64
	bytes                 int64
}

// uploadOf reads an upload and its listing; lc is nil when the lifecycle
// is unknown or does not apply.
func uploadOf(u listing.Upload, ps *listing.Parts, lc *listing.Lifecycle) upload {
	up := upload{key: u.Key, class: cmp.Or(ps.Info.StorageClass, u.StorageClass, "STANDARD"),
		initiator: cmp.Or(u.InitiatorID, ps.Info.InitiatorID), initiated: u.Initiated,
		parts: int64(len(ps.Parts)), bytes: ps.TotalBytes, abort: ps.Info.AbortDate}
	switch {
	case !up.abort.IsZero():
		up.abortKnown = true
	case lc != nil:
		// Directory buckets abort by rule but never say when: computed.
		if r, ok := lc.RuleFor(u.Key); ok && !u.Initiated.IsZero() {
			up.abort = listing.AbortDate(u.Initiated, r.Days)
		}
		up.abortKnown = true
	}
	return up
}

// key is the row an upload of target t goes to.
func (b By) key(t Target, u upload) Key {
	k := Key{Bucket: t.Bucket, Prefix: t.Prefix}
	if b.Prefix {
		rest := u.key[len(t.Prefix):]
		for range max(b.Depth, 1) {
			i := strings.Index(rest, listing.Delimiter)
			if i < 0 {
				break
			}
			k.Prefix += rest[:i+1]
			rest = rest[i+1:]
		}
	}
	if b.StorageClass {
		k.StorageClass = u.class
	}
	if b.Initiator {
		k.Initiator = u.initiator
	}
	return k
}

// add counts u into r; now and ages decide what is older.
func (r *Row) add(u upload, now time.Time, ages []Age) {
	r.Uploads++
	r.Parts += u.parts
	r.Bytes += u.bytes
	if r.Older == nil {
		r.Older = make([]Count, len(ages))
	}
	if !u.initiated.IsZero() {
		for i, a := range ages {
			if now.Sub(u.initiated) > a.D {
				r.Older[i].Uploads++
				r.Older[i].Bytes += u.bytes
			}
		}
		if r.Oldest.IsZero() || u.initiated.Before(r.Oldest) {
			r.Oldest = u.initiated
		}
	}
	switch {
	case !u.abort.IsZero():
		if r.NextAbort.IsZero() || u.abort.Before(r.NextAbort) {
			r.NextAbort = u.abort
		}
	case u.abortKnown:
		r.NoAbortRule.Uploads++
		r.NoAbortRule.Bytes += u.bytes
	}
	if r.byClass == nil {
		r.byClass = map[string]int64{}
	}
	r.byClass[u.class] += u.bytes
}

// merge adds o's sums to r (the total row).
func (r *Row) merge(o *Row, ages []Age) {
	r.Uploads += o.Uploads
	r.Parts += o.Parts
	r.Bytes += o.Bytes
	if r.Older == nil {
		r.Older = make([]Count, len(ages))
	}
	for i, c := range o.Older {
		r.Older[i].Uploads += c.Uploads
		r.Older[i].Bytes += c.Bytes
	}
	if !o.Oldest.IsZero() && (r.Oldest.IsZero() || o.Oldest.Before(r.Oldest)) {
		r.Oldest = o.Oldest
	}
	if !o.NextAbort.IsZero() && (r.NextAbort.IsZero() || o.NextAbort.Before(r.NextAbort)) {
		r.NextAbort = o.NextAbort
	}
	r.NoAbortRule.Uploads += o.NoAbortRule.Uploads
	r.NoAbortRule.Bytes += o.NoAbortRule.Bytes
	if r.byClass == nil {
		r.byClass = map[string]int64{}
	}
	for c, n := range o.byClass {
		r.byClass[c] += n
	}
}

// coverage is what lc (nil: lcErr, or not applicable) says of prefix.
func coverage(lc *listing.Lifecycle, lcErr error, applies bool, prefix string) Coverage {
	switch {
	case !applies:
		return Coverage{}
	case lcErr != nil || lc == nil:
		return Coverage{Kind: CoverageUnknown}
	}
	cov, days := lc.Coverage(prefix)
	kind := map[listing.Coverage]CoverageKind{listing.CoverageNone: CoverageNone,
		listing.CoveragePartly: CoveragePartly, listing.CoverageFull: CoverageCovered}[cov]
	return Coverage{Kind: kind, Days: days}
}

// noAbortRuleKnown reports whether r's NoAbortRule is a count: its
// lifecycle was read, or it is the total (of the rows whose was). Where
// it is not, every format leaves the count out.
func (r *Row) noAbortRuleKnown() bool {
	k := r.Lifecycle.Kind
	return k != CoverageUnknown && (k != CoverageNotApplicable || r.Total)
}

// sortRows orders rows by account, bucket, prefix, class, initiator.
func sortRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Prefix, b.Prefix),
			cmp.Compare(a.StorageClass, b.StorageClass), cmp.Compare(a.Initiator, b.Initiator))
	})
}

// total sums the rows that were listed; prices give its cost.
func total(rows []Row, ages []Age, p *Prices) Row {
	t := Row{Total: true, Older: make([]Count, len(ages))}
	for i := range rows {
		if rows[i].Err == nil {
			t.merge(&rows[i], ages)
		}
	}
	t.MonthlyUSD = p.Monthly(t.byClass)
	return t
}
