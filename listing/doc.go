// Package listing reads in-progress multipart uploads from S3 with the three
// paginated calls that show them: ListBuckets, ListMultipartUploads (one key
// prefix level at a time, Delimiter "/") and ListParts — and from S3 Glacier
// vaults with theirs (ListVaults, ListMultipartUploads, ListParts), into the
// same types (glacier.go): a vault is a Bucket, a vault upload an Upload with
// no key, a part a Part numbered by its index in the archive, its range and
// tree hash among its Fields.
//
// # Trust nothing a page says
//
// S3-compatible servers disagree about markers (see the project's testbed
// notes): some return the first entry of the next page as the next marker,
// some repeat the marker entry, some ignore the delimiter, and some have been
// seen to return a marker that never advances. Every loop here therefore
//
//   - stops only when the server says the listing is complete (IsTruncated
//     false), never on an empty page;
//   - requires the marker to advance, and ends with ErrBadResponse when it
//     does not or when a page repeats entries a marker cannot explain,
//     instead of looping;
//   - rejects values no server may send (part numbers outside 1..10000,
//     negative sizes, uploads without an ID, common prefixes more than one
//     level down, Glacier ranges that are malformed or do not fit the part
//     size).
//
// # What is absorbed, and what is an error
//
// A deviation that loses nothing is absorbed, and each kind is noted once
// per bucket and lister (Level.Notes, which the file system logs once):
//
//   - entries outside the requested prefix (OpenStack Swift lists the
//     uploads of the key "videos" with the level "videos/"): they belong to
//     another level, which lists them; dropped;
//   - the marker's entry repeated at the head of the next page (inclusive
//     markers: gofakes3, rclone serve s3, SeaweedFS's part marker): kept
//     once;
//   - a truncated page with no new entry but a new marker: followed (at most
//     ten in a row);
//   - pages out of key order (Swift lists by KEY/UPLOADID, so "a!" and
//     "a.b" come before "a"): sorted here, and the server's levels listed one
//     page after another from then on, since ranges of keys assume the
//     order;
//   - a truncated page without next markers (Swift, on a page of one
//     upload): the page's last entry gives them;
//   - a key marker that skips the keys just after it (Swift turns key marker
//     K into K/~, skipping K's sub-keys and the keys K+c with c below '/'):
//     seen where two pieces of a ranged level meet (levelseams.go), the level
//     listed again one page after another, and the server listed so from
//     then on;
//   - a server that answers a key marker past its last key from its first
//     key (gofakes3): the piece past the end is empty once the piece before
//     it reached the end of the level; otherwise the level is listed again
//     with the server's own markers;
//   - a next key marker past the page's greatest entry (gofakes3, rclone
//     serve s3, names the next page's first upload and drops the common
//     prefixes before it): the listing goes on from that entry instead;
//   - a last page full of new entries (gofakes3 ends a page at MaxUploads
//     uploads and says the listing is complete when only keys under common
//     prefixes follow): the listing asks once more from its greatest
//     entry, one request where the server was right;
//   - keys claimed URL-encoded but sent raw (SeaweedFS), or keys encoded
//     and common prefixes and next markers sent raw (Swift): judged over
//     the whole level (a page at a time by ScanLevel, which says
//     ErrStartOver when a later page reverses what it handed out), learned
//     for the server;
//   - keys URL-encoded without <EncodingType> (Ceph RGW 16): learned from
//     the first page with a key that reads differently decoded, by a next
//     key marker that is one of the page's keys decoded, or else by which
//     of the key as sent and decoded ListParts finds (silentencoding.go);
//   - a delimiter that loses keys (Ceph RGW 16 drops the keys below it, a
//     prefix answered with nothing by storj): proven, see below;
//   - a refused upload-id marker (versitygw v1.8.0): the boundary key listed
//     by prefix;
//   - an optional header the SDK cannot read (Wasabi's x-amz-abort-date in
//     ISO 8601): read in either format, or left out and logged once
//     (listing/internal/sdkdecode).
//
// A new deviation of a level listing goes into the step of the paging
// loop where it shows (levelpages.go: the request, what a page holds, or
// where the next page starts), with its kind and the method that detects
// and absorbs it in leveldeviations.go; one of part listings into
// partpages.go (a page) or partranges.go (the ranges). A response the
// SDK cannot decode is listing/internal/sdkdecode's.
//
// What would lose or invent entries is an ErrBadResponse naming the
// server's fault: a marker that repeats, a truncated page with neither next
// markers nor an entry to go on from, empty truncated pages without end,
// more pages than MaxPages, pieces that disagree where no fallback is left.
//
// Glacier's markers are opaque: its listings follow them one page after
// another (paginate, shared with ListBuckets), never repeating one.
//
// A listing is either complete and verified, or an error: never a partial
// listing that looks complete.
//
// # Verify the delimiter, don't trust it
//
// No single answer of a server whose delimiter loses keys shows anything
// wrong: Ceph RGW 16 drops every key below a "/" and sends no common
// prefixes; storj's gateway answers a prefix with nothing. The first level
// listed of each bucket (per lister: a mount, a report) is therefore
// proven against a listing without the delimiter (proof.go): its first
// page, sent at the same time as the level's, and where that page is not
// the whole level a look past the level's greatest entry. Every key they
// show must be an upload of the level or under one of its common
// prefixes; where one is not, the bucket is listed without the delimiter
// from then on (the tree built from the keys, Level.Deep and Sub, as for a
// server that ignores it), noted once with the key as evidence. A level
// below the top that comes back empty is checked by one key listed from
// its prefix on without prefix or delimiter; a key under it makes the
// bucket's levels listed from their prefix as a key marker instead
// (noPrefix), and a level that is still empty so is an ErrBadResponse.
// The cost where the server is right: one request per bucket, two where
// its first level is more than a page without the delimiter, one per
// empty level below the top. ScanLevel settles the proof before it hands
// out the first page; where the look past the end finds keys lost after
// pages were handed out, it returns an error wrapping ErrStartOver.
//
// # Parallel listings
//
// The parts of an upload after its first page are listed as ranges of part
// numbers (partranges.go), and a level after its first page as ranges of keys
// cut where the first page's density says a page ends (levelranges.go);
// both fall back to the server's own markers one page after another where
// a server cannot start at a marker of uploadfs's choosing.
//
// # Whole levels and scanned levels
//
// Level returns a level whole, sorted and verified, as a directory needs
// it. ScanLevel (levelscan.go) hands a level out one page after another
// through the same paging loop, keeping only what verifying the next page
// needs: a walk that needs every upload once and no level whole (the
// report) holds a page or two of a level of a million.
//
// # Changes
//
// Abort (abort.go) is the only call that changes anything; the file system
// calls it only when the mount allows it.
//
// # Lifecycle
//
// LifecycleConfiguration (lifecycleread.go) is the one reading of a
// bucket's lifecycle configuration: Lifecycle (lifecycle.go) keeps from it
// the rules that abort incomplete uploads (AbortIncompleteMultipartUpload)
// for the report and the mount, and ReadLifecycle (lifecyclewrite.go)
// refuses what could not be written back. lifecycle.go also computes the
// abort date S3 gives no directory bucket's upload.
//
// # Decoding
//
// ListParts and ListMultipartUploads answers are decoded with the per-call
// options of listing/internal/sdkdecode: a faster reader of the <Part>
// (<Upload>) elements, the SDK the rest, and the repair of headers the SDK
// would fail on. That package knows nothing of listing; a decoding bug is
// fixed there, a server's listing quirk here.
//
// # Files
//
//   - s3.go: the S3 client (its settings, what it learns of a server) and
//     the Bucket and Upload types;
//   - buckets.go: ListBuckets and directory buckets; r2.go: Cloudflare
//     R2's ListBuckets pages (its next token in a header); paginate.go:
//     following opaque markers one page after another;
//   - lifecycleread.go: reading a configuration, and what its answer
//     means; lifecycle.go: a bucket's lifecycle rules that abort uploads,
//     their coverage of a prefix, and the abort date a rule gives;
//     lifecyclewrite.go: reading to write back, and writing;
//   - level.go: a level (Level; LevelPage: FirstLevelPage, RestOfLevel)
//     and the ListMultipartUploads request; proof.go: proving a bucket's
//     delimited listings against listings without the delimiter, and
//     the bucket listed without it where they lost keys;
//     silentencoding.go: keys URL-encoded without saying so; levellisting.go: the state of
//     a level listing, what its pages gathered as sent; levelpages.go:
//     paging a level, one page at a time in three steps (fetchPage,
//     acceptPage, nextPage); leveldeviations.go: what a page may get
//     wrong, how it is absorbed and noted; levelfinish.go: decoding what
//     the pages gathered into a Level; levelranges.go: the rest of a level
//     as ranges of keys at once; levelseams.go: checking where its pieces
//     meet; levelscan.go: a level handed out page by page (ScanLevel);
//   - parts.go: the Part, PartsPage and Parts types; partpages.go:
//     ListParts pages (FirstPartsPage) and single parts; partranges.go:
//     the rest of an upload as ranges of part numbers (RestOfParts,
//     RestOfPartsAgain);
//   - glacier.go, glacierscan.go, treehash.go: S3 Glacier vaults, their
//     uploads (whole, or a page at a time for the report) and parts,
//     and an archive's tree hash;
//   - abort.go: the one call that changes anything;
//   - errors.go: the Error type and its kind sentinels.
//
// # Errors
//
// Every error returned is an *Error naming the operation, bucket, key and
// upload, wrapping both the SDK's error and one of the kind sentinels
// (ErrNotFound, ErrAccessDenied, ErrUnavailable, ErrBadResponse,
// ErrWrongRegion, ErrInvalid), so callers
// use errors.Is and never inspect SDK types. Cancellation is kept as
// context.Canceled in the chain. Two are not failures and not *Error:
// ScanLevel's ErrStartOver (scan again), and the error ScanLevel's
// callback returned, as it was.
//
// # Strings
//
// The literal string "null" for an optional field (seen from versitygw) is
// treated as absent. Keys are requested with EncodingType=url so that keys
// with characters XML 1.0 cannot carry still arrive intact; they are decoded
// only when the server says it encoded them, or is learned to encode them
// without saying so (silentencoding.go).
package listing
