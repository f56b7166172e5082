package report

import (
	"context"

	"github.com/uploadfs/uploadfs/listing"
)

// VaultLister is what the report needs of Glacier (*listing.Glacier).
type VaultLister interface {
	Vaults(ctx context.Context) ([]listing.Bucket, error)
	ScanUploads(ctx context.Context, vault string, each func([]listing.Upload) error) error
	FirstPartsPage(ctx context.Context, vault, key, uploadID string) (*listing.PartsPage, error)
	RestOfParts(ctx context.Context, vault, key, uploadID string, first *listing.PartsPage) (*listing.Parts, error)
}

// GlacierVault is the storage class the report gives vault uploads: the
// vault API has none, and its parts are priced as vault storage.
const GlacierVault = "GLACIER_VAULT"

// Vaults makes Glacier vaults a Lister: a vault is a bucket of one level.
func Vaults(g VaultLister) Lister { return vaults{g} }

type vaults struct{ g VaultLister }

func (v vaults) Buckets(ctx context.Context) ([]listing.Bucket, error) { return v.g.Vaults(ctx) }

// ScanLevel hands out a vault's uploads a page at a time, as
// listing.Glacier.ScanUploads lists them (its opaque markers are followed
// one page after another): the report holds a page of a vault, not the
// vault.
func (v vaults) ScanLevel(ctx context.Context, vault, _ string, each func(*listing.Level) error) error {
	return v.g.ScanUploads(ctx, vault, func(us []listing.Upload) error {
		for i := range us {
			us[i].StorageClass = GlacierVault
		}
		return each(&listing.Level{Uploads: us})
	})
}

func (v vaults) Parts(ctx context.Context, vault, key, uploadID string) (*listing.Parts, error) {
	first, err := v.g.FirstPartsPage(ctx, vault, key, uploadID)
	if err != nil {
		return nil, err
	}
	return v.g.RestOfParts(ctx, vault, key, uploadID, first)
}
