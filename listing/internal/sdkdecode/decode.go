package sdkdecode

import (
	"bytes"
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The deserialize middleware the fast decoders share (ListParts,
// ListMultipartUploads): it reads the body once, lets the decoder take the
// elements it is sure of, hands the SDK the rest, and the SDK the whole body
// whenever the decoder is not sure.

// install puts a fastDecoder reading with read in place of the SDK's
// deserializer, which it keeps for the rest.
func install(o *s3.Options, read func(body []byte) (rest []byte, put func(result any) bool, ok bool)) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		sdk, ok := st.Deserialize.Get(operationDeserializer)
		if !ok {
			return nil // not the stack it was written for: leave it be
		}
		_, err := st.Deserialize.Swap(operationDeserializer, &fastDecoder{sdk: sdk, read: read})
		return err
	})
}

const operationDeserializer = "OperationDeserializer"

// fastDecoder is an operation's deserializer: the SDK's, fed a body without
// the elements read decodes; put then stores them into the SDK's output
// (false: the SDK found some itself, and decodes the whole body).
type fastDecoder struct {
	sdk  middleware.DeserializeMiddleware
	read func(body []byte) (rest []byte, put func(result any) bool, ok bool)
}

func (d *fastDecoder) ID() string { return operationDeserializer }

func (d *fastDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return d.sdk.HandleDeserialize(ctx, in, answered{out, md, err})
	}
	body, readErr := readBody(resp)
	resp.Body.Close()
	if readErr != nil {
		// The SDK meets the same failure where it would have.
		return d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, io.MultiReader(bytes.NewReader(body), failing{readErr})), md, nil})
	}
	rest, put, ok := d.read(body)
	if !ok {
		return d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, bytes.NewReader(body)), md, nil})
	}
	res, md2, err := d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, bytes.NewReader(rest)), md, nil})
	if err != nil {
		return res, md2, err
	}
	if !put(res.Result) {
		// The SDK found elements where read saw none (in another case,
		// say): let it decode all of them.
		return d.sdk.HandleDeserialize(ctx, in, answered{withBody(out, resp, bytes.NewReader(body)), md, nil})
	}
	return res, md2, nil
}

// readBody reads the whole body into a buffer of its announced length (a
// page is hundreds of kilobytes: io.ReadAll's growing would allocate it
// twice over).
func readBody(resp *smithyhttp.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxPresized {
		buf := bytes.NewBuffer(make([]byte, 0, n+1)) // +1: ReadFrom sees the end without growing
		_, err := buf.ReadFrom(resp.Body)
		return buf.Bytes(), err
	}
	return io.ReadAll(resp.Body)
}

// maxPresized bounds the buffer a Content-Length makes readBody allocate
// before reading: a page of 1,000 uploads with 1,024-byte keys is under
// 4 MiB.
const maxPresized = 16 << 20

// answered is the rest of the stack, already run: it returns its answer.
type answered struct {
	out middleware.DeserializeOutput
	md  middleware.Metadata
	err error
}

func (a answered) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return a.out, a.md, a.err
}

// withBody returns out with a copy of resp whose body is r.
func withBody(out middleware.DeserializeOutput, resp *smithyhttp.Response, r io.Reader) middleware.DeserializeOutput {
	hr := *resp.Response
	hr.Body = io.NopCloser(r)
	out.RawResponse = &smithyhttp.Response{Response: &hr}
	return out
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }
