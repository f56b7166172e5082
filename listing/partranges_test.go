package listing_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

func numbers(ps []listing.Part) []int32 {
	out := make([]int32, len(ps))
	for i, p := range ps {
		out[i] = p.Number
	}
	return out
}

// On gofakes3 (markers off by one, NextPartNumberMarker the first part of
// the next page) the ranged listing of 10,000 parts is complete and costs
// about two requests per range instead of a fallback.
func TestRangesOnOffByOneServer(t *testing.T) {
	srv, err := s3server.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := srv.Client()
	c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("bkt")})
	full := upload(t, c, "bkt", "full", span(1, 10000)...)
	sparse := upload(t, c, "bkt", "sparse", append(span(1, 1000), 4000, 9999, 10000)...)
	l := listing.NewS3(c)
	for _, tc := range []struct {
		id   string
		want []int32
	}{{full, span(1, 10000)}, {sparse, append(span(1, 1000), 4000, 9999, 10000)}} {
		before := srv.Requests()
		ps, err := l.Parts(context.Background(), "bkt", map[string]string{full: "full", sparse: "sparse"}[tc.id], tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(numbers(ps.Parts), tc.want) {
			t.Fatalf("upload %s: %d parts, want %d", tc.id, len(ps.Parts), len(tc.want))
		}
		if n := srv.Requests() - before; n > 19 {
			t.Fatalf("upload %s: %d requests, want at most 19 (1 + 9 ranges of 2)", tc.id, n)
		}
	}
}

// model is a ListParts server over a set of part numbers, with the marker
// behaviours seen in the wild. It is a stub only because no server that
// runs here ignores MaxParts (MinIO defaults to 10,000) or refuses a marker
// naming a missing part.
type model struct {
	stub
	parts        []int32
	offByOne     bool // a marker returns its own part too (gofakes3)
	inclusive    bool // a marker returns its own part, and the next marker is the last listed (SeaweedFS)
	ignoreMax    bool // MaxParts ignored, pages of 10,000
	strictMarker bool // a marker that names no part is an error
}

func newModel(parts []int32) *model {
	m := &model{parts: parts}
	m.stub.parts = m.answer
	return m
}

func (m *model) answer(in *s3.ListPartsInput) *s3.ListPartsOutput {
	marker := 0
	if in.PartNumberMarker != nil {
		marker, _ = strconv.Atoi(*in.PartNumberMarker)
		if m.strictMarker && !slices.Contains(m.parts, int32(marker)) {
			return &s3.ListPartsOutput{Parts: []types.Part{part(0)}} // stands for an error page
		}
	}
	max := int(aws.ToInt32(in.MaxParts))
	if m.ignoreMax || max == 0 {
		max = 10000
	}
	out := &s3.ListPartsOutput{}
	for _, n := range m.parts {
		if int(n) < marker || (int(n) == marker && !m.offByOne && !m.inclusive) {
			continue
		}
		if len(out.Parts) == max {
			out.IsTruncated = aws.Bool(true)
			next := *out.Parts[len(out.Parts)-1].PartNumber // S3: the last part listed
			if m.offByOne {
				next = n // gofakes3: the first part not listed, its pair to an inclusive marker
			}
			out.NextPartNumberMarker = aws.String(strconv.Itoa(int(next)))
			break
		}
		out.Parts = append(out.Parts, part(n))
	}
	return out
}

func TestRangesOnEveryServerKind(t *testing.T) {
	uploads := map[string][]int32{
		"dense":     span(1, 10000),
		"2500":      span(1, 2500),
		"sparse":    append(append(span(1, 1000), span(2990, 3010)...), 7777, 10000),
		"one page":  span(1, 1000),
		"1001":      span(1, 1001),
		"high only": span(9000, 10000),
	}
	kinds := map[string]func(*model){
		"s3":                    func(*model) {},
		"off by one":            func(m *model) { m.offByOne = true },
		"ignores max":           func(m *model) { m.ignoreMax = true },
		"strict marker":         func(m *model) { m.strictMarker = true },
		"inclusive (SeaweedFS)": func(m *model) { m.inclusive = true },
		"inclusive, ranges refused (SeaweedFS, fallback)": func(m *model) {
			m.inclusive, m.strictMarker = true, true
		},
		"inclusive, small pages": func(m *model) { m.inclusive = true },
	}
	for uname, parts := range uploads {
		for kname, kind := range kinds {
			m := newModel(parts)
			kind(m)
			l := listing.NewS3(m)
			if kname == "inclusive, small pages" {
				l.PageSize = 300 // ranges of 1,000 take several pages each
			}
			ps, err := l.Parts(context.Background(), "b", "k", "u")
			if err != nil {
				t.Fatalf("%s on %s: %v", uname, kname, err)
			}
			if !slices.Equal(numbers(ps.Parts), parts) {
				t.Fatalf("%s on %s: got %d parts %v…, want %d", uname, kname, len(ps.Parts), numbers(ps.Parts)[:min(5, len(ps.Parts))], len(parts))
			}
			if kname == "s3" && m.calls.Load() > 10 {
				t.Fatalf("%s on s3: %d requests, want at most 10", uname, m.calls.Load())
			}
		}
	}
}

