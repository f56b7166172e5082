package listing

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Cloudflare R2's ListBuckets paging.
//
// R2 pages ListBuckets as it pages ListObjectsV2 (R2's S3 "extensions"
// page): at most 1,000 buckets a page (max-keys; AWS's max-buckets is not
// among its parameters), the next token in the XML's NextContinuationToken
// and in the response header cf-next-continuation-token, cf-is-truncated:
// true while buckets follow; its ContinuationToken element only echoes the
// token the request sent. The SDK fills ListBucketsOutput.ContinuationToken
// from that element alone: empty on R2's first page, the listing would end
// after 1,000 buckets without a sign; the echo on the others, which
// paginate would fail as a marker that does not advance.
//
// max-keys is not sent: R2's default is its maximum, so it would change
// nothing there, and what other servers make of a ListBuckets parameter AWS
// does not define is not known.

const (
	r2NextToken = "Cf-Next-Continuation-Token"
	r2Truncated = "Cf-Is-Truncated"
)

// nextBucketsToken is the token of the ListBuckets page after res, the
// answer to a request that sent the token sent ("" none). An answer without
// R2's headers is taken as the SDK read it. One with them: the SDK's token
// is dropped if it only echoes sent; cf-next-continuation-token is the next
// token when the SDK has none; cf-is-truncated, when present, says whether
// there is a next page. A truncated answer with no token to go on, or a
// cf-is-truncated no boolean reads, is an ErrBadResponse: never a bucket
// list cut short.
func nextBucketsToken(res *s3.ListBucketsOutput, sent string) (string, error) {
	resp, ok := awsmiddleware.GetRawResponse(res.ResultMetadata).(*smithyhttp.Response)
	if !ok || resp.Response == nil {
		return str(res.ContinuationToken), nil
	}
	return r2Token(str(res.ContinuationToken), sent, resp.Header)
}

// r2Token is nextBucketsToken for the SDK's token next and the answer's
// headers h.
func r2Token(next, sent string, h http.Header) (string, error) {
	tokens, truncs := h.Values(r2NextToken), h.Values(r2Truncated)
	if len(tokens) == 0 && len(truncs) == 0 {
		return next, nil
	}
	if next == sent {
		next = ""
	}
	if next == "" && len(tokens) > 0 {
		next = strings.TrimSpace(tokens[0])
	}
	truncated := next != ""
	if len(truncs) > 0 {
		t, err := strconv.ParseBool(strings.TrimSpace(truncs[0]))
		if err != nil {
			return "", badResponse("ListBuckets", "", "", "", fmt.Sprintf("unreadable cf-is-truncated %q: whether buckets follow is unknown", truncs[0]))
		}
		truncated = t
	}
	switch {
	case !truncated:
		return "", nil
	case next == "":
		return "", badResponse("ListBuckets", "", "", "",
			"the server says cf-is-truncated: true but sends no next token (no cf-next-continuation-token, no ContinuationToken but the one sent): the rest of the bucket list cannot be asked for")
	}
	return next, nil
}
