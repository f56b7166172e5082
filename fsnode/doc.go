// Package fsnode is the uploadfs file system: a read-only go-fuse tree of the
// in-progress multipart uploads a Lister (S3) or VaultLister (Glacier)
// reports.
//
// # Tree
//
//	root          rootNode     one directory per bucket
//	<bucket>      bucketNode   the bucket's top level of keys
//	<key path>/   pathNode     key prefixes split at "/"; holds the upload
//	                           directories of that exact key too
//	<upload-id>/  uploadNode   one per in-progress upload of the key
//	00001 …       partNode     one regular file per part, named by number
//	.complete.json jsonNode    reachable by name, not listed (uploadfiles.go)
//	.upload.json
//
// With several accounts (Options.Accounts, account.go) a level comes
// first: the root (orgRoot) holds a directory per account (accountNode),
// which holds that account's buckets as the root of a mount of one does,
// each account with a mount (lister, caches) of its own; an account whose
// Reach fails is a directory failing with EACCES.
//
// With a Glacier lister (Options.Vaults) the tree is
//
//	root          rootNode     one directory per vault
//	<vault>       vaultNode    one directory per in-progress upload
//	<upload-id>/  uploadNode   the same node as for S3
//	00001 …       partNode     named by part index (range start / part size + 1)
//
// bucketNode and vaultNode share their attributes (topDir); upload and
// part nodes serve both backends, with attributes in the mount's namespace
// (user.s3.* or user.glacier.*). A lister that cannot find one part alone
// (Glacier, whose markers are opaque) lists the upload for a Lookup.
//
// Each level is its own type, and every type implements exactly the
// capabilities it has (asserted at compile time next to it). All nodes share
// one *mount with the lister, caches and owner.
//
// Key components and upload IDs that cannot be file names are escaped
// (names.go); an upload ID and a child name that collide show the upload.
//
// # Inode numbers
//
// Derived from identity with the level in the high bits (inode.go), the same
// in Readdir and in Lookup, stable for the life of the mount. A vault is at
// the bucket level, and its uploads hash with an empty key.
//
// # Caching
//
// Two layers. The mount's caches (package cache) hold whole listings — a
// level of a bucket, the parts of an upload — for the TTL, bounded in
// number, with concurrent identical fetches merged. Each node keeps the
// attributes it was found with, so Getattr and Getxattr of a listed entry
// never send a request; Lookup searches a cached listing in memory (a
// map, or a level's sorted names). The kernel caches entries and
// attributes for the same TTL, and negative
// entries for at most maxNegativeTTL. It also keeps what it read of an
// upload directory whose whole part listing is in hand (FOPEN_CACHE_DIR),
// for as long as that listing is the one in hand: an open after it changed
// drops the kernel's copy first (kernelCopy).
//
// A listing that has expired is fetched again whole on the next lookup of
// any of its entries (cache.Held tells it from one never listed, for which
// a lookup sends one small request instead).
//
// A failed listing is never cached as a listing: the error reaches the
// callers that shared the fetch as an errno (toErrno, the only mapping), is
// logged once, and is answered again without a request for errorTTL (one
// second), so that a walk of a level the server cannot list costs one
// request, not one per entry it touches. An upload its level listed whose
// parts are then not found vanished in between (completed, aborted, or a
// server that lists what it cannot find): ENOENT, said at Warn for the
// first of each level, at Info after (vanished.go).
//
// # Interrupts
//
// The kernel interrupts an operation for any signal that reaches its caller,
// restartable ones included; an operation waiting for a fetch ends with
// EINTR only when its caller is being stopped (caller.go), and checks that
// until its answer comes, since the kernel interrupts only once.
//
// # Read-only, and one opt-in change
//
// The file system is mounted "ro", so the kernel refuses every change with
// EROFS before it reaches uploadfs. With Options.AllowAbort it is mounted
// read-write for one operation, rmdir of an upload directory, which aborts
// the upload (abort.go); every other change is refused with EROFS by a
// wrapper of the raw file system (readonly.go). Opening a part fails with
// ENOTSUP: S3 cannot read a part before the upload completes.
//
// # Large levels
//
// A level's directory streams: its first page at once, the rest (listed as
// ranges of keys, see package listing) when the reader goes on
// (levelstream.go). READDIRPLUS gives attributes, and so a node, to a
// level's first 1,000 entries only (levelDirFile): `ls` of a million names
// creates no million nodes, and what stats an entry past them sends a
// LOOKUP answered from memory. The kernel keeps a level's directory as it
// keeps an upload's (kernelCopy). A bucket's top level is opened the same way
// as a prefix's. A level's index holds windows of its
// listing, sorted by name (level.go).
//
// # Prefetching for walks
//
// Reading a directory queues the listings a walk will need next; they are
// fetched a window ahead of the walker once it goes into the directory,
// the window moving as it opens what the directory holds (prefetch.go).
//
// # Lifecycle
//
// A bucket directory's attributes say how the bucket's lifecycle rules
// abort incomplete uploads, and an upload of a directory bucket gets the
// abort date its rule gives (lifecycle.go). The configuration is read only
// by Getxattr and Listxattr, once per bucket per TTL, through the lister's
// optional LifecycleReader (Glacier has none).
//
// # Files
//
//	doc.go          this overview
//	mount.go        Options, Mount, and the state every node shares (mount)
//	fetch.go        listings through the mount's caches: one deadline, one
//	                log line per failed fetch (a level's: level.go)
//	root.go         the mount point: buckets or vaults
//	bucket.go       bucket and vault directories (topDir)
//	path.go         key-path directories (pathNode), and the node of a
//	                name found in a level (lookupLevel)
//	level.go        a level in memory: listed whole or by its first page,
//	                indexed by name (levelIndex), and the lookups in it
//	                (child, levelInHand, levelEntries)
//	levelstream.go  an open level directory (levelDirFile) and its stream,
//	                first page first (restStream, an upload's too)
//	upload.go       an upload directory and its part listing
//	uploadfiles.go  .complete.json and .upload.json
//	part.go         a part file
//	vault.go        a Glacier vault's uploads
//	dirfile.go      an open directory, and what the kernel keeps of it
//	                (kernelCopy)
//	attr.go         attributes of directories and files
//	xattr.go        extended attributes: Getxattr, Listxattr, ENOTSUP
//	xattrnames.go   the xattr vocabulary, one table (XattrNames)
//	inode.go        inode numbers from identity
//	names.go        the escape between key components and file names
//	errno.go        remote errors to errno (the only mapping)
//	vanished.go     uploads listed, then not found: at Warn once a level
//	caller.go       interrupts: is the caller being stopped
//	                (caller_linux.go, caller_darwin.go)
//	readonly.go     refusing every change but the opt-in rmdir
//	abort.go        rmdir of an upload directory aborts it
//	lifecycle.go    bucket lifecycle rules and abort dates
//	prefetch.go     listings fetched ahead of a walker
//	mount_*.go      per-platform mount options
package fsnode