// Part finds one part with one request, on correct and off-by-one servers.
func TestPartWindow(t *testing.T) {
	parts := []int32{1, 2, 5, 6, 100, 10000}
	for _, offByOne := range []bool{false, true} {
		for n := int32(1); n <= 10000; n += map[bool]int32{true: 1, false: 997}[n < 120] {
			m := newModel(parts)
			m.offByOne = offByOne
			p, ok, err := listing.NewS3(m).Part(context.Background(), "b", "k", "u", n)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Contains(parts, n)
			if ok != want || (ok && p.Number != n) {
				t.Fatalf("Part(%d) off-by-one %v = %d, %v; want %v", n, offByOne, p.Number, ok, want)
			}
			if m.calls.Load() != 1 {
				t.Fatalf("Part(%d): %d requests, want 1", n, m.calls.Load())
			}
		}
	}
}

// A listing refreshed with the last listing in hand is complete on every
// kind of server, whether the upload is as it was, has grown, or is
// sparse, and on S3 costs its pages (and one more if it grew). A cold
// listing that cannot send every range at once sends none past the end of
// the upload.
func TestRestOfPartsAgain(t *testing.T) {
	uploads := map[string][]int32{
		"2500":   span(1, 2500),
		"dense":  span(1, 10000),
		"sparse": append(append(span(1, 1000), span(2990, 3010)...), 7777),
		"3000":   span(1, 3000),
		"1001":   span(1, 1001),
	}
	for uname, parts := range uploads {
		// What the last listing saw: all of it, or the upload before it grew.
		for _, lastN := range []int{len(parts), len(parts) - 1, len(parts) / 2, 1001} {
			if lastN > len(parts) {
				continue
			}
			last := &listing.Parts{}
			for _, n := range parts[:lastN] {
				last.Parts = append(last.Parts, listing.Part{Number: n})
			}
			for kname, kind := range map[string]func(*model){
				"s3":            func(*model) {},
				"off by one":    func(m *model) { m.offByOne = true },
				"ignores max":   func(m *model) { m.ignoreMax = true },
				"strict marker": func(m *model) { m.strictMarker = true },
				"inclusive":     func(m *model) { m.inclusive = true },
			} {
				m := newModel(parts)
				kind(m)
				l := listing.NewS3(m)
				first, err := l.FirstPartsPage(context.Background(), "b", "k", "u")
				if err != nil {
					t.Fatal(err)
				}
				ps, err := l.RestOfPartsAgain(context.Background(), "b", "k", "u", first, last)
				if err != nil {
					t.Fatalf("%s after %d on %s: %v", uname, lastN, kname, err)
				}
				if !slices.Equal(numbers(ps.Parts), parts) {
					t.Fatalf("%s after %d on %s: got %d parts, want %d", uname, lastN, kname, len(ps.Parts), len(parts))
				}
				pages := int32(len(parts)+999) / 1000
				if kname == "s3" && lastN == len(parts) && m.calls.Load() > pages {
					t.Fatalf("%s refreshed on s3: %d requests, want its %d pages", uname, m.calls.Load(), pages)
				}
				if kname == "s3" && m.calls.Load() > pages+1 {
					t.Fatalf("%s refreshed after %d parts on s3: %d requests, want at most %d", uname, lastN, m.calls.Load(), pages+1)
				}
			}
		}
	}
	m := newModel(span(1, 2500))
	l := listing.NewS3(m)
	l.Concurrency = 1
	if ps, err := l.Parts(context.Background(), "b", "k", "u"); err != nil || len(ps.Parts) != 2500 {
		t.Fatalf("cold, one at a time: %v", err)
	}
	if n := m.calls.Load(); n > 3 {
		t.Fatalf("cold, one at a time: %d requests for 2,500 parts, want 3 (none past the end)", n)
	}
}
