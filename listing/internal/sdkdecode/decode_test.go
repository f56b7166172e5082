package sdkdecode

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// canned answers every request with one status and body.
type canned struct {
	status int
	body   []byte
}

func (c canned) Do(*http.Request) (*http.Response, error) {
	h := http.Header{}
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Abort-Date", "Wed, 01 Jan 2031 00:00:00 GMT")
	h.Set("X-Amz-Abort-Rule-Id", "rule-1")
	return &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(bytes.NewReader(c.body))}, nil
}

// decodeBoth decodes body as a ListParts answer with the SDK's decoder and
// with ListParts, and returns both.
func decodeBoth(t testing.TB, status int, body []byte) (sdk, fast *s3.ListPartsOutput, sdkErr, fastErr error) {
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://s3.test"), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: canned{status, body},
		RetryMaxAttempts: 1,
	})
	in := &s3.ListPartsInput{Bucket: aws.String("b"), Key: aws.String("k"), UploadId: aws.String("u")}
	sdk, sdkErr = c.ListParts(context.Background(), in)
	fast, fastErr = c.ListParts(context.Background(), in, ListParts)
	return
}

func samePage(t testing.TB, status int, body []byte) {
	sdk, fast, sdkErr, fastErr := decodeBoth(t, status, body)
	if (sdkErr == nil) != (fastErr == nil) {
		t.Fatalf("SDK error %v, ListParts error %v\n%q", sdkErr, fastErr, body)
	}
	if sdkErr != nil {
		return
	}
	sdk.ResultMetadata, fast.ResultMetadata = middleware.Metadata{}, middleware.Metadata{} // times and IDs of each call
	if !reflect.DeepEqual(sdk, fast) {
		t.Fatalf("decoded differently\nSDK  %+v\nfast %+v\n%q", sdk, fast, body)
	}
}

// page builds a ListParts answer of n parts the way Go servers write them.
func page(n int, quote string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId>`)
	b.WriteString(`<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>` + fmt.Sprint(n) + `</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>true</IsTruncated>`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><LastModified>2026-11-21T12:38:16.912Z</LastModified><ETag>%s%032x%s</ETag><Size>%d</Size></Part>", i, quote, i*7919, quote, 64+i%64)
	}
	b.WriteString(`<Initiator><ID>me</ID><DisplayName>me</DisplayName></Initiator><Owner><ID>me</ID></Owner><StorageClass>STANDARD</StorageClass></ListPartsResult>`)
	return []byte(b.String())
}

func TestFastPartsAgreesAndIsUsed(t *testing.T) {
	for _, quote := range []string{"&#34;", "&quot;", `"`} {
		body := page(1000, quote)
		samePage(t, 200, body)
		parts, rest, ok := splitParts(body)
		if !ok || len(parts) != 1000 || bytes.Contains(rest, []byte("<Part>")) {
			t.Fatalf("quote %s: splitParts read %d parts, ok %v", quote, len(parts), ok)
		}
	}
	for _, body := range fuzzSeeds {
		samePage(t, 200, []byte(body))
	}
	samePage(t, 404, []byte(`<Error><Code>NoSuchUpload</Code></Error>`))
}

var fuzzSeeds = []string{
	`<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>"a"</ETag><ChecksumCRC32>AAAA</ChecksumCRC32><Size>5</Size></Part><IsTruncated>false</IsTruncated></ListPartsResult>`,
	`<ListPartsResult><part><PartNumber>2</PartNumber></part><Part><partnumber>3</partnumber></Part></ListPartsResult>`,
	`<ListPartsResult><!-- <Part> --><Part a="1"><PartNumber>1</PartNumber></Part><Owner><Part><Size>x</Size></Part></Owner></ListPartsResult>`,
	`<?xml version="1.0"?><!DOCTYPE x><ListPartsResult><Part><ETag><![CDATA[q]]></ETag></Part></ListPartsResult>`,
	`<ListPartsResult><s3:Part xmlns:s3="x"><PartNumber>1</PartNumber></s3:Part><Part><ETag>a&#x22;b&amp;&#13;</ETag><Size></Size></Part></ListPartsResult>`,
	`<ListPartsResult x='>'><Part> <PartNumber>99999999999</PartNumber>` + "\n" + `<Unknown>z</Unknown><ETag></ETag></Part></ListPartsResult>`,
}

// FuzzFastParts: for any answer, ListParts decodes what the SDK decodes,
// and fails where it fails.
func FuzzFastParts(f *testing.F) {
	f.Add(page(3, "&#34;"))
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		samePage(t, 200, body)
	})
}

