package listing_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/uploadfs/uploadfs/listing"
)

// directoryBucket simulates a directory bucket's ListMultipartUploads as
// S3 Express One Zone documents it: entries unsorted, no upload-id marker,
// an opaque key marker (here with '+' and '%', which decoding would
// corrupt), and a prefix that must end in "/".
type directoryBucket struct {
	uploads [][2]string // key, upload ID
	page    int
	repeat  bool // a server bug: the marker never advances
}

type dbUpload struct {
	Key      string
	UploadId string
}

type dbResult struct {
	XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
	EncodingType       string   `xml:",omitempty"`
	IsTruncated        bool
	NextKeyMarker      string     `xml:",omitempty"`
	Uploads            []dbUpload `xml:"Upload"`
	CommonPrefixes     []struct{ Prefix string }
	NextUploadIdMarker string `xml:",omitempty"`
}

const markerPrefix = "tok+%2F"

func (d *directoryBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := q.Get("prefix")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		http.Error(w, "<Error><Code>InvalidArgument</Code><Message>prefix must end in /</Message></Error>", http.StatusBadRequest)
		return
	}
	// The level's entries in the server's own (unsorted) order.
	var entries []dbUpload
	seen := map[string]bool{}
	for i := len(d.uploads) - 1; i >= 0; i-- { // reversed: not sorted
		key, id := d.uploads[i][0], d.uploads[i][1]
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if j := strings.Index(rest, "/"); j >= 0 {
			if p := prefix + rest[:j+1]; !seen[p] {
				seen[p] = true
				entries = append(entries, dbUpload{Key: p})
			}
			continue
		}
		entries = append(entries, dbUpload{Key: key, UploadId: id})
	}
	start := 0
	if m := q.Get("key-marker"); m != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(m, markerPrefix))
		if !strings.HasPrefix(m, markerPrefix) || err != nil {
			http.Error(w, "<Error><Code>InvalidArgument</Code><Message>bad marker</Message></Error>", http.StatusBadRequest)
			return
		}
		start = n
	}
	end := min(start+d.page, len(entries))
	res := dbResult{EncodingType: "url", IsTruncated: end < len(entries)}
	if res.IsTruncated {
		next := end
		if d.repeat {
			next = start
		}
		res.NextKeyMarker = markerPrefix + strconv.Itoa(next)
	}
	for _, e := range entries[start:end] {
		if e.UploadId == "" {
			res.CommonPrefixes = append(res.CommonPrefixes, struct{ Prefix string }{url.QueryEscape(e.Key)})
		} else {
			res.Uploads = append(res.Uploads, dbUpload{Key: url.QueryEscape(e.Key), UploadId: e.UploadId})
		}
	}
	w.Header().Set("Content-Type", "application/xml")
	xml.NewEncoder(w).Encode(res)
}

func directoryClient(t *testing.T, d *directoryBucket) *s3.Client {
	t.Helper()
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		// The simulation has no CreateSession.
		DisableS3ExpressSessionAuth: aws.Bool(true),
	})
}

const dirBucket = "data--use1-az4--x-s3"

// A directory bucket's level is gathered whole over its opaque markers and
// shown sorted, as every level is.
func TestDirectoryBucketLevel(t *testing.T) {
	d := &directoryBucket{page: 3}
	for i := range 10 {
		d.uploads = append(d.uploads, [2]string{fmt.Sprintf("k%02d odd+name", i), fmt.Sprintf("id%d", i)})
	}
	d.uploads = append(d.uploads, [2]string{"k03 odd+name", "id3b"}, [2]string{"a/deep", "x"}, [2]string{"b/c/deeper", "y"})
	l := listing.NewS3(directoryClient(t, d))
	lv, err := l.Level(context.Background(), dirBucket, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range lv.Uploads {
		got = append(got, u.Key+" "+u.ID)
	}
	if !slices.IsSorted(got) || len(got) != 11 || got[3] != "k03 odd+name id3" || got[4] != "k03 odd+name id3b" {
		t.Fatalf("uploads %q: want 11, sorted, both of k03", got)
	}
	if !slices.Equal(lv.Prefixes, []string{"a/", "b/"}) {
		t.Fatalf("prefixes %q", lv.Prefixes)
	}
	sub, err := l.Level(context.Background(), dirBucket, "b/")
	if err != nil || len(sub.Prefixes) != 1 || sub.Prefixes[0] != "b/c/" {
		t.Fatalf("level b/: %+v, %v", sub, err)
	}
}

// A directory bucket whose marker does not advance is an error, not a loop.
func TestDirectoryBucketRepeatedMarker(t *testing.T) {
	d := &directoryBucket{page: 2, repeat: true}
	for i := range 5 {
		d.uploads = append(d.uploads, [2]string{fmt.Sprintf("k%d", i), "id"})
	}
	_, err := listing.NewS3(directoryClient(t, d)).Level(context.Background(), dirBucket, "")
	if !errors.Is(err, listing.ErrBadResponse) {
		t.Fatalf("repeated marker: %v, want ErrBadResponse", err)
	}
}

// dirLister answers ListDirectoryBuckets per region, in pages of one, and
// refuses the regions in denied (credentials without S3 Express rights).
type dirLister struct {
	listing.S3API
	byRegion map[string][]string
	denied   map[string]bool
	regions  []string
}

func (d *dirLister) ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	return &s3.ListBucketsOutput{Buckets: []types.Bucket{{Name: aws.String("general")}}}, nil
}

func (d *dirLister) ListDirectoryBuckets(ctx context.Context, in *s3.ListDirectoryBucketsInput, opts ...func(*s3.Options)) (*s3.ListDirectoryBucketsOutput, error) {
	o := s3.Options{Region: "default"}
	for _, f := range opts {
		f(&o)
	}
	d.regions = append(d.regions, o.Region)
	if d.denied[o.Region] {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "no s3express"}
	}
	names := d.byRegion[o.Region]
	i := 0
	if in.ContinuationToken != nil {
		i, _ = strconv.Atoi(*in.ContinuationToken)
	}
	out := &s3.ListDirectoryBucketsOutput{}
	if i < len(names) {
		out.Buckets = []types.Bucket{{Name: aws.String(names[i])}}
	}
	if i+1 < len(names) {
		out.ContinuationToken = aws.String(strconv.Itoa(i + 1))
	}
	return out, nil
}

// Directory buckets of each region asked are listed beside ListBuckets'
// (paginated); a region whose directory buckets the credentials may not
// list shows none rather than failing the root.
func TestDirectoryBuckets(t *testing.T) {
	d := &dirLister{
		byRegion: map[string][]string{
			"default":   {"a--use1-az4--x-s3", "b--use1-az5--x-s3", "not-a-directory-bucket"},
			"us-west-2": {"c--usw2-az1--x-s3"},
		},
		denied: map[string]bool{"eu-north-1": true},
	}
	l := listing.NewS3(d)
	l.DirectoryRegions = []string{"", "us-west-2", "eu-north-1"}
	names := bucketNames(t, l)
	want := []string{"a--use1-az4--x-s3", "b--use1-az5--x-s3", "c--usw2-az1--x-s3", "general"}
	if !slices.Equal(names, want) {
		t.Fatalf("buckets %q, want %q", names, want)
	}
	if !slices.Equal(d.regions, []string{"default", "default", "default", "us-west-2", "eu-north-1"}) {
		t.Fatalf("ListDirectoryBuckets asked in %q", d.regions)
	}
}
