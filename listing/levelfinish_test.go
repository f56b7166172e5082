package listing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// wideLevel is a level of n uploads with random IDs, as 20 pieces.
func wideLevel(n int) []*levelListing {
	c := &S3{}
	owner := "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
	pieces := make([]*levelListing, 20)
	for i := range pieces {
		pieces[i] = c.newLevelListing("b", "uploads/")
	}
	for i := range n {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		key := "uploads/" + hex.EncodeToString(sum[:12])
		t := time.Unix(1700000000, 0).UTC()
		u := types.MultipartUpload{Key: aws.String(key), UploadId: aws.String(fmt.Sprintf("%032x", i)), Initiated: &t,
			StorageClass: types.StorageClassStandard,
			Initiator:    &types.Initiator{ID: aws.String(owner), DisplayName: aws.String("owner")},
			Owner:        &types.Owner{ID: aws.String(owner), DisplayName: aws.String("owner")}}
		p := pieces[int(sum[0])*len(pieces)/256]
		p.add(&s3.ListMultipartUploadsOutput{Uploads: []types.MultipartUpload{u}}, func(string) bool { return true }, false)
	}
	// Each piece in order, as servers list; the pieces in the order the
	// splits made them, not of their keys.
	for _, p := range pieces {
		slices.SortFunc(p.uploads, func(a, b types.MultipartUpload) int { return strings.Compare(*a.Key, *b.Key) })
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(pieces)-1, func(i, j int) { pieces[i+1], pieces[j+1] = pieces[j+1], pieces[i+1] })
	return pieces
}

// BenchmarkMergeAndFinish is what a ranged level of 20,000 uploads costs
// once its pages are in: the pieces merged, the level decoded and sorted.
func BenchmarkMergeAndFinish(b *testing.B) {
	pieces := wideLevel(20000)
	for b.Loop() {
		r := &ranger{l: pieces[0].clone(), pieces: pieces[1:]}
		r.merge()
		if _, err := r.l.finish(); err != nil {
			b.Fatal(err)
		}
	}
}
