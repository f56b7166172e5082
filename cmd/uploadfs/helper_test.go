package main

import (
	"errors"
	"slices"
	"testing"
)

// mount(8) calls the helper with SOURCE DIR, then its flags and the
// options of the fstab line, generic ones included.
func TestHelperArgs(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want []string
		fake bool
	}{
		{[]string{"s3://", "/mnt/u", "-o", "rw,nodev,nosuid,_netdev,nofail,x-systemd.automount,x-systemd.idle-timeout=60,comment=x,defaults,noatime"},
			[]string{"--", "/mnt/u"}, false},
		{[]string{"s3://logs", "/mnt/u", "-o", "ttl=30s,bucket=a:b,region=eu-west-1,profile=prod,allow_other,uid=1000,gid=1000,endpoint_url=http://h:9000,path_style"},
			[]string{"--bucket", "logs", "--ttl", "30s", "--bucket", "a", "--bucket", "b", "--region", "eu-west-1", "--profile", "prod",
				"--allow-other", "--uid", "1000", "--gid", "1000", "--endpoint-url", "http://h:9000", "--path-style", "--", "/mnt/u"}, false},
		{[]string{"glacier://photos", "/mnt/v", "-n", "-v", "-t", "uploadfs", "-oaccount_id=123456789012"},
			[]string{"--glacier", "--bucket", "photos", "--account-id", "123456789012", "--", "/mnt/v"}, false},
		{[]string{"glacier://", "/mnt/v", "-fv"}, []string{"--glacier", "--", "/mnt/v"}, true},
		{[]string{"s3://", "/mnt/u", "-s", "-o", "no_such_option,ttl=1m"}, []string{"--ttl", "1m", "--", "/mnt/u"}, false},
	} {
		got, fake, err := helperArgs(tc.argv)
		if err != nil || !slices.Equal(got, tc.want) || fake != tc.fake {
			t.Errorf("helperArgs(%q) = %q, %v, %v; want %q, %v", tc.argv, got, fake, err, tc.want, tc.fake)
		}
	}
	for _, argv := range [][]string{
		{"s3://", "/mnt/u", "-o", "no_such_option"},
		{"s3://", "/mnt/u", "-o", "foreground"},
		{"http://x", "/mnt/u"},
		{"s3://"},
		{"s3://", "/mnt/u", "-N", "1"},
		{"s3://", "/mnt/u", "--bogus"},
	} {
		if _, _, err := helperArgs(argv); !errors.Is(err, errUsage) {
			t.Errorf("helperArgs(%q): %v, want a usage error", argv, err)
		}
	}
}
