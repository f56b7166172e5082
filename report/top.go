package report

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/uploadfs/uploadfs/listing"
)

// TopBy is what --top ranks uploads by.
type TopBy int

const (
	TopBytes TopBy = iota // the largest first
	TopAge                // the oldest first (an upload with no initiation time last)
	TopCost               // the costliest a month first
)

var topByNames = [...]string{"bytes", "age", "cost"}

func (b TopBy) String() string { return topByNames[b] }

// ParseTopBy reads --top-by.
func ParseTopBy(s string) (TopBy, error) {
	for i, n := range topByNames {
		if s == n {
			return TopBy(i), nil
		}
	}
	return 0, fmt.Errorf("--top-by takes bytes, age or cost, got %q", s)
}

// Upload is one in-progress upload as --top lists it.
type Upload struct {
	Rank int // 1 for the highest
	// Account and AccountName are those of the row the upload counts in
	// ("" when one account's credentials were scanned).
	Account, AccountName    string
	Bucket, Region, Key, ID string
	// Initiated is zero when the server gave no time.
	Initiated               time.Time
	Parts, Bytes            int64
	StorageClass, Initiator string
	MonthlyUSD              float64
	// Abort is when a rule aborts it (ListParts's AbortDate, or computed
	// from the rule); zero with Never: no rule ever will; zero without:
	// not known (the lifecycle could not be read, or a Glacier vault).
	Abort time.Time
	Never bool
}

// Vault reports whether u is a Glacier vault's (Bucket is the vault).
func (u *Upload) Vault() bool { return u.StorageClass == GlacierVault }

// newUpload is what --top keeps of u, with its parts listed.
func newUpload(acct *Account, bucket string, u listing.Upload, up upload, p *Prices) Upload {
	price, _ := p.Price(up.class)
	return Upload{Account: acct.ID, AccountName: acct.Name, Bucket: bucket, Key: u.Key, ID: u.ID, Initiated: up.initiated, Parts: up.parts, Bytes: up.bytes,
		StorageClass: up.class, Initiator: up.initiator, MonthlyUSD: float64(up.bytes) / gb * price,
		Abort: up.abort, Never: up.abortKnown && up.abort.IsZero()}
}

// compare orders x before y (negative) when x ranks higher by b; ties go
// by bucket, key, then upload ID, in byte order, so that the same uploads
// rank the same however the walk went.
func (b TopBy) compare(x, y *Upload) int {
	var c int
	switch b {
	case TopBytes:
		c = cmp.Compare(y.Bytes, x.Bytes)
	case TopAge:
		c = cmp.Or(cmp.Compare(btoi(x.Initiated.IsZero()), btoi(y.Initiated.IsZero())), x.Initiated.Compare(y.Initiated))
	case TopCost:
		c = cmp.Compare(y.MonthlyUSD, x.MonthlyUSD)
	}
	return cmp.Or(c, cmp.Compare(x.Bucket, y.Bucket), cmp.Compare(x.Key, y.Key), cmp.Compare(x.ID, y.ID))
}

// top keeps the n highest-ranked uploads it is given: a heap whose root
// is the lowest-ranked kept, replaced when a higher one comes. It never
// holds more than n. A nil *top (no --top) keeps nothing. Safe for
// concurrent use.
type top struct {
	n  int
	by TopBy

	mu   sync.Mutex
	h    []Upload
	peak int // the most it held, for the memory bound's test
}

func newTop(n int, by TopBy) *top {
	if n <= 0 {
		return nil
	}
	return &top{n: n, by: by}
}

// heap.Interface, the lowest-ranked at the root; under mu.
func (t *top) Len() int           { return len(t.h) }
func (t *top) Less(i, j int) bool { return t.by.compare(&t.h[i], &t.h[j]) > 0 }
func (t *top) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *top) Push(x any)         { t.h = append(t.h, x.(Upload)) }
func (t *top) Pop() any {
	u := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return u
}

// add keeps u if it ranks among the n highest so far.
func (t *top) add(us ...Upload) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, u := range us {
		switch {
		case len(t.h) < t.n:
			heap.Push(t, u)
			t.peak = max(t.peak, len(t.h))
		case t.by.compare(&u, &t.h[0]) < 0:
			t.h[0] = u
			heap.Fix(t, 0)
		}
	}
}

// reset forgets what t kept (a bucket walked again).
func (t *top) reset() {
	if t != nil {
		t.mu.Lock()
		t.h = nil
		t.mu.Unlock()
	}
}

// merge adds what o kept to t, and empties o.
func (t *top) merge(o *top) {
	if o == nil {
		return
	}
	o.mu.Lock()
	h := o.h
	o.h = nil
	o.mu.Unlock()
	t.add(h...)
}

// sorted is what t kept, the highest-ranked first.
func (t *top) sorted() []Upload {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	us := slices.Clone(t.h)
	slices.SortFunc(us, func(x, y Upload) int { return t.by.compare(&x, &y) })
	return us
}

// topResult is the report's top uploads, each with its rank and its
// bucket's region.
func topResult(t *top, region func(string) string) []Upload {
	us := t.sorted()
	for i := range us {
		us[i].Rank = i + 1
		if region != nil {
			us[i].Region = region(us[i].Bucket)
		}
	}
	return us
}
