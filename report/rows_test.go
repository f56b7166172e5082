package report

import (
	"math"
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	u := upload{key: "logs/2026/12/app.log", class: "GLACIER", initiator: "arn:aws:iam::111122223333:user/ci"}
	cases := []struct {
		t    Target
		by   By
		want Key
	}{
		{Target{Bucket: "b"}, By{}, Key{Bucket: "b"}},
		{Target{Bucket: "b"}, By{Prefix: true, Depth: 1}, Key{Bucket: "b", Prefix: "logs/"}},
		{Target{Bucket: "b"}, By{Prefix: true, Depth: 2}, Key{Bucket: "b", Prefix: "logs/2026/"}},
		{Target{Bucket: "b"}, By{Prefix: true, Depth: 9}, Key{Bucket: "b", Prefix: "logs/2026/12/"}},
		{Target{Bucket: "b", Prefix: "logs/"}, By{Prefix: true, Depth: 1}, Key{Bucket: "b", Prefix: "logs/2026/"}},
		{Target{Bucket: "b", Prefix: "logs/20"}, By{Prefix: true, Depth: 1}, Key{Bucket: "b", Prefix: "logs/2026/"}},
		{Target{Bucket: "b", Prefix: "logs/"}, By{}, Key{Bucket: "b", Prefix: "logs/"}},
		{Target{Bucket: "b"}, By{StorageClass: true, Initiator: true}, Key{Bucket: "b", StorageClass: "GLACIER", Initiator: u.initiator}},
	}
	for _, c := range cases {
		if got := c.by.key(c.t, u); got != c.want {
			t.Errorf("%+v %+v: %+v, want %+v", c.t, c.by, got, c.want)
		}
	}
	if got := (By{Prefix: true, Depth: 1}).key(Target{Bucket: "b"}, upload{key: "top.bin"}); got.Prefix != "" {
		t.Errorf("a top-level key is in prefix %q, want the top", got.Prefix)
	}
}

func TestRowSums(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ages := []Age{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}
	abort := now.Add(48 * time.Hour)
	var r Row
	r.add(upload{class: "STANDARD", initiated: now.Add(-10 * 24 * time.Hour), parts: 3, bytes: 3 << 30, abortKnown: true}, now, ages)
	r.add(upload{class: "GLACIER", initiated: now.Add(-25 * time.Hour), parts: 2, bytes: 1 << 30, abort: abort, abortKnown: true}, now, ages)
	r.add(upload{class: "STANDARD_IA", initiated: now.Add(-time.Hour), parts: 1, bytes: 2 << 30}, now, ages) // lifecycle unknown
	r.add(upload{class: "STANDARD", parts: 1, bytes: 7}, now, ages)                                          // no Initiated from the server
	if r.Uploads != 4 || r.Parts != 7 || r.Bytes != 6<<30+7 {
		t.Errorf("sums %d uploads, %d parts, %d bytes", r.Uploads, r.Parts, r.Bytes)
	}
	if want := []Count{{2, 4 << 30}, {1, 3 << 30}}; r.Older[0] != want[0] || r.Older[1] != want[1] {
		t.Errorf("older %+v, want %+v", r.Older, want)
	}
	if !r.Oldest.Equal(now.Add(-10 * 24 * time.Hour)) {
		t.Errorf("oldest %v", r.Oldest)
	}
	if r.NoAbortRule != (Count{1, 3 << 30}) || !r.NextAbort.Equal(abort) {
		t.Errorf("no abort rule %+v, next abort %v", r.NoAbortRule, r.NextAbort)
	}
	// 3 GiB + 7 B STANDARD, 1 GiB GLACIER at the STANDARD staging rate,
	// 2 GiB STANDARD_IA.
	want := (3+7.0/(1<<30))*0.023 + 1*0.023 + 2*0.0125
	if got := DefaultPrices().Monthly(r.byClass); math.Abs(got-want) > 1e-12 {
		t.Errorf("monthly %.12f, want %.12f", got, want)
	}

	var tot Row
	tot.merge(&r, ages)
	tot.merge(&r, ages)
	if tot.Uploads != 8 || tot.Bytes != 2*r.Bytes || tot.Older[1] != (Count{2, 6 << 30}) || !tot.Oldest.Equal(r.Oldest) || tot.NoAbortRule != (Count{2, 6 << 30}) {
		t.Errorf("merged %+v", tot)
	}
}

