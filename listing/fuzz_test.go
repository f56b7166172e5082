package listing_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploadfs/uploadfs/listing"
)

// feed hands out fuzz bytes; at the end it returns zeros, which end pages.
type feed []byte

func (f *feed) next() byte {
	if len(*f) == 0 {
		return 0
	}
	b := (*f)[0]
	*f = (*f)[1:]
	return b
}

func (f *feed) u16() int { return int(f.next())<<8 | int(f.next()) }

// str returns the bytes up to the next NUL.
func (f *feed) str() string {
	var b strings.Builder
	for c := f.next(); c != 0; c = f.next() {
		b.WriteByte(c)
	}
	return b.String()
}

// checkParts fails unless err is ErrBadResponse or ps is a strictly rising
// list of part numbers in 1..10000 with sizes in 0..maxSize (when not 0).
func checkParts(t *testing.T, ps *listing.Parts, err error, maxSize int64) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, listing.ErrBadResponse) {
			t.Fatalf("err = %v, want ErrBadResponse", err)
		}
		return
	}
	last := int32(0)
	for _, p := range ps.Parts {
		if p.Number <= last || p.Number > listing.MaxPartNumber || p.Size < 0 || maxSize > 0 && p.Size > maxSize {
			t.Fatalf("accepted part %d (size %d) after %d", p.Number, p.Size, last)
		}
		last = p.Number
	}
}

// FuzzPartsPages feeds arbitrary ListParts pages to Parts: it must end (no
// loop, whatever the markers say), and what it accepts must be a strictly
// rising list of part numbers in 1..10000.
func FuzzPartsPages(f *testing.F) {
	f.Add([]byte{2, 0, 1, 0, 2, 1, 0, 2, 1, 0, 3, 0})
	f.Add([]byte{1, 0, 1, 1, 0, 1, 1, 0, 1})
	f.Add([]byte{3, 0x27, 0x10, 0, 5, 0, 4, 1, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		fd := feed(data)
		s := &stub{parts: func(*s3.ListPartsInput) *s3.ListPartsOutput {
			out := &s3.ListPartsOutput{}
			for range int(fd.next() % 5) {
				out.Parts = append(out.Parts, part(int32(fd.u16())))
			}
			if fd.next()%2 == 1 {
				out.IsTruncated = aws.Bool(true)
				out.NextPartNumberMarker = aws.String(strconv.Itoa(fd.u16() - 5))
			}
			return out
		}}
		ps, err := listing.NewS3(s).Parts(context.Background(), "b", "k", "u")
		checkParts(t, ps, err, 0)
	})
}

// FuzzLevelPages feeds arbitrary ListMultipartUploads pages (keys, encoded
// or not, and markers) to Level: it must end within MaxPages, and what it
// accepts must be one level below the prefix, without duplicates.
func FuzzLevelPages(f *testing.F) {
	f.Add([]byte("\x01\x02p/a\x00p/b%2F\x00\x01k\x001\x00"), true)
	f.Add([]byte("\x01\x01p/x/\x00\x01p/x\x002\x00"), false)
	f.Fuzz(func(t *testing.T, data []byte, encoded bool) {
		fd := feed(data)
		s := &stub{uploads: func(in *s3.ListMultipartUploadsInput) *s3.ListMultipartUploadsOutput {
			out := &s3.ListMultipartUploadsOutput{}
			if in.Delimiter == nil {
				return out // the bucket's proof, beside the feed's one stream: nothing lost
			}
			if encoded {
				out.EncodingType = types.EncodingTypeUrl
			}
			for range int(fd.next() % 4) {
				out.Uploads = append(out.Uploads, types.MultipartUpload{Key: aws.String(fd.str()), UploadId: aws.String(fd.str())})
			}
			for range int(fd.next() % 3) {
				out.CommonPrefixes = append(out.CommonPrefixes, types.CommonPrefix{Prefix: aws.String(fd.str())})
			}
			if fd.next()%2 == 1 {
				out.IsTruncated = aws.Bool(true)
				out.NextKeyMarker, out.NextUploadIdMarker = aws.String(fd.str()), aws.String(fd.str())
			}
			return out
		}}
		l := listing.NewS3(s)
		l.MaxPages = 50
		l.Concurrency = 1 // the pages of one sequence (the fuzz feed is one stream)
		lv, err := l.Level(context.Background(), "b", "p/")
		if s.calls.Load() > 50+3 { // and the bucket's proof (proof.go)
			t.Fatalf("%d calls, beyond MaxPages", s.calls.Load())
		}
		if err != nil {
			if !errors.Is(err, listing.ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, u := range lv.Uploads {
			rest, ok := strings.CutPrefix(u.Key, "p/")
			if !ok || strings.Contains(rest, "/") || seen[u.Key+"\x00"+u.ID] {
				t.Fatalf("accepted upload %q/%q", u.Key, u.ID)
			}
			seen[u.Key+"\x00"+u.ID] = true
		}
		for _, p := range lv.Prefixes {
			rest, ok := strings.CutPrefix(p, "p/")
			if !ok || strings.Index(rest, "/") != len(rest)-1 || seen[p] {
				t.Fatalf("accepted prefix %q", p)
			}
			seen[p] = true
		}
	})
}

// The archive tree hash of parts as a Glacier server lists them: never a
// panic; a hash only for parts that run contiguously from the first, each
// with a valid tree hash.
func FuzzArchiveTreeHash(f *testing.F) {
	f.Add([]byte("\x01\x02"), int64(1<<20), strings.Repeat("ab", 32))
	f.Add([]byte("\x01\x03"), int64(1<<20), strings.Repeat("zz", 32))
	f.Fuzz(func(t *testing.T, data []byte, partSize int64, hash string) {
		var parts []listing.Part
		for _, b := range data {
			fields := []listing.Field{{Name: "sha256-tree-hash", Value: hash}}
			parts = append(parts, listing.Part{Number: int32(b % 8), Size: partSize - int64(b%2), Fields: &fields})
		}
		_, sum, err := listing.ArchiveTreeHash(parts, partSize)
		if err != nil {
			return
		}
		for i, p := range parts {
			if p.Number != int32(i+1) {
				t.Fatalf("a hash for parts %v", parts)
			}
		}
		if len(sum) != 64 {
			t.Fatalf("hash %q", sum)
		}
	})
}
