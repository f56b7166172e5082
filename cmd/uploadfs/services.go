package main

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// What S3-compatible services are known not to implement, said before a
// request is sent: a flag the service would ignore or refuse with a 501
// mid-listing is better refused at the prompt.

// r2Domain ends the host of every Cloudflare R2 S3 endpoint
// (https://ACCOUNT_ID.r2.cloudflarestorage.com, with a jurisdiction
// label before it in the EU).
const r2Domain = ".r2.cloudflarestorage.com"

// endpointURL is the S3 endpoint the flags and the environment name, as the
// SDK resolves it ("" for AWS; an endpoint_url in a shared-config profile
// is not seen here).
func (c *config) endpointURL() string {
	for _, e := range []string{c.Endpoint, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")} {
		if e != "" {
			return e
		}
	}
	return ""
}

// checkService refuses the flags the endpoint's service does not implement:
// Cloudflare R2 documents x-amz-request-payer and
// x-amz-expected-bucket-owner as not implemented
// (developers.cloudflare.com/r2/api/s3/api/), so --request-payer would
// have no effect and --expected-bucket-owner would check nothing.
func (c *config) checkService() error {
	u, err := url.Parse(c.endpointURL())
	if err != nil || !strings.HasSuffix(strings.ToLower(u.Hostname()), r2Domain) {
		return nil
	}
	for flag, set := range map[string]bool{
		"--request-payer (x-amz-request-payer)":                 c.RequestPayer != "",
		"--expected-bucket-owner (x-amz-expected-bucket-owner)": c.ExpectedBucketOwner != "",
	} {
		if set {
			return fmt.Errorf("%w: %s: Cloudflare R2 does not implement it (the endpoint %s is R2's); remove the flag", errUsage, flag, u.Host)
		}
	}
	return nil
}
