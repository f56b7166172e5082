package regions

import (
	"strings"
	"testing"
)

func TestZoneRegion(t *testing.T) {
	for name, want := range map[string]string{
		"data--use1-az4--x-s3":       "us-east-1",
		"media--aps1-az1--x-s3":      "ap-south-1",
		"a--b--apne1-az4--x-s3":      "ap-northeast-1", // "--" in the base name
		"logs--usw2-lax1-az1--x-s3":  "us-west-2",      // a Local Zone
		"x--euc1-az2--x-s3":          "eu-central-1",
		"x--apse2-az1--x-s3":         "ap-southeast-2",
		"x--cnnw1-az1--x-s3":         "cn-northwest-1",
		"x--mxc1-az1--x-s3":          "mx-central-1",
		"data--usgw1-az1--x-s3":      "", // no such code: learned as any bucket
		"plain-bucket":               "",
		"--x-s3":                     "",
		"data--USE1-az4--x-s3":       "",
		"data--use1-az4--x-s3--x-s3": "",
	} {
		got, ok := zoneRegion(name)
		if got != want || ok != (want != "") {
			t.Errorf("zoneRegion(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

// FuzzZoneRegion: whatever a bucket name is, zoneRegion answers a valid
// region spelled from the code in the name, or nothing.
func FuzzZoneRegion(f *testing.F) {
	for _, s := range []string{"data--use1-az4--x-s3", "a--apne1-az4--x-s3", "--x-s3", "x--e1--x-s3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		region, ok := zoneRegion(name)
		if !ok {
			if region != "" {
				t.Fatalf("%q: %q without ok", name, region)
			}
			return
		}
		if !validRegion(region) || !strings.HasSuffix(name, "--x-s3") {
			t.Fatalf("%q: region %q", name, region)
		}
		parts := strings.Split(region, "-")
		if len(parts) != 3 || !strings.Contains(name, "--"+parts[0]) {
			t.Fatalf("%q: region %q not spelled from the name", name, region)
		}
	})
}
