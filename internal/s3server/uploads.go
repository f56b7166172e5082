package s3server

import (
	"context"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// CreateUpload starts an upload of key in bucket and uploads the given part
// numbers (see UploadParts). It returns the upload ID.
func CreateUpload(ctx context.Context, c *s3.Client, bucket, key string, parts []int32, sizeOf func(int32) int) (string, error) {
	out, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return "", err
	}
	id := aws.ToString(out.UploadId)
	return id, UploadParts(ctx, c, bucket, key, id, parts, sizeOf)
}

// UploadParts uploads the given part numbers of an upload, each of the size
// sizeOf returns, with up to 16 requests at once.
func UploadParts(ctx context.Context, c *s3.Client, bucket, key, id string, parts []int32, sizeOf func(int32) int) error {
	return Each(parts, func(n int32) error {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &bucket, Key: &key, UploadId: &id, PartNumber: aws.Int32(n),
			Body: NewPattern(sizeOf(n), n),
		})
		return err
	})
}

// StartUploads starts an upload (no parts) of each key in bucket, 16 at
// once: a level of many uploads.
func StartUploads(ctx context.Context, c *s3.Client, bucket string, keys []string) error {
	return Each(keys, func(key string) error {
		_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
		return err
	})
}

// Each calls f for each item, 16 at once, and returns the first error.
func Each[T any](items []T, f func(T) error) error {
	sem := make(chan struct{}, 16)
	errs := make(chan error, len(items))
	var wg sync.WaitGroup
	for _, n := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs <- f(n)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// NewPattern is a part body: size bytes of a pattern derived from the part
// number, so that parts have different ETags.
func NewPattern(size int, part int32) io.ReadSeeker {
	return &patternSeeker{size: size, b: byte(part)}
}

// patternSeeker is what the SDK needs for a body it may retry: a seeker.
type patternSeeker struct {
	size, off int
	b         byte
}

func (p *patternSeeker) Read(buf []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	n := min(len(buf), p.size-p.off)
	for i := range buf[:n] {
		buf[i] = p.b + byte((p.off+i)%251)
	}
	p.off += n
	return n, nil
}

func (p *patternSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		p.off = int(off)
	case io.SeekCurrent:
		p.off += int(off)
	case io.SeekEnd:
		p.off = p.size + int(off)
	}
	return int64(p.off), nil
}
