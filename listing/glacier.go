package listing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
)

// GlacierAPI is the part of the SDK's *glacier.Client this package calls.
type GlacierAPI interface {
	ListVaults(context.Context, *glacier.ListVaultsInput, ...func(*glacier.Options)) (*glacier.ListVaultsOutput, error)
	ListMultipartUploads(context.Context, *glacier.ListMultipartUploadsInput, ...func(*glacier.Options)) (*glacier.ListMultipartUploadsOutput, error)
	ListParts(context.Context, *glacier.ListPartsInput, ...func(*glacier.Options)) (*glacier.ListPartsOutput, error)
	AbortMultipartUpload(context.Context, *glacier.AbortMultipartUploadInput, ...func(*glacier.Options)) (*glacier.AbortMultipartUploadOutput, error)
}

// Glacier lists the vaults of one account (the original vault API), their
// in-progress multipart uploads and the parts of each, in the same types as
// S3: a vault is a Bucket, an upload an Upload with no key, a part a Part
// numbered by its index in the archive. Glacier's markers are opaque, so
// pages are followed one after another. Safe for concurrent use.
type Glacier struct {
	api       GlacierAPI
	accountID string
	// PageSize is sent as limit. Zero means 1,000, the most Glacier returns
	// (its defaults are 10 vaults, 50 uploads, 50 parts).
	PageSize int32
	// MaxPages bounds the pages of a vault or upload listing, against
	// servers that invent entries forever. Zero means 100,000. Part
	// listings need no bound: indexes must rise within 1..10000.
	MaxPages int
}

// NewGlacier returns a lister over api (usually a *glacier.Client) for the
// vaults of accountID; "" means "-", the account of the credentials.
func NewGlacier(api GlacierAPI, accountID string) *Glacier {
	if accountID == "" {
		accountID = "-"
	}
	return &Glacier{api: api, accountID: accountID}
}

// GlacierUpload is what Glacier says of a vault upload, beyond its ID and
// creation date. Empty strings are fields the server did not return.
type GlacierUpload struct {
	VaultARN           string
	ArchiveDescription string
	CreationDate       string // as returned: ISO 8601, UTC
	PartSize           int64
}

func (g *Glacier) limit() *int32 {
	if g.PageSize > 0 {
		return &g.PageSize
	}
	return aws.Int32(partsPerPage)
}

func (g *Glacier) maxPages() int {
	if g.MaxPages > 0 {
		return g.MaxPages
	}
	return 100_000
}

// glacierError makes err an *Error about vault (and upload), unless it
// already is one.
func glacierError(err error, op, vault, uploadID string) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Vault: vault, UploadID: uploadID, Kind: kindOf(err), Err: err}
}

// Vaults lists every vault of the account, sorted by name.
func (g *Glacier) Vaults(ctx context.Context) ([]Bucket, error) {
	var out collector[Bucket]
	err := paginate(g.maxPages(), "", func(marker string) (string, error) {
		in := &glacier.ListVaultsInput{AccountId: &g.accountID, Limit: g.limit()}
		if marker != "" {
			in.Marker = &marker
		}
		res, err := g.api.ListVaults(ctx, in)
		if err != nil {
			return "", err
		}
		for _, v := range res.VaultList {
			out.add(str(v.VaultName), Bucket{Name: str(v.VaultName), Created: glacierTime(str(v.CreationDate))})
		}
		return str(res.Marker), nil
	})
	if err != nil {
		return nil, wrap(err, "ListVaults", "", "", "")
	}
	sortBuckets(out.items)
	return out.items, nil
}

// CheckVault asks for at most one upload of vault: a cheap way to learn,
// before mounting, that the vault exists and the credentials may list it.
func (g *Glacier) CheckVault(ctx context.Context, vault string) error {
	_, err := g.api.ListMultipartUploads(ctx, &glacier.ListMultipartUploadsInput{AccountId: &g.accountID, VaultName: &vault, Limit: aws.Int32(1)})
	return glacierError(err, "ListMultipartUploads", vault, "")
}

