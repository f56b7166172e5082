package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// duration is a flag's time.Duration that also takes whole days ("7d"),
// as report --age does: one syntax for every duration flag.
type duration struct{ p *time.Duration }

func (d duration) String() string {
	if d.p == nil {
		return "0s"
	}
	return d.p.String()
}

func (d duration) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d.p = v
	return nil
}

func (duration) Type() string { return "duration" }

// parseDuration reads a Go duration (36h, 90m) or whole days (7d).
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.ParseUint(n, 10, 16); err == nil {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: want one such as 90s, 36h or 7d", s)
	}
	return d, nil
}

// endpoint is --endpoint-url: an http:// or https:// URL. Without a
// scheme the SDK takes the whole text for a host and says only "Invalid
// region"; an empty value would silently mean AWS.
type endpoint struct{ p *string }

func (e endpoint) String() string {
	if e.p == nil {
		return ""
	}
	return *e.p
}

func (e endpoint) Set(s string) error {
	if s == "" {
		return fmt.Errorf("an empty endpoint URL: leave the flag out for AWS")
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not a URL: want http:// or https:// and a host, such as http://127.0.0.1:9000", s)
	}
	*e.p = s
	return nil
}

func (endpoint) Type() string { return "URL" }
