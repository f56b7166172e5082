package listing_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/glacierserver"
	"github.com/uploadfs/uploadfs/listing"
)

// glacierServer serves an in-process Glacier server to the real SDK client
// and counts the requests with each limit sent.
func glacierServer(t *testing.T) (*glacier.Client, *atomic.Int64) {
	t.Helper()
	srv := glacierserver.New()
	var requests atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			requests.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return demo.GlacierClient(ts.URL, "k"), &requests
}

func TestGlacierPaging(t *testing.T) {
	ctx := context.Background()
	c, requests := glacierServer(t)
	for _, v := range []string{"e", "c", "a", "d", "b"} {
		if _, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i := range 5 {
		id, err := demo.GlacierUpload(ctx, c, "c", strconv.Itoa(i), 1<<20, []int32{1, 3, 4, 5, 6, 7, 9}, func(n int32) int { return int(n) })
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	g := listing.NewGlacier(c, "")
	g.PageSize = 2

	vs, err := g.Vaults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	if strings.Join(names, "") != "abcde" || vs[0].Created.IsZero() {
		t.Fatalf("vaults %v", vs)
	}

	ups, err := g.Uploads(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 5 {
		t.Fatalf("%d uploads, want 5", len(ups))
	}
	for i, u := range ups {
		if i > 0 && u.ID <= ups[i-1].ID || u.Key != "" || u.Glacier == nil || u.Glacier.PartSize != 1<<20 ||
			!strings.HasSuffix(u.Glacier.VaultARN, ":vaults/c") || u.Initiated.IsZero() {
			t.Fatalf("upload %d: %+v %+v", i, u, u.Glacier)
		}
	}

	first, err := g.FirstPartsPage(ctx, "c", "", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if !first.Truncated || len(first.Parts) != 2 {
		t.Fatalf("first page %+v", first)
	}
	ps, err := g.RestOfParts(ctx, "c", "", ids[0], first)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps.Parts {
		r := *p.Fields
		got = append(got, fmt.Sprintf("%d:%d:%s", p.Number, p.Size, r[0].Value))
		if r[1].Name != "sha256-tree-hash" || len(r[1].Value) != 64 || p.Modified != ups[0].Initiated.UnixNano() && ups[0].ID == ids[0] {
			t.Fatalf("part %d fields %v", p.Number, r)
		}
	}
	want := "1:1:0-0 3:3:2097152-2097154 4:4:3145728-3145731 5:5:4194304-4194308 6:6:5242880-5242885 7:7:6291456-6291462 9:9:8388608-8388616"
	if strings.Join(got, " ") != want || ps.TotalBytes != 1+3+4+5+6+7+9 {
		t.Fatalf("parts %v (total %d)\nwant %s", got, ps.TotalBytes, want)
	}

	// Without a page size, limit 1,000: one request for the same upload.
	requests.Store(0)
	if _, err := listing.NewGlacier(c, "").FirstPartsPage(ctx, "c", "", ids[1]); err != nil || requests.Load() != 1 {
		t.Fatalf("default limit: %d requests, %v", requests.Load(), err)
	}

	_, err = g.FirstPartsPage(ctx, "c", "", "no-such-upload")
	var le *listing.Error
	if !errors.Is(err, listing.ErrNotFound) || !errors.As(err, &le) || le.Vault != "c" || !strings.Contains(err.Error(), "vault c upload no-such-upload") {
		t.Fatalf("missing upload: %v", err)
	}
	if _, err := g.Uploads(ctx, "zz"); !errors.Is(err, listing.ErrNotFound) {
		t.Fatalf("missing vault: %v", err)
	}
	if _, err := listing.NewGlacier(c, "999999999999").Vaults(ctx); !errors.Is(err, listing.ErrAccessDenied) {
		t.Fatalf("another account: %v", err)
	}
}

// glacierStub answers ListParts from a function: for faults no server
// sends on purpose.
type glacierStub struct {
	listing.GlacierAPI
	parts func(*glacier.ListPartsInput) *glacier.ListPartsOutput
}

func (s *glacierStub) ListParts(_ context.Context, in *glacier.ListPartsInput, _ ...func(*glacier.Options)) (*glacier.ListPartsOutput, error) {
	return s.parts(in), nil
}

// FuzzGlacierPages feeds arbitrary ListParts pages (ranges, part sizes,
// markers) to a Glacier part listing: it must end, and what it accepts
// must be rising part indexes in 1..10000, each no longer than the part
// size.
func FuzzGlacierPages(f *testing.F) {
	f.Add([]byte("\x01\x02\x000-1\x0010-19\x00\x01m1\x00\x01\x0020-20\x00\x00"))
	f.Add([]byte("\x01\x01\x000-9\x00\x01m\x00\x01\x0010-19\x00\x01m\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fd := feed(data)
		var size int64 // what the first page says
		g := listing.NewGlacier(&glacierStub{parts: func(*glacier.ListPartsInput) *glacier.ListPartsOutput {
			out := &glacier.ListPartsOutput{PartSizeInBytes: 10}
			if fd.next()%7 == 6 {
				out.PartSizeInBytes++ // a page that may disagree
			}
			if size == 0 {
				size = out.PartSizeInBytes
			}
			for range int(fd.next() % 4) {
				out.Parts = append(out.Parts, types.PartListElement{RangeInBytes: aws.String(fd.str())})
			}
			if fd.next()%2 == 1 {
				out.Marker = aws.String(fd.str())
			}
			return out
		}}, "")
		first, err := g.FirstPartsPage(context.Background(), "v", "", "u")
		var ps *listing.Parts
		if err == nil {
			ps, err = g.RestOfParts(context.Background(), "v", "", "u", first)
		}
		checkParts(t, ps, err, size)
	})
}

// FuzzParseRange: ParseRange accepts exactly the canonical "start-end".
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"0-4194303", "4194304-8388607", "1-0", "-1-5", "01-2", "3-", "9223372036854775807-9223372036854775807", "+1-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, b, err := listing.ParseRange(s)
		if err != nil {
			return
		}
		if a < 0 || a > b || fmt.Sprintf("%d-%d", a, b) != s {
			t.Fatalf("ParseRange(%q) = %d, %d", s, a, b)
		}
	})
}
