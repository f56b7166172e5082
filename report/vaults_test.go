package report

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/glacierserver"
	"github.com/uploadfs/uploadfs/listing"
)

// A vault of 9 uploads in pages of 2 is handed out a page at a time (the
// walk holds at most two pages and the listing in flight, not the vault),
// and every upload and part is counted once.
func TestRunVaultInPages(t *testing.T) {
	ts := httptest.NewServer(glacierserver.New())
	t.Cleanup(ts.Close)
	c := demo.GlacierClient(ts.URL, "k")
	ctx := context.Background()
	if _, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	const n = 9
	for i := range n {
		if _, err := demo.GlacierUpload(ctx, c, "v", strconv.Itoa(i), 1<<20, []int32{1, 2}, func(int32) int { return 1 << 20 }); err != nil {
			t.Fatal(err)
		}
	}
	g := listing.NewGlacier(c, "")
	g.PageSize = 2
	h := &holding{Lister: Vaults(g)}
	rep, err := Run(ctx, Options{Lister: h, Concurrency: 1, Region: func(string) string { return "us-east-1" }})
	if err != nil {
		t.Fatal(err)
	}
	if tot := rep.Total; rep.Failed != 0 || tot.Uploads != n || tot.Parts != 2*n || tot.Bytes != 2*n<<20 {
		t.Fatalf("%+v", rep.Total)
	}
	if h.most > 2*int(g.PageSize)+1 {
		t.Errorf("held %d uploads at once, want at most two pages of %d and one in flight", h.most, g.PageSize)
	}
}
