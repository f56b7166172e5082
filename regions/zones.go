package regions

import (
	"regexp"
	"strings"
)

// regionCode is a region's code as Availability Zone IDs begin with it:
// the area, the direction and the number (use1, apne1, euc1, mxc1).
var regionCode = regexp.MustCompile(`^([a-z]{2})(ne|nw|se|sw|e|w|n|s|c)([1-9][0-9]?)$`)

var directions = map[string]string{
	"e": "east", "w": "west", "n": "north", "s": "south", "c": "central",
	"ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
}

// zoneRegion returns the region of a directory bucket (base--ZONE-ID--x-s3)
// from the zone ID in its name (use1-az4, or a Local Zone's usw2-lax1-az1).
// Nothing else can tell it: the SDK builds the zonal endpoint from the
// client's region, so a request from another region reaches a host that
// does not exist, and no answer names the right one.
func zoneRegion(bucket string) (string, bool) {
	name, ok := strings.CutSuffix(bucket, "--x-s3")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(name, "--")
	if i < 0 {
		return "", false
	}
	code, _, _ := strings.Cut(name[i+2:], "-")
	m := regionCode.FindStringSubmatch(code)
	if m == nil {
		return "", false
	}
	return m[1] + "-" + directions[m[2]] + "-" + m[3], true
}
