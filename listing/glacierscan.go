package listing

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/glacier"
)

// ScanUploads hands out the in-progress multipart uploads of vault a page
// at a time, in the server's order, each once (an upload a page repeats is
// dropped), as ScanLevel hands out an S3 level: the report sums a vault of
// any size holding one page and the IDs seen, not the vault (Uploads
// gathers it whole and sorts it). An error of each ends the scan with
// that error.
func (g *Glacier) ScanUploads(ctx context.Context, vault string, each func([]Upload) error) error {
	seen := map[string]bool{}
	var stopped error
	err := paginate(g.maxPages(), "", func(marker string) (string, error) {
		in := &glacier.ListMultipartUploadsInput{AccountId: &g.accountID, VaultName: &vault, Limit: g.limit()}
		if marker != "" {
			in.Marker = &marker
		}
		res, err := g.api.ListMultipartUploads(ctx, in)
		if err != nil {
			return "", err
		}
		var page []Upload
		for _, u := range res.UploadsList {
			id := str(u.MultipartUploadId)
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			page = append(page, glacierUploadOf(u))
		}
		if stopped = each(page); stopped != nil {
			return "", stopped
		}
		return str(res.Marker), nil
	})
	if stopped != nil {
		return stopped
	}
	return glacierError(err, "ListMultipartUploads", vault, "")
}