// Uploads lists the in-progress multipart uploads of vault, sorted by ID.
func (g *Glacier) Uploads(ctx context.Context, vault string) ([]Upload, error) {
	var out []Upload
	err := g.ScanUploads(ctx, vault, func(page []Upload) error {
		out = append(out, page...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func glacierUploadOf(u types.UploadListElement) Upload {
	created := str(u.CreationDate)
	return Upload{
		ID:        str(u.MultipartUploadId),
		Initiated: glacierTime(created),
		Glacier: &GlacierUpload{
			VaultARN:           str(u.VaultARN),
			ArchiveDescription: str(u.ArchiveDescription),
			CreationDate:       created,
			PartSize:           u.PartSizeInBytes,
		},
	}
}

// glacierTime parses Glacier's ISO 8601 dates; anything else is absent.
func glacierTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// FirstPartsPage returns the first page of an upload's parts. key is ignored:
// vault uploads have none (it is there so that both listers read parts
// alike).
func (g *Glacier) FirstPartsPage(ctx context.Context, vault, key, uploadID string) (*PartsPage, error) {
	pg, err := g.page(ctx, vault, uploadID, "", 0)
	return pg, glacierError(err, "ListParts", vault, uploadID)
}

// RestOfParts completes the listing that first began, following the server's
// markers.
func (g *Glacier) RestOfParts(ctx context.Context, vault, key, uploadID string, first *PartsPage) (*Parts, error) {
	res := first.listing()
	if !first.Truncated {
		return res.total(), nil
	}
	last := int32(0)
	if n := len(first.Parts); n > 0 {
		last = first.Parts[n-1].Number
	}
	err := paginate(MaxPartNumber+1, first.marker, func(marker string) (string, error) {
		pg, err := g.page(ctx, vault, uploadID, marker, first.partSize)
		if err != nil {
			return "", err
		}
		for _, p := range pg.Parts {
			if p.Number <= last {
				return "", fmt.Errorf("part %d listed after part %d", p.Number, last)
			}
			last = p.Number
			res.Parts = append(res.Parts, p)
		}
		return pg.marker, nil
	})
	if err != nil {
		return nil, glacierError(err, "ListParts", vault, uploadID)
	}
	return res.total(), nil
}

// page sends one ListParts from marker and checks it: a part size that
// is not positive or differs from partSize (unless 0, on the first page),
// ranges that are malformed, do not fit the part size, or are out of order,
// and a next marker with no parts before it.
func (g *Glacier) page(ctx context.Context, vault, uploadID, marker string, partSize int64) (*PartsPage, error) {
	in := &glacier.ListPartsInput{AccountId: &g.accountID, VaultName: &vault, UploadId: &uploadID, Limit: g.limit()}
	if marker != "" {
		in.Marker = &marker
	}
	out, err := g.api.ListParts(ctx, in)
	if err != nil {
		return nil, err
	}
	size := out.PartSizeInBytes
	switch {
	case size <= 0:
		return nil, fmt.Errorf("part size %d is not positive", size)
	case partSize != 0 && size != partSize:
		return nil, fmt.Errorf("part size changed from %d to %d", partSize, size)
	}
	modified := int64(0)
	if t := glacierTime(str(out.CreationDate)); !t.IsZero() {
		modified = t.UnixNano()
	}
	pg := &PartsPage{marker: str(out.Marker), partSize: size, Parts: make([]Part, 0, len(out.Parts))}
	pg.Truncated = pg.marker != ""
	var last int32
	for _, e := range out.Parts {
		p, err := glacierPartOf(e, size)
		if err != nil {
			return nil, err
		}
		if p.Number <= last {
			return nil, fmt.Errorf("part %d listed after part %d", p.Number, last)
		}
		last = p.Number
		p.Modified = modified
		pg.Parts = append(pg.Parts, p)
	}
	if pg.Truncated && len(pg.Parts) == 0 {
		return nil, fmt.Errorf("marker %q after a page without parts", pg.marker)
	}
	return pg, nil
}

// glacierPartOf numbers a part by its index in the archive: range start /
// part size + 1. Its size is the range's length (inclusive upper bound),
// at most the part size (only the last part of an archive is shorter).
func glacierPartOf(e types.PartListElement, partSize int64) (Part, error) {
	r := str(e.RangeInBytes)
	start, end, err := ParseRange(r)
	if err != nil {
		return Part{}, err
	}
	switch {
	case start%partSize != 0:
		return Part{}, fmt.Errorf("range %q does not start at a multiple of the part size %d", r, partSize)
	case end-start+1 > partSize:
		return Part{}, fmt.Errorf("range %q is longer than the part size %d", r, partSize)
	case start/partSize >= MaxPartNumber:
		return Part{}, fmt.Errorf("range %q is past part %d", r, MaxPartNumber)
	}
	p := Part{Number: int32(start/partSize + 1), Size: end - start + 1}
	p.addFields(Field{"range", r}, Field{"sha256-tree-hash", str(e.SHA256TreeHash)})
	return p, nil
}

// ParseRange parses Glacier's RangeInBytes, "start-end" with an inclusive
// end, in canonical decimal (no sign, no leading zeros, no spaces).
func ParseRange(s string) (start, end int64, err error) {
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			continue
		}
		a, errA := canonicalInt(s[:i])
		b, errB := canonicalInt(s[i+1:])
		if errA != nil || errB != nil || a > b {
			break
		}
		return a, b, nil
	}
	return 0, 0, fmt.Errorf("malformed range %q (want start-end, start <= end)", s)
}

// canonicalInt parses a non-negative decimal written the one way
// strconv.FormatInt writes it.
func canonicalInt(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("not a canonical decimal: %q", s)
	}
	return n, nil
}
