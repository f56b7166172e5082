package fsnode

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A script that stats every part of a listed upload, by name, for longer
// than the TTL costs about one listing per TTL window, not one request per
// part: an expired listing is refreshed whole, once for all the lookups
// waiting on it.
func TestStatLoopAfterTTL(t *testing.T) {
	const ttl = 500 * time.Millisecond
	b := newFaultBed(t, Options{TTL: ttl})
	mustSh(t, "ls "+b.dir+" >/dev/null")
	perListing, _ := b.proxy.Stats()
	var names strings.Builder
	for n := 1; n <= faultParts; n++ {
		fmt.Fprintf(&names, " %05d", n)
	}
	start := time.Now()
	for round := range 4 {
		time.Sleep(ttl) // the listing and the kernel's entries expire
		out := mustSh(t, "cd "+b.dir+" && stat -c %s"+names.String()+" | sort -u")
		if out != "100\n" {
			t.Fatalf("round %d: sizes %q", round, out)
		}
	}
	requests, _ := b.proxy.Stats()
	requests -= perListing
	windows := int(time.Since(start)/ttl) + 1
	t.Logf("%d requests for a listing; %d for 4 stat rounds of %d parts over %d TTL windows", perListing, requests, faultParts, windows)
	if requests > windows*perListing {
		t.Fatalf("%d requests over %d TTL windows, want at most one listing (%d requests) per window", requests, windows, perListing)
	}
	if requests < 4*perListing {
		t.Fatalf("%d requests for 4 rounds after the TTL: the listing was not refreshed", requests)
	}
}
