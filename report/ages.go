package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Age is one --age threshold: uploads initiated longer ago are counted
// apart. Label is how it was written ("24h", "7d"), for the output.
type Age struct {
	Label string
	D     time.Duration
}

// DefaultAges are Trusted Advisor's 24 hours ("unlikely to be completed")
// and Storage Lens's 7 days.
var DefaultAges = []Age{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// ParseAge accepts a Go duration ("36h", "90m") or a whole number of days
// ("7d").
func ParseAge(s string) (Age, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return Age{}, fmt.Errorf("age %q: want a positive whole number of days (7d) or a duration (36h)", s)
		}
		return Age{s, time.Duration(days) * 24 * time.Hour}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Age{}, fmt.Errorf("age %q: want a positive duration (36h) or days (7d)", s)
	}
	return Age{s, d}, nil
}

// csvLabel is the age in a Storage Lens column name: "7d" is 7_days, as in
// incomplete_mpu_storage_older_than_7_days_bytes; others as written.
func (a Age) csvLabel() string {
	if n, ok := strings.CutSuffix(a.Label, "d"); ok {
		return n + "_days"
	}
	return a.Label
}
