package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/uploadfs/uploadfs/report"
)

// A usage error prints its line, then the failing command's own usage,
// and exits 2; the summary of every command names report.
func TestUsageErrorsShowTheirCommand(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		line, tail string
	}{
		{[]string{"report", "--format", "x"}, `--format takes table`, "Usage:\n  uploadfs report [flags]"},
		{[]string{"mount", "--endpoint-url", "127.0.0.1:9000", "m"}, `"127.0.0.1:9000" is not a URL: want http:// or https://`, "Usage:\n  uploadfs mount [flags]"},
		{[]string{"mount", "--endpoint-url", "htp://x", "m"}, `want http:// or https://`, "Usage:\n  uploadfs mount"},
		{[]string{"report", "--endpoint-url", "not a url"}, `want http:// or https://`, "Usage:\n  uploadfs report"},
		{[]string{"demo", "--endpoint-url", ""}, `an empty endpoint URL: leave the flag out for AWS`, "Usage:\n  uploadfs demo"},
		{[]string{"mount", "-o", "foo", "m"}, `-o foo: unknown option "foo"`, "Usage:\n  uploadfs mount"},
		{[]string{"report", "--price", "STANDRAD=100"}, `--price: unknown storage class "STANDRAD": the classes priced are EXPRESS_ONEZONE,`, "Usage:\n  uploadfs report"},
		{[]string{"unmount"}, `unmount takes one MOUNTPOINT`, "Usage:\n  uploadfs unmount"},
		{[]string{"bogus"}, `unknown command "bogus"`, "uploadfs report [flags]"},
	} {
		r := uploadfs(t, nil, tc.args...)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != 2 || !strings.Contains(first, tc.line) || !strings.Contains(r.stderr, tc.tail) {
			t.Errorf("%q: exit %d\n%s\nwant exit 2, %q and %q", tc.args, r.code, r.stderr, tc.line, tc.tail)
		}
		if strings.Contains(r.stderr, "mount.uploadfs") {
			t.Errorf("%q: uploadfs named as mount(8)'s helper:\n%s", tc.args, r.stderr)
		}
		if tc.args[0] != "bogus" && strings.Contains(r.stderr, `"uploadfs mount -h"`) {
			t.Errorf("%q: the summary of all commands:\n%s", tc.args, r.stderr)
		}
	}
}

// Every duration flag takes days as report --age does.
func TestDurationFlagsTakeDays(t *testing.T) {
	fs := pflag.NewFlagSet("mount", pflag.ContinueOnError)
	c := &config{}
	addMountFlags(fs, c)
	if err := fs.Parse([]string{"--abort-min-age", "3d", "--ttl", "1d", "--timeout", "90s"}); err != nil {
		t.Fatal(err)
	}
	if c.AbortMinAge != 72*time.Hour || c.TTL != 24*time.Hour || c.Timeout != 90*time.Second {
		t.Fatalf("abort-min-age %v, ttl %v, timeout %v", c.AbortMinAge, c.TTL, c.Timeout)
	}
	if err := fs.Parse([]string{"--abort-min-age", "3x"}); err == nil || !strings.Contains(err.Error(), "90s, 36h or 7d") {
		t.Fatalf("--abort-min-age 3x: %v", err)
	}
}

// report takes the AWS CLI's s3://BUCKET[/PREFIX] as BUCKET[/PREFIX].
func TestReportTakesS3URLs(t *testing.T) {
	for arg, want := range map[string]report.Target{
		"s3://media-uploads":              {Bucket: "media-uploads"},
		"s3://media-uploads/videos/2026/": {Bucket: "media-uploads", Prefix: "videos/2026/"},
		"media-uploads/videos":            {Bucket: "media-uploads", Prefix: "videos"},
	} {
		if got, err := parseTarget(arg, false); err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", arg, got, err, want)
		}
	}
	for _, arg := range []string{"s3://", "s3:///x"} {
		if _, err := parseTarget(arg, false); err == nil {
			t.Errorf("%s: no error", arg)
		}
	}
	if _, err := parseTarget("s3://vault", true); err == nil || !strings.Contains(err.Error(), "name a vault") {
		t.Errorf("s3:// with --glacier: %v", err)
	}
}
