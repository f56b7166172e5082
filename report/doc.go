// Package report sums the in-progress multipart uploads of buckets (or
// Glacier vaults) into rows — per bucket, and by prefix, storage class and
// initiator on request — with what they cost a month and whether a
// lifecycle rule will ever abort them: what `uploadfs report` prints.
//
// # Files
//
//	walk.go      Run: every level and every upload's parts, through the
//	             same listing code the mount uses, many listings at once
//	workers.go   the goroutines that list parts, kept for the next listing
//	rows.go      the rows: grouping keys, sums, ages, lifecycle coverage
//	lifecycle.go each bucket's lifecycle, read once for all its targets
//	prices.go    the embedded price table, --price overrides, the cost math
//	ages.go      the --age thresholds ("24h", "7d")
//	requests.go  the count of requests sent (an SDK middleware), for the
//	             scan's own cost
//	columns.go   the one table of columns: each one's name in every
//	             format, its unit, how its value is read from a row
//	table.go     --format table (aligned, human sizes)
//	json.go      --format json (SPEC's keys)
//	csv.go       --format csv (Storage Lens's columns)
//	metrics.go   --format openmetrics (node_exporter's textfile collector)
//	top.go       --top: the bounded heap of the highest-ranked uploads
//	topcolumns.go --top's one table of columns, and each format's share
//	             of it (a second table, objects, records, gauges)
//	html.go      --format html: the page's data, the abort commands
//	htmlcharts.go the treemap's areas and the bar charts, laid out
//	treemap.go   the squarified treemap layout
//	html/report.html the page's template: styles and SVG inline, no script
//	progress.go  the progress line on a terminal
//	vanished.go  the uploads listed, then not found by ListParts: counted
//	             and logged once
//	vaults.go    Glacier vaults as a Lister
//	accounts.go  several accounts at once (Options.Accounts): each reached,
//	             its buckets listed, its rows keyed by it; the table's
//	             subtotal per account
//
// # A new column
//
// A new column is one entry in columns (columns.go), where it is to stand
// in every format: its Name, its table Header, JSON key, CSV columns,
// metric and help, its scope (a grouping key, one of a row's sums, the
// report's own, the error), unit and value; every format walks the table
// and writes the value by its unit. A column shaped otherwise in some
// format (a cell per --age, a count and bytes) gives that format's
// function too (cell, tableCells, csvCells, samples). Then one line in
// docs/report.md's column table, which TestDocsReportColumns holds to
// Columns. Lifecycle coverage stays a Coverage until a format prints it.
//
// # Memory
//
// Each upload is added to its row as soon as its parts are listed and then
// dropped: the report holds its rows (a few hundred bytes each), the
// listings in flight (at most Options.Concurrency part listings, each at
// most 10,000 parts of 56 bytes), and two pages of each level being walked
// (listing.S3.ScanLevel: the page whose uploads are being handed out and
// the page fetched meanwhile), however many uploads the level has. The
// listing keeps besides the common prefixes of a level (to walk each
// sub-level once) and, from the uploads, only the page before. A server
// that ignores MaxUploads (MinIO) sends a bucket's every upload in one
// page, which is then held while it is handed out. Goroutines are bounded
// too: at most Concurrency listings and Concurrency level walkers at once
// (a walker with no spare goroutine walks a sub-level itself).
//
// With --top, each target keeps its N highest-ranked uploads (a heap,
// never more than N) until it is walked whole, then merges them into the
// report's N: at most N for each target in flight, and N.
//
// A bucket whose keys prove not URL-encoded only after some of its pages
// were counted (listing.ErrStartOver: SeaweedFS claims the encoding) is
// walked once more from the start, its counts thrown away.
//
// # Never partial
//
// A target (a bucket, or BUCKET/PREFIX) that cannot be listed whole —
// access denied, a server fault after the SDK's retries, a response that
// cannot be right — becomes one row carrying its error, and none of its
// sums: never a zero that looks like a clean bucket. An upload that is gone
// between its level's listing and its parts' (NoSuchUpload, or Ceph RGW's
// NoSuchKey: completed or aborted meanwhile) is no longer in progress and
// in no row, but never dropped in silence: the report counts it
// (Report.Vanished, a value of the report's own in every format) and logs
// the count once, at Warn beyond VanishedWarn, for a server that lists
// uploads it cannot find would otherwise look like a clean one.
// An account of several that cannot be reached (its role not assumed,
// not ACTIVE) or whose buckets cannot be listed is one row with that
// error; one with no bucket is a row of zeros.
// A cancelled Run returns the context's error and no report.
package report
