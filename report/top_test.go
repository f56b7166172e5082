package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/internal/faultproxy"
)

// listed is every upload of buckets as the SDK lists them straight from
// the server (ListMultipartUploads, ListParts), not through the report.
func listed(t *testing.T, s *testServer, buckets ...string) []Upload {
	t.Helper()
	ctx := context.Background()
	var out []Upload
	for _, b := range buckets {
		lm, err := s.c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToBool(lm.IsTruncated) {
			t.Fatal("more uploads than a page")
		}
		for _, u := range lm.Uploads {
			lp, err := s.c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: u.Key, UploadId: u.UploadId})
			if err != nil {
				t.Fatal(err)
			}
			up := Upload{Bucket: b, Key: aws.ToString(u.Key), ID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated), Parts: int64(len(lp.Parts))}
			for _, p := range lp.Parts {
				up.Bytes += aws.ToInt64(p.Size)
			}
			up.MonthlyUSD = float64(up.Bytes) / gb * 0.023 // every upload here is STANDARD
			out = append(out, up)
		}
	}
	return out
}

// rankBy sorts us as docs/report.md says --top-by does, written apart
// from TopBy.compare: by the measure, then bucket, key, upload ID.
func rankBy(by string, us []Upload) {
	slices.SortStableFunc(us, func(x, y Upload) int {
		var less bool
		switch {
		case by == "bytes" && x.Bytes != y.Bytes:
			less = x.Bytes > y.Bytes
		case by == "cost" && x.MonthlyUSD != y.MonthlyUSD:
			less = x.MonthlyUSD > y.MonthlyUSD
		case by == "age" && !x.Initiated.Equal(y.Initiated):
			less = x.Initiated.Before(y.Initiated)
		default:
			return strings.Compare(fmt.Sprint(x.Bucket, "\x00", x.Key, "\x00", x.ID), fmt.Sprint(y.Bucket, "\x00", y.Key, "\x00", y.ID))
		}
		if less {
			return -1
		}
		return 1
	})
}

func ids(us []Upload) []string {
	var out []string
	for _, u := range us {
		out = append(out, fmt.Sprintf("%s/%s %s %dB", u.Bucket, u.Key, u.ID, u.Bytes))
	}
	return out
}

// --top's uploads are the first of an independent sort of what the
// server lists, for each --top-by, with ties (equal sizes, and two
// uploads of one key) ordered by bucket, key and upload ID.
func TestTopAgainstListing(t *testing.T) {
	s := newTestServer(t, "one", "two", "three")
	s.front.SetRules("one", faultproxy.AbortRule("week", "", 7))
	sizes := []int{700, 300, 700, 5, 700, 1200, 0, 300, 64, 700}
	for i, size := range sizes {
		b := []string{"one", "two", "three"}[i%3]
		s.upload(t, b, fmt.Sprintf("k/%02d", i%4), time.Duration(i%5)*day+time.Duration(i)*time.Minute, size)
	}
	s.upload(t, "two", "k/01", 3*day, 700) // a second upload of one key: same size
	all := listed(t, s, "one", "two", "three")
	for _, by := range []string{"bytes", "age", "cost"} {
		t.Run(by, func(t *testing.T) {
			o := s.options()
			o.Top = 5
			o.TopBy, _ = ParseTopBy(by)
			rep, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(all)
			rankBy(by, want)
			if got := ids(rep.Top); !slices.Equal(got, ids(want[:5])) {
				t.Errorf("--top 5 --top-by %s:\n%q\nwant\n%q", by, got, ids(want[:5]))
			}
			for i, u := range rep.Top {
				if u.Rank != i+1 || u.Region != "us-east-1" || u.Initiated.IsZero() {
					t.Errorf("%d: %+v", i, u)
				}
				if (u.Bucket == "one") != !u.Abort.IsZero() || (u.Bucket != "one") != u.Never {
					t.Errorf("%s/%s: abort %v, never %v; a rule covers bucket one only", u.Bucket, u.Key, u.Abort, u.Never)
				}
			}
		})
	}
}

// Uploads that tie on the measure rank the same in whatever order the
// walk offers them.
func TestTopTiesStable(t *testing.T) {
	var us []Upload
	for _, b := range []string{"b", "a"} {
		for _, k := range []string{"z", "m", "a"} {
			for _, id := range []string{"2", "1"} {
				us = append(us, Upload{Bucket: b, Key: k, ID: id, Bytes: 100})
			}
		}
	}
	var first []string
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		r.Shuffle(len(us), func(i, j int) { us[i], us[j] = us[j], us[i] })
		tp := newTop(4, TopBytes)
		tp.add(us...)
		got := ids(tp.sorted())
		if first == nil {
			first = got
			want := []string{"a/a 1 100B", "a/a 2 100B", "a/m 1 100B", "a/m 2 100B"}
			if !slices.Equal(got, want) {
				t.Fatalf("%q, want %q", got, want)
			}
		} else if !slices.Equal(got, first) {
			t.Fatalf("seed %d: %q, then %q", seed, first, got)
		}
	}
}

// However many uploads are offered, the heap holds at most N, and keeps
// the N largest.
func TestTopMemoryBound(t *testing.T) {
	const n, many = 3, 200_000
	tp := newTop(n, TopBytes)
	r := rand.New(rand.NewPCG(7, 7))
	var largest []int64
	for i := range many {
		size := r.Int64N(1 << 40)
		tp.add(Upload{Bucket: "b", Key: fmt.Sprint(i), Bytes: size})
		largest = append(largest, size)
		if len(tp.h) > n {
			t.Fatalf("the heap holds %d uploads, more than %d", len(tp.h), n)
		}
	}
	slices.Sort(largest)
	slices.Reverse(largest)
	var got []int64
	for _, u := range tp.sorted() {
		got = append(got, u.Bytes)
	}
	if tp.peak != n || !slices.Equal(got, largest[:n]) {
		t.Errorf("peak %d, kept %v; want %d, %v", tp.peak, got, n, largest[:n])
	}
	if newTop(0, TopBytes) != nil {
		t.Error("--top 0 keeps a heap")
	}
}

// topGoldenReport has --top 3 over rows covered, not covered and unknown,
// with a key to escape in every format.
func topGoldenReport() *Report {
	b := newBuilder(time.Date(2026, 12, 2, 4, 34, 30, 0, time.UTC), DefaultAges, 3)
	b.add("alpha", "videos/", Coverage{CoverageCovered, 7}, "videos/a \"b\",c\n.mov", 3*day, 5<<30, 500, "STANDARD")
	b.add("alpha", "videos/", Coverage{CoverageCovered, 7}, "videos/small", 2*time.Hour, 1<<20, 1, "STANDARD")
	b.add("beta", "db/", Coverage{Kind: CoverageNone}, "db/dump", 40*day, 5<<30, 50, "STANDARD_IA")
	b.add("gamma", "x/", Coverage{Kind: CoverageUnknown}, "x/y", 9*day, 7<<30, 70, "GLACIER")
	return b.report()
}
