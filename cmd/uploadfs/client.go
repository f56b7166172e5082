package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/uploadfs/uploadfs/internal/deadline"
	"github.com/uploadfs/uploadfs/regions"
)

// loadConfig reads the standard AWS configuration chain (environment,
// shared config and credentials files, SSO, instance roles) with the flags
// that override it, and checks that it yields credentials.
func loadConfig(ctx context.Context, c *config) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, awsconfig.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(c.Profile))
	}
	opts = append(opts, awsconfig.WithRetryer(newRetryer))
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	// Without credentials every request would fail the same way, after the
	// SDK has tried every source; say so once, plainly.
	cctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		if os.Getenv("HOME") == "" && os.Getenv("AWS_SHARED_CREDENTIALS_FILE") == "" {
			// mount(8) at boot and systemd units may run without HOME.
			return cfg, fmt.Errorf("no usable AWS credentials: HOME is not set, so ~/.aws/credentials and ~/.aws/config cannot be found (set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, or Environment=HOME=… in the unit, or use an instance role): %w", err)
		}
		return cfg, fmt.Errorf("no usable AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile, or run aws sso login): %w", err)
	}
	// One attempt may take a third of the timeout: a hung connection is
	// then retried instead of using the whole of it.
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTimeout(c.Timeout / 3).WithTransportOptions(keepConnections)
	return cfg, nil
}

// idleConnections is how many connections to one host are kept open
// between requests: as many as a report keeps in flight by default
// (report.DefaultConcurrency) and more. The SDK's default of 10 closed all
// but 10 of a round trip's connections, and each next request opened a
// new one (on S3 a TLS handshake: a round trip or two, and CPU).
const idleConnections = 1024

// keepConnections keeps idleConnections connections a host open, with no
// limit over all hosts (each region is one).
func keepConnections(tr *http.Transport) {
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = idleConnections
}

// newS3Client builds the S3 client from the configuration and the flags:
// a router that sends each bucket's requests to its region, with one
// client per region made from the same options. With --endpoint-url the
// host stays and only the signing region changes. custom reports whether
// an endpoint other than AWS's is in use (the flag, or the environment and
// shared config that the SDK reads).
func newS3Client(cfg aws.Config, c *config, log *slog.Logger) (r *regions.Router, custom bool) {
	base := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = c.PathStyle
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		// An access point ARN names its region; follow it.
		o.UseARNRegion = true
		o.APIOptions = append(o.APIOptions, logRequests(log), lastAttempt, deadline.Middleware)
	})
	return regions.New(cfg.Region, func(region string) regions.Client {
		if region == cfg.Region {
			return base
		}
		return s3.New(base.Options(), func(o *s3.Options) {
			o.Region = region
			// The copied options hold the base client's S3 Express
			// session provider, which New would re-bind to this client:
			// every directory bucket's CreateSession would then go to
			// the region built last. Each region gets its own.
			o.ExpressCredentials = nil
		})
	}, log), base.Options().BaseEndpoint != nil
}

// newGlacierClient builds the Glacier client (the vault API) likewise; its
// endpoint is --endpoint-url, else AWS_ENDPOINT_URL_GLACIER and the rest
// of the SDK's resolution.
func newGlacierClient(cfg aws.Config, c *config, log *slog.Logger) *glacier.Client {
	return glacier.NewFromConfig(cfg, func(o *glacier.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, logRequests(log), lastAttempt, deadline.Middleware)
	})
}

// logRequests logs each S3 or Glacier operation at debug level: its name, what it
// listed, how long it took with how many attempts, and its error. Only the
// listed names are logged, never headers, so no credential or signature
// can reach the log.
func logRequests(log *slog.Logger) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("uploadfsLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if !log.Enabled(ctx, slog.LevelDebug) {
					return next.HandleInitialize(ctx, in)
				}
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				attrs := append(describe(in.Parameters),
					slog.String("region", awsmiddleware.GetRegion(ctx)),
					slog.Duration("took", time.Since(start)))
				if res, ok := retry.GetAttemptResults(md); ok && len(res.Results) > 1 {
					attrs = append(attrs, slog.Int("attempts", len(res.Results)))
				}
				if err != nil {
					attrs = append(attrs, slog.Any("err", err))
				}
				service := strings.ToLower(awsmiddleware.GetServiceID(ctx))
				log.LogAttrs(ctx, slog.LevelDebug, service+" "+middleware.GetOperationName(ctx), attrs...)
				return out, md, err
			}), middleware.After)
	}
}

// describe picks the fields of the listing calls worth logging.
func describe(params any) []slog.Attr {
	switch in := params.(type) {
	case *s3.ListMultipartUploadsInput:
		return []slog.Attr{slog.String("bucket", aws.ToString(in.Bucket)), slog.String("prefix", aws.ToString(in.Prefix)),
			slog.String("key-marker", aws.ToString(in.KeyMarker)), slog.String("upload-id-marker", aws.ToString(in.UploadIdMarker))}
	case *s3.ListPartsInput:
		return []slog.Attr{slog.String("bucket", aws.ToString(in.Bucket)), slog.String("key", aws.ToString(in.Key)),
			slog.String("upload-id", aws.ToString(in.UploadId)), slog.String("part-number-marker", aws.ToString(in.PartNumberMarker))}
	case *s3.ListBucketsInput:
		return []slog.Attr{slog.String("continuation-token", aws.ToString(in.ContinuationToken))}
	case *s3.ListDirectoryBucketsInput:
		return []slog.Attr{slog.String("continuation-token", aws.ToString(in.ContinuationToken))}
	case *s3.HeadBucketInput:
		return []slog.Attr{slog.String("bucket", aws.ToString(in.Bucket))}
	case *glacier.ListVaultsInput:
		return []slog.Attr{slog.String("marker", aws.ToString(in.Marker))}
	case *glacier.ListMultipartUploadsInput:
		return []slog.Attr{slog.String("vault", aws.ToString(in.VaultName)), slog.String("marker", aws.ToString(in.Marker))}
	case *glacier.ListPartsInput:
		return []slog.Attr{slog.String("vault", aws.ToString(in.VaultName)), slog.String("upload-id", aws.ToString(in.UploadId)),
			slog.String("marker", aws.ToString(in.Marker))}
	}
	return nil
}