// BenchmarkDecodeListParts compares the SDK's decoder with ListParts on a
// page of 1,000 parts.
func BenchmarkDecodeListParts(b *testing.B) {
	body := page(1000, "&#34;")
	for _, fast := range []bool{false, true} {
		b.Run(map[bool]string{false: "sdk", true: "ListParts"}[fast], func(b *testing.B) {
			c := s3.New(s3.Options{
				Region: "us-east-1", BaseEndpoint: aws.String("http://s3.test"), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: canned{200, body},
			})
			in := &s3.ListPartsInput{Bucket: aws.String("b"), Key: aws.String("k"), UploadId: aws.String("u")}
			var opts []func(*s3.Options)
			if fast {
				opts = append(opts, ListParts)
			}
			for b.Loop() {
				if _, err := c.ListParts(context.Background(), in, opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// decodeUploadsBoth decodes body as a ListMultipartUploads answer with the
// SDK's decoder and with ListMultipartUploads.
func sameUploadsPage(t testing.TB, status int, body []byte) {
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://s3.test"), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: canned{status, body},
		RetryMaxAttempts: 1,
	})
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String("b")}
	sdk, sdkErr := c.ListMultipartUploads(context.Background(), in)
	fast, fastErr := c.ListMultipartUploads(context.Background(), in, ListMultipartUploads)
	if (sdkErr == nil) != (fastErr == nil) {
		t.Fatalf("SDK error %v, ListMultipartUploads error %v\n%q", sdkErr, fastErr, body)
	}
	if sdkErr != nil {
		return
	}
	sdk.ResultMetadata, fast.ResultMetadata = middleware.Metadata{}, middleware.Metadata{}
	if !reflect.DeepEqual(sdk, fast) {
		t.Fatalf("decoded differently\nSDK  %+v\nfast %+v\n%q", sdk, fast, body)
	}
}

// uploadsPage builds a ListMultipartUploads answer of n uploads.
func uploadsPage(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker><EncodingType>url</EncodingType><MaxUploads>1000</MaxUploads><IsTruncated>true</IsTruncated>`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "<Upload><Key>uploads/%08x+a%%2Fb</Key><UploadId>id-%d</UploadId><Initiator><ID>arn:aws:iam::1:user/me</ID><DisplayName>me</DisplayName></Initiator><Owner><ID>o&amp;wner</ID></Owner><StorageClass>STANDARD</StorageClass><Initiated>2026-11-21T12:38:16.912Z</Initiated><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>COMPOSITE</ChecksumType></Upload>", i*7919, i)
	}
	b.WriteString(`<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListMultipartUploadsResult>`)
	return []byte(b.String())
}

var uploadsSeeds = []string{
	`<ListMultipartUploadsResult><Upload><Key>k</Key><UploadId>u</UploadId><Owner><ID></ID></Owner></Upload><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`,
	`<ListMultipartUploadsResult><upload><Key>k</Key></upload><Upload><key>k</key></Upload></ListMultipartUploadsResult>`,
	`<ListMultipartUploadsResult><Upload><Initiator>x</Initiator><Initiated>bad</Initiated></Upload></ListMultipartUploadsResult>`,
	`<ListMultipartUploadsResult><Upload><Owner><id>1</id><Extra>2</Extra></Owner><Unknown>z</Unknown><StorageClass></StorageClass></Upload></ListMultipartUploadsResult>`,
	`<ListMultipartUploadsResult><CommonPrefixes><Upload><Key>x</Key></Upload></CommonPrefixes></ListMultipartUploadsResult>`,
}

func TestFastUploadsAgreesAndIsUsed(t *testing.T) {
	body := uploadsPage(1000)
	sameUploadsPage(t, 200, body)
	if rest, _, ok := readUploads(body); !ok || bytes.Contains(rest, []byte("<Upload>")) {
		t.Fatalf("readUploads did not take the uploads (ok %v)", ok)
	}
	for _, s := range uploadsSeeds {
		sameUploadsPage(t, 200, []byte(s))
	}
	sameUploadsPage(t, 404, []byte(`<Error><Code>NoSuchBucket</Code></Error>`))
}

// FuzzFastUploads: for any answer, ListMultipartUploads decodes what the SDK
// decodes, and fails where it fails.
func FuzzFastUploads(f *testing.F) {
	f.Add(uploadsPage(2))
	for _, s := range uploadsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameUploadsPage(t, 200, body)
	})
}

// BenchmarkDecodeListMultipartUploads compares the SDK's decoder with
// ListMultipartUploads on a page of 1,000 uploads.
func BenchmarkDecodeListMultipartUploads(b *testing.B) {
	body := uploadsPage(1000)
	for _, fast := range []bool{false, true} {
		b.Run(map[bool]string{false: "sdk", true: "ListMultipartUploads"}[fast], func(b *testing.B) {
			c := s3.New(s3.Options{
				Region: "us-east-1", BaseEndpoint: aws.String("http://s3.test"), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: canned{200, body},
			})
			var opts []func(*s3.Options)
			if fast {
				opts = append(opts, ListMultipartUploads)
			}
			for b.Loop() {
				if _, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("b")}, opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
