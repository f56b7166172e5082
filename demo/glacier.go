package demo

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glacier"

	"github.com/uploadfs/uploadfs/internal/glacierserver"
	"github.com/uploadfs/uploadfs/internal/s3server"
)

// GlacierServer is the in-memory Glacier vault server behind
// `uploadfs demo --glacier` and the Glacier tests, on 127.0.0.1.
type GlacierServer struct {
	*glacierserver.Server
	URL   string
	Clock *s3server.Clock
	http  *http.Server
}

// StartGlacier starts an empty Glacier server on a free loopback port.
func StartGlacier() (*GlacierServer, error) {
	s := &GlacierServer{Server: glacierserver.New(), Clock: &s3server.Clock{}}
	s.Server.Now = s.Clock.Now
	var err error
	s.URL, s.http, err = s3server.ServeLoopback(s.Server)
	return s, err
}

// Close stops the server at once.
func (s *GlacierServer) Close() error { return s.http.Close() }

// Client returns an SDK client for the server (dummy keys).
func (s *GlacierServer) Client() *glacier.Client { return GlacierClient(s.URL, "demo") }

// GlacierClient returns an SDK client for a Glacier server at url that
// signs with accessKey.
func GlacierClient(url, accessKey string) *glacier.Client {
	return glacier.New(glacier.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
	})
}

// GlacierUpload initiates an upload in vault with the given part size and
// uploads the given part indexes (1-based), each of the size sizeOf returns
// (at most partSize). It returns the upload ID.
func GlacierUpload(ctx context.Context, c *glacier.Client, vault, description string, partSize int64, parts []int32, sizeOf func(int32) int) (string, error) {
	out, err := c.InitiateMultipartUpload(ctx, &glacier.InitiateMultipartUploadInput{
		VaultName:          &vault,
		ArchiveDescription: &description,
		PartSize:           aws.String(strconv.FormatInt(partSize, 10)),
	})
	if err != nil {
		return "", err
	}
	id := aws.ToString(out.UploadId)
	return id, s3server.Each(parts, func(n int32) error {
		start := int64(n-1) * partSize
		size := sizeOf(n)
		_, err := c.UploadMultipartPart(ctx, &glacier.UploadMultipartPartInput{
			VaultName: &vault,
			UploadId:  &id,
			Range:     aws.String(fmt.Sprintf("bytes %d-%d/*", start, start+int64(size)-1)),
			Body:      s3server.NewPattern(size, n),
		})
		return err
	})
}

// The seeded vault tree of `uploadfs demo --glacier`.
const (
	PhotoVault = "photo-archive"
	PhotoParts = 41 // 1 MiB parts, the last one shorter
)

// Vaults of the seeded tree; the last one has no uploads.
var Vaults = []string{PhotoVault, "db-backups", "vm-images", "empty-vault"}

// SeedGlacier creates the demo vault tree through c, backdating uploads
// so that `find -mtime` has something to find.
func SeedGlacier(ctx context.Context, c *glacier.Client, clock *s3server.Clock) error {
	for _, v := range Vaults {
		if _, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: aws.String(v)}); err != nil {
			return fmt.Errorf("create vault %s: %w", v, err)
		}
	}
	const mib = 1 << 20
	day := 24 * time.Hour
	uploads := []struct {
		vault, description string
		age                time.Duration
		partSize           int64
		parts              []int32
		size               func(int32) int
	}{
		{PhotoVault, "family-photos-2019.tar", 30 * day, mib, count(PhotoParts), lastShort(mib, PhotoParts)},
		{"vm-images", "build-vm-2026-11.qcow2", 2 * day, 2 * mib, []int32{1, 2, 5}, sized(2 * mib)},
		{"db-backups", "pg_dump 2026-11-20", 9 * day, mib, count(8), sized(mib)},
		{"db-backups", "pg_dump 2026-11-21 (no parts yet)", 1 * day, 4 * mib, nil, nil},
	}
	defer clock.Backdate(0)
	for _, u := range uploads {
		clock.Backdate(u.age)
		if _, err := GlacierUpload(ctx, c, u.vault, u.description, u.partSize, u.parts, u.size); err != nil {
			return fmt.Errorf("upload %q to vault %s: %w", u.description, u.vault, err)
		}
	}
	return nil
}
