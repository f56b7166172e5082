package report

import "time"

// HumanBytes writes n in binary units as the table does (1.5 GiB), for
// the commands that print a plan in the report's words.
func HumanBytes(n int64) string { return humanBytes(n) }

// HumanAge writes d in its largest whole unit, as the table does (12d).
func HumanAge(d time.Duration) string { return humanAge(d) }

// Dollars writes a monthly cost as the table does (0.25, <0.01).
func Dollars(v float64) string { return dollars(v) }
