package fsnode

// The xattr vocabulary: every attribute name a node serves, in one place.
// A new attribute is a name here, a row in xattrTable, and a line in
// docs/tree.md (S3) or docs/glacier.md (Glacier), which
// cmd/uploadfs's TestDocsXattrTables holds to XattrNames.
const (
	xattrS3      = userNamespace + "s3."      // an S3 mount's namespace
	xattrGlacier = userNamespace + "glacier." // a Glacier mount's

	// An S3 upload directory, as ListMultipartUploads lists it (ListParts
	// fills in the fields it left out); xattrKey is a key directory's too.
	xattrBucket            = xattrS3 + "bucket"
	xattrKey               = xattrS3 + "key"
	xattrUploadID          = xattrS3 + "upload-id"
	xattrInitiated         = xattrS3 + "initiated"
	xattrStorageClass      = xattrS3 + "storage-class"
	xattrInitiatorID       = xattrS3 + "initiator.id"
	xattrOwnerID           = xattrS3 + "owner.id"
	xattrChecksumAlgorithm = xattrS3 + "checksum-algorithm"
	xattrChecksumType      = xattrS3 + "checksum-type"
	// Its abort rule, from ListParts or computed (lifecycle.go).
	xattrAbortDate   = xattrS3 + "abort-date"
	xattrAbortRuleID = xattrS3 + "abort-rule-id"
	xattrComputed    = xattrS3 + "abort-date.computed"

	// An account directory of a mount over several (account.go).
	xattrAccountID   = xattrS3 + "account-id"
	xattrAccountName = xattrS3 + "account-name"

	// A bucket directory's lifecycle (lifecycle.go).
	xattrLifecycle  = xattrS3 + "lifecycle"
	xattrAbortDays  = xattrS3 + "lifecycle.abort-days"
	xattrAbortRules = xattrS3 + "lifecycle.abort-rules"

	// An S3 part.
	xattrETag       = xattrS3 + "etag"
	xattrPartNumber = xattrS3 + "part-number"

	// A Glacier upload directory.
	xattrVaultARN           = xattrGlacier + "vault-arn"
	xattrArchiveDescription = xattrGlacier + "archive-description"
	xattrPartSize           = xattrGlacier + "part-size"
	xattrCreationDate       = xattrGlacier + "creation-date"

	// An upload directory's totals, in the mount's namespace (xattrName).
	xattrPartCount  = "part-count"
	xattrTotalBytes = "total-bytes"
)

// xattrName is name in the mount's namespace: user.s3.name or
// user.glacier.name.
func (m *mount) xattrName(name string) string { return userNamespace + m.ns + "." + name }

// xattrTable is the vocabulary as a list, for XattrNames. A part's fields
// (its checksums; Glacier's range and tree hash) are named by package
// listing (listing.Part.Fields) and served in the mount's namespace.
var xattrTable = []string{
	xattrBucket, xattrKey, xattrUploadID, xattrInitiated, xattrStorageClass,
	xattrInitiatorID, xattrOwnerID, xattrChecksumAlgorithm, xattrChecksumType,
	xattrAbortDate, xattrAbortRuleID, xattrComputed,
	xattrLifecycle, xattrAbortDays, xattrAbortRules,
	xattrAccountID, xattrAccountName,
	xattrETag, xattrPartNumber,
	xattrS3 + "checksum.crc32", xattrS3 + "checksum.crc32c", xattrS3 + "checksum.crc64nvme",
	xattrS3 + "checksum.sha1", xattrS3 + "checksum.sha256",
	xattrS3 + xattrPartCount, xattrS3 + xattrTotalBytes,
	xattrVaultARN, xattrArchiveDescription, xattrPartSize, xattrCreationDate,
	xattrGlacier + "range", xattrGlacier + "sha256-tree-hash",
	xattrGlacier + xattrPartCount, xattrGlacier + xattrTotalBytes,
}

// XattrNames returns every extended attribute name a mount may serve
// (user.s3.* on an S3 mount, user.glacier.* on a Glacier one): the
// vocabulary the docs' attribute tables are held to.
func XattrNames() []string { return append([]string(nil), xattrTable...) }
