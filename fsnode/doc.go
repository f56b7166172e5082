// Package fsnode is the uploadfs file system: a read-only go-fuse tree of the
// in-progress multipart uploads a Lister reports.
//
// # Tree
//
//	root          rootNode     one directory per bucket
//	<bucket>      bucketNode   the bucket's top level of keys
//	<key path>/   pathNode     key prefixes split at "/"; holds the upload
//	                           directories of that exact key too
//	<upload-id>/  uploadNode   one per in-progress upload of the key
//	00001 …       partNode     one regular file per part, named by number
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
// in Readdir and in Lookup, stable for the life of the mount.
//
// # Caching
//
// Two layers. The mount's caches (package cache) hold whole listings — a
// level of a bucket, the parts of an upload — for the TTL, bounded in
// number, with concurrent identical fetches merged. Each node keeps the
// attributes it was found with, so Getattr and Getxattr of a listed entry
// never send a request; Lookup is a map access into a cached listing. The
// kernel caches entries and attributes for the same TTL, and negative
// entries for at most maxNegativeTTL.
//
// A failed listing is never cached: the error reaches the callers that
// shared the fetch as an errno (toErrno, the only mapping) and is logged once.
//
// # Read-only
//
// The file system is mounted "ro", so the kernel refuses every change with
// EROFS before it reaches uploadfs. Opening a part fails with ENOTSUP: S3
// cannot read a part before the upload completes.
package fsnode