func TestPrices(t *testing.T) {
	p := DefaultPrices()
	for class, want := range map[string]float64{
		"STANDARD": 0.023, "GLACIER": 0.023, "DEEP_ARCHIVE": 0.023, "": 0.023, "NO_SUCH_CLASS": 0.023,
		"GLACIER_IR": 0.004, "STANDARD_IA": 0.0125, "ONEZONE_IA": 0.01, "EXPRESS_ONEZONE": 0.11, GlacierVault: 0.0036,
	} {
		if got := p.Monthly(map[string]int64{class: 1 << 30}); got != want {
			t.Errorf("1 GiB of %q: $%g, want $%g", class, got, want)
		}
	}
	for class, usd := range map[string]float64{"STANDARD": 0.02, "ONEZONE_IA": 0.5} {
		if err := p.Set(class, usd); err != nil {
			t.Fatal(err)
		}
	}
	// An override that would change nothing is refused, naming what to set.
	for class, want := range map[string]string{
		"STANDRAD":     `unknown storage class "STANDRAD": the classes priced are EXPRESS_ONEZONE, GLACIER_IR, GLACIER_VAULT, INTELLIGENT_TIERING, ONEZONE_IA, STANDARD, STANDARD_IA`,
		"DEEP_ARCHIVE": "parts of DEEP_ARCHIVE uploads are billed as STANDARD while in progress: set STANDARD",
	} {
		if err := p.Set(class, 1); err == nil || err.Error() != want {
			t.Errorf("Set(%q): %v, want %q", class, err, want)
		}
	}
	if got := p.Monthly(map[string]int64{"DEEP_ARCHIVE": 1 << 30, "ONEZONE_IA": 2 << 30}); got != 0.02+1 {
		t.Errorf("overridden: $%g", got)
	}
	if s := p.Source(); s != defaultTable+", with --price ONEZONE_IA=0.5 STANDARD=0.02" {
		t.Errorf("source %q", s)
	}
	if DefaultPrices().PerGBMonth["STANDARD"] != 0.023 {
		t.Error("Set changed the embedded table")
	}
	// 2,000 LIST requests and 1,000 GETs: 2 × $0.005 + $0.0004.
	if got := DefaultPrices().ScanCost(RequestCounts{List: 2000, Other: 1000}); math.Abs(got-0.0104) > 1e-15 {
		t.Errorf("scan cost $%g", got)
	}
	for _, s := range []string{"STANDARD", "=1", "STANDARD=x", "STANDARD=-1"} {
		if _, _, err := ParsePrice(s); err == nil {
			t.Errorf("ParsePrice(%q) accepted", s)
		}
	}
	if c, v, err := ParsePrice("glacier_ir=0.005"); err != nil || c != "GLACIER_IR" || v != 0.005 {
		t.Errorf("ParsePrice: %q %g %v", c, v, err)
	}
}

func TestParseAgeAndTarget(t *testing.T) {
	for s, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "24h": 24 * time.Hour, "90m": 90 * time.Minute, "1d": 24 * time.Hour} {
		if a, err := ParseAge(s); err != nil || a.D != want || a.Label != s {
			t.Errorf("ParseAge(%q) = %+v, %v", s, a, err)
		}
	}
	for _, s := range []string{"", "0d", "-1h", "1.5d", "7days", "x"} {
		if _, err := ParseAge(s); err == nil {
			t.Errorf("ParseAge(%q) accepted", s)
		}
	}
	if l := (Age{"7d", 0}).csvLabel(); l != "7_days" {
		t.Errorf("csv label %q", l)
	}
	for s, want := range map[string]Target{
		"b":        {"b", ""},
		"b/":       {"b", ""},
		"b/logs/":  {"b", "logs/"},
		"b/logs/x": {"b", "logs/x"},
		"arn:aws:s3:us-west-2:111122223333:accesspoint/ap":      {"arn:aws:s3:us-west-2:111122223333:accesspoint/ap", ""},
		"arn:aws:s3:us-west-2:111122223333:accesspoint/ap/tmp/": {"arn:aws:s3:us-west-2:111122223333:accesspoint/ap", "tmp/"},
	} {
		if got, err := ParseTarget(s); err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "/x", "arn:aws:s3:x"} {
		if _, err := ParseTarget(s); err == nil {
			t.Errorf("ParseTarget(%q) accepted", s)
		}
	}
	got := distinct([]Target{{"a", "x/"}, {"a", ""}, {"b", "x/"}, {"b", "x/"}, {"b", "x/y/"}, {"c", "p/"}, {"c", "q/"}})
	if want := []Target{{"a", ""}, {"b", "x/"}, {"c", "p/"}, {"c", "q/"}}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("distinct: %+v, want %+v", got, want)
	}
}
