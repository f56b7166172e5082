// Package sdkdecode is the decoding layer under listing's S3 calls: per-call
// options (func(*s3.Options)) that change how aws-sdk-go-v2 reads an
// answer, and nothing of what the answer means. It knows no listing type:
// a decoding bug is fixed here, a server's listing quirk in listing.
//
//   - ListParts installs a faster reader of a ListParts answer's <Part>
//     elements and the repair of response headers the SDK would fail on
//     (Wasabi's x-amz-abort-date in ISO 8601);
//   - ListMultipartUploads installs the same reader for the <Upload>
//     elements of a ListMultipartUploads answer.
//
// The readers take only what they decode exactly as the SDK would and hand
// the SDK the rest of the body; anything they are not sure of goes to the
// SDK whole. FuzzFastParts and FuzzFastUploads hold the two to the same
// result, FuzzAbortDate the header repair to what the SDK can read.
//
// # Files
//
//   - decode.go: the deserialize middleware the readers share;
//   - xml.go: their XML scanner;
//   - parts.go, uploads.go: the <Part> and <Upload> readers and the two
//     options;
//   - headers.go: repairing response headers the SDK would fail on.
//
// The options are safe for concurrent use: they hold no state but a flag
// that an unreadable header was logged once per process.
package sdkdecode
