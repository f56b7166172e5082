package sdkdecode

import (
	"bytes"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithytime "github.com/aws/smithy-go/time"
)

// Decoding ListMultipartUploads pages, as parts.go decodes ListParts:
// the SDK spends 25 to 30 ms of CPU on a page of 1,000 uploads, which is
// most of the time of a level of many thousand uploads listed in ranges.
// The decoder reads the <Upload> elements (their nested Initiator and
// Owner included), the SDK the rest; anything it is not sure of goes to
// the SDK whole, and FuzzFastUploads holds the two to the same result.

// ListMultipartUploads is the per-call option that installs the decoder on a
// ListMultipartUploads call.
func ListMultipartUploads(o *s3.Options) { install(o, readUploads) }

// readUploads reads the <Upload> elements of a ListMultipartUploads answer.
func readUploads(body []byte) ([]byte, func(any) bool, bool) {
	var ups []types.MultipartUpload
	if n := bytes.Count(body, []byte("<Upload>")); n > 0 {
		ups = make([]types.MultipartUpload, 0, n)
	}
	rest, ok := splitElems(body, "Upload", func(b []byte) (int, bool) {
		u, n, ok := readUpload(b)
		ups = append(ups, u)
		return n, ok
	})
	if len(ups) == 0 {
		ups = nil // as the SDK leaves it (a count may include nested <Upload>s)
	}
	return rest, func(result any) bool {
		o, ok := result.(*s3.ListMultipartUploadsOutput)
		if !ok || len(o.Uploads) > 0 {
			return false
		}
		o.Uploads = ups
		return true
	}, ok
}

// readUpload decodes the content of an <Upload> element up to and including
// its end tag, as the SDK's decoder reads it.
func readUpload(b []byte) (u types.MultipartUpload, n int, ok bool) {
	n, ok = readChildren(b, "Upload", func(name, text string) bool { return setUploadField(&u, name, text) },
		func(name string) func([]byte) (int, bool) {
			switch name {
			case "Initiator":
				u.Initiator = &types.Initiator{}
				return identity(name, &u.Initiator.ID, &u.Initiator.DisplayName)
			case "Owner":
				u.Owner = &types.Owner{}
				return identity(name, &u.Owner.ID, &u.Owner.DisplayName)
			}
			return nil
		})
	return u, n, ok
}

// identity reads an Initiator or Owner: its ID and DisplayName.
func identity(end string, id, displayName **string) func([]byte) (int, bool) {
	return func(b []byte) (int, bool) {
		return readChildren(b, end, func(name, text string) bool {
			switch name {
			case "ID":
				*id = &text
			case "DisplayName":
				*displayName = &text
			default:
				return !strings.EqualFold(name, "ID") && !strings.EqualFold(name, "DisplayName")
			}
			return true
		}, nil)
	}
}

// uploadFields are the names setUploadField knows, as the SDK spells them.
var uploadFields = []string{"Key", "UploadId", "Initiated", "StorageClass", "ChecksumAlgorithm", "ChecksumType", "Initiator", "Owner"}

// setUploadField stores one text child of an Upload as the SDK does; false
// means the SDK would decode it otherwise (or fail).
func setUploadField(u *types.MultipartUpload, name, text string) bool {
	switch name {
	case "Key":
		u.Key = &text
	case "UploadId":
		u.UploadId = &text
	case "Initiated":
		t, err := smithytime.ParseDateTime(text)
		if err != nil {
			return false
		}
		u.Initiated = &t
	case "StorageClass":
		u.StorageClass = types.StorageClass(text)
	case "ChecksumAlgorithm":
		u.ChecksumAlgorithm = types.ChecksumAlgorithm(text)
	case "ChecksumType":
		u.ChecksumType = types.ChecksumType(text)
	default:
		// The SDK matches names in any case (Initiator and Owner as text
		// too), and skips the others.
		for _, known := range uploadFields {
			if strings.EqualFold(name, known) {
				return false
			}
		}
	}
	return true
}
