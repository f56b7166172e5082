package fsnode

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"

	"github.com/uploadfs/uploadfs/listing"
)

// LifecycleReader is a lister that can read a bucket's lifecycle rules
// that abort incomplete uploads (*listing.S3). It is optional: a Lister
// that is not one (and every Glacier mount) shows no lifecycle attributes.
type LifecycleReader interface {
	Lifecycle(ctx context.Context, bucket string) (*listing.Lifecycle, error)
}

// Lifecycle attributes. A bucket directory, once asked for one of them,
// carries
//
//	user.s3.lifecycle             covered | partly | none | unknown: how the
//	                              bucket's abort rules cover its keys;
//	                              "unknown": the configuration may not be
//	                              read (AccessDenied), is not in S3's
//	                              form (GCS), the server refused a
//	                              header sent with it (R2 and
//	                              --expected-bucket-owner), or it could not
//	                              be read now (503 SlowDown after the SDK's
//	                              retries, a timeout). Always present: it
//	                              says the bucket was checked.
//	user.s3.lifecycle.abort-days  the days of the soonest rule covering the
//	                              whole bucket (only when "covered")
//	user.s3.lifecycle.abort-rules the abort rules, a JSON array sorted by
//	                              prefix: [{"prefix":"logs/","days":1,
//	                              "id":"logs"}] (the whole bucket is the
//	                              prefix ""; absent with no rule)
//
// and an upload directory of a directory bucket (S3 Express One Zone,
// whose ListParts never says when its rule aborts the upload) carries,
// when a rule covers its key, user.s3.abort-date computed from the rule
// (listing.AbortDate), user.s3.abort-rule-id, and
// user.s3.abort-date.computed = "true" (names in xattrnames.go).

// bucketLifecycle is what one bucket's lifecycle configuration is known to
// say: its abort rules, or nothing (nil) when it may not be read.
type bucketLifecycle struct {
	rules *listing.Lifecycle
}

// lifecycle returns bucket's abort rules, fetched once per TTL for every
// caller (false: the lister cannot read them). Only Getxattr and Listxattr
// ask: never Lookup, Getattr or Readdir. AccessDenied and a configuration
// not in S3's form are an answer ("unknown"), cached like one. Any other
// failure (503 SlowDown after the SDK's retries, a timeout) is "unknown"
// too, as in the report, never EIO on the directory's attributes: the
// fetch logged it, and it is kept only ErrorTTL, so a later getfattr asks
// again. Only a caller being stopped gets its error (EINTR).
func (m *mount) lifecycle(ctx context.Context, bucket string) (bucketLifecycle, bool, error) {
	r, ok := m.s3.(LifecycleReader)
	if !ok {
		return bucketLifecycle{}, false, nil
	}
	lc, err := get(ctx, m.lifecycles, bucket, func(ctx context.Context) (bucketLifecycle, error) {
		ctx, cancel := context.WithTimeout(ctx, m.timeout)
		defer cancel()
		rules, err := r.Lifecycle(ctx, bucket)
		if errors.Is(err, listing.ErrAccessDenied) || errors.Is(err, listing.ErrBadResponse) || errors.Is(err, listing.ErrInvalid) {
			m.log.Info("lifecycle unknown", "bucket", bucket, "err", err)
			return bucketLifecycle{}, nil
		}
		return bucketLifecycle{rules: rules}, m.logged(err)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return bucketLifecycle{}, true, nil
	}
	return lc, true, err
}

// lifecycleXattrs is the attribute set of a bucket directory.
func (m *mount) lifecycleXattrs(ctx context.Context, bucket string) func() (xattrs, syscall.Errno) {
	return func() (xattrs, syscall.Errno) {
		lc, ok, err := m.lifecycle(ctx, bucket)
		if err != nil || !ok {
			return nil, toErrno(err)
		}
		var x xattrs
		if lc.rules == nil {
			x.add(xattrLifecycle, "unknown")
			return x, 0
		}
		cov, days := lc.rules.Coverage("")
		x.add(xattrLifecycle, cov.String())
		if cov == listing.CoverageFull {
			x.add(xattrAbortDays, strconv.Itoa(int(days)))
		}
		if len(lc.rules.Rules) > 0 {
			x.add(xattrAbortRules, rulesJSON(lc.rules.Rules))
		}
		return x, 0
	}
}

// abortRuleJSON is one rule of user.s3.lifecycle.abort-rules.
type abortRuleJSON struct {
	Prefix string `json:"prefix"`
	Days   int32  `json:"days"`
	ID     string `json:"id"`
}

// rulesJSON writes the rules as one JSON array: printable, so that
// `getfattr -d` shows it as text (tabs and newlines would make it base64),
// and read by scripts with jq.
func rulesJSON(rules []listing.AbortRule) string {
	js := make([]abortRuleJSON, len(rules))
	for i, r := range rules {
		js[i] = abortRuleJSON{r.Prefix, r.Days, r.ID}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(js) // cannot fail: strings and numbers
	return strings.TrimSuffix(b.String(), "\n")
}

// lifecycleName reports whether attr is one of a bucket directory's
// attributes: any other name is ENOATTR without a request (file managers
// probe user.xdg.* and the like).
func lifecycleName(attr string) bool {
	return attr == xattrLifecycle || attr == xattrAbortDays || attr == xattrAbortRules
}

// addComputedAbort adds the abort date a directory bucket's rule gives
// upload u, when a rule covers its key. S3 gives the date of general
// purpose buckets in ListParts; a directory bucket's ListParts never does,
// so its bucket's lifecycle is fetched (once per TTL). An unreadable
// configuration adds nothing: the bucket directory says "unknown".
func (m *mount) addComputedAbort(ctx context.Context, bucket string, u *listing.Upload, x *xattrs) syscall.Errno {
	if !listing.IsDirectoryBucket(bucket) || u.Initiated.IsZero() {
		return 0
	}
	if _, errno := x.get(xattrAbortDate, nil); errno != fs.ENOATTR {
		return 0 // the server said it
	}
	lc, ok, err := m.lifecycle(ctx, bucket)
	if err != nil || !ok || lc.rules == nil {
		return toErrno(err)
	}
	if r, ok := lc.rules.RuleFor(u.Key); ok {
		x.add(xattrAbortDate, rfc3339(listing.AbortDate(u.Initiated, r.Days)))
		x.add(xattrAbortRuleID, r.ID)
		x.add(xattrComputed, "true")
	}
	return 0
}
