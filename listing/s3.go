package listing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3API is the part of the SDK's *s3.Client this package calls.
type S3API interface {
	ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	ListDirectoryBuckets(context.Context, *s3.ListDirectoryBucketsInput, ...func(*s3.Options)) (*s3.ListDirectoryBucketsOutput, error)
	ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
	ListParts(context.Context, *s3.ListPartsInput, ...func(*s3.Options)) (*s3.ListPartsOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	GetBucketLifecycleConfiguration(context.Context, *s3.GetBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
}

// S3 lists buckets, uploads and parts. It holds no state besides its
// settings and what it learns of the server (whether its EncodingType claim
// holds) and of each bucket (whether its delimited listings proved
// complete: proof.go), and is safe for concurrent use; do not copy it.
type S3 struct {
	api S3API
	// PageSize, if non-zero, is sent as MaxUploads and MaxParts. Zero leaves
	// the server's default (1,000 on S3).
	PageSize int32
	// MaxPages bounds the pages of one ListMultipartUploads or ListBuckets
	// listing, against servers that invent entries forever. Zero means
	// 100,000. ListParts needs no bound: its marker must rise within 1..10000.
	MaxPages int
	// Concurrency bounds the requests of one listing sent at once: the
	// ListParts ranges of an upload, the pieces of a level. Zero means
	// DefaultConcurrency.
	Concurrency int
	// DirectoryRegions are the regions whose directory buckets (S3 Express
	// One Zone, not in ListBuckets) Buckets lists with ListDirectoryBuckets;
	// "" is the client's own region. Empty: none are listed.
	DirectoryRegions []string
	// RequestPayer, if set ("requester"), is sent with every listing of
	// uploads and parts: requester-pays buckets refuse them otherwise.
	RequestPayer string
	// ExpectedBucketOwner, if set (an account ID), is sent with every
	// listing of uploads and parts: S3 refuses (403) a bucket another
	// account owns.
	ExpectedBucketOwner string

	// rawKeys is learned: the server said EncodingType=url and sent keys
	// it had not encoded (SeaweedFS); its claim is not believed again.
	rawKeys atomic.Bool
	// refusesIDMarker is learned: the server refused an upload-id marker
	// it had sent itself (versitygw v1.8.0); none is sent again.
	refusesIDMarker atomic.Bool
	// rawPrefixes is learned: the server encodes keys but sends common
	// prefixes as they are (OpenStack Swift).
	rawPrefixes atomic.Bool
	// sequential is learned: the server's order or markers do not allow
	// cutting a level into ranges of keys (OpenStack Swift lists by
	// KEY/UPLOADID and turns a key marker K into K/~); its levels are
	// listed one page after another.
	sequential atomic.Bool
	// proofs holds, by bucket, what its delimited listings proved
	// (*bucketProof, proof.go).
	proofs sync.Map
	// silent is learned: whether the server, asked for EncodingType=url,
	// encodes keys without saying so (Ceph RGW 16); see learnEncoding.
	silent atomic.Int32
	// noted holds bucket+"\x00"+kind for each deviation already noted.
	noted sync.Map
}

// DefaultConcurrency lists the nine ranges after a first page of 1,000
// parts, and the up to 32 pieces a big level is first cut into (a level of
// 20,000 uploads), all at once.
const DefaultConcurrency = 32

func (c *S3) concurrency() int {
	if c.Concurrency > 0 {
		return c.Concurrency
	}
	return DefaultConcurrency
}

// NewS3 returns a lister over api (usually an *s3.Client).
func NewS3(api S3API) *S3 { return &S3{api: api} }

func (c *S3) maxPages() int {
	if c.MaxPages > 0 {
		return c.MaxPages
	}
	return 100_000
}

// payer and owner are the request options of every bucket-scoped call.
func (c *S3) payer() types.RequestPayer { return types.RequestPayer(c.RequestPayer) }

func (c *S3) owner() *string {
	if c.ExpectedBucketOwner == "" {
		return nil
	}
	return &c.ExpectedBucketOwner
}

// wrap is the package's wrap with a hint for the refusal that
// ExpectedBucketOwner causes: the 403 says only "Access Denied".
func (c *S3) wrap(err error, op, bucket, key, uploadID string) error {
	err = wrap(err, op, bucket, key, uploadID)
	var e *Error
	if c.ExpectedBucketOwner != "" && errors.Is(err, ErrAccessDenied) && errors.As(err, &e) {
		e.Err = fmt.Errorf("%w (the bucket may not be owned by the expected owner %s)", e.Err, c.ExpectedBucketOwner)
	}
	return err
}

func (c *S3) pageSize() *int32 {
	if c.PageSize > 0 {
		return &c.PageSize
	}
	return nil
}

// Bucket is one bucket of ListBuckets.
type Bucket struct {
	Name    string
	Created time.Time
}

// Upload is one in-progress multipart upload, as ListMultipartUploads
// describes it. Empty strings are fields the server did not return.
type Upload struct {
	Key               string
	ID                string
	Initiated         time.Time
	StorageClass      string
	InitiatorID       string
	OwnerID           string
	ChecksumAlgorithm string
	ChecksumType      string
	// Glacier is what a Glacier vault upload has instead of a key; nil on S3.
	Glacier *GlacierUpload
}

// str returns *p, treating nil and the literal "null" as absent.
func str(p *string) string {
	if p == nil || *p == "null" {
		return ""
	}
	return *p
}

// enum is str for the SDK's string enums.
func enum[T ~string](v T) string {
	s := string(v)
	return str(&s)
}

// decodeKey undoes EncodingType=url when the page was encoded (see
// levelListing.encoded, which checked that it can be undone). S3 encodes
// like an HTML form (space as '+'), hence QueryUnescape.
func decodeKey(s string, encoded bool) string {
	if !encoded {
		return s
	}
	d, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return d
}

// plausiblyEncoded reports whether s can be a URL-encoded key: no space (an
// encoder writes '+'), every '%' followed by two hex digits, and none of
// them a letter or digit (which no encoder escapes).
func plausiblyEncoded(s string) bool {
	if strings.ContainsRune(s, ' ') {
		return false
	}
	if _, err := url.QueryUnescape(s); err != nil {
		return false
	}
	for i := strings.IndexByte(s, '%'); i >= 0; i = strings.IndexByte(s, '%') {
		if c, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil && isAlnum(byte(c)) {
			return false
		}
		s = s[i+3:]
	}
	return true
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
