package fsnode

import (
	"context"
	"encoding/json"
	"strconv"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/uploadfs/uploadfs/listing"
)

// Two files in each S3 upload directory are reachable by name but not
// listed, so that ls, find -type f, du and wc -l still count parts only:
//
//	.complete.json  the exact --cli-input-json of
//	                `aws s3api complete-multipart-upload`
//	.upload.json    the upload and every part as ListParts describes them
//
// An upload with no parts has no .complete.json (S3 refuses "Parts": []).
// A Glacier upload directory has .complete.json for `aws glacier
// complete-multipart-upload` when its parts run contiguously from the
// first. Both are built from one complete, verified part listing when
// looked up.
const (
	completeFile = ".complete.json"
	uploadFile   = ".upload.json"
)

// jsonNode is one of those files: its bytes in memory, read-only.
type jsonNode struct {
	fs.Inode
	m       *mount
	content []byte
	mtime   time.Time
}

var (
	_ fs.NodeGetattrer = (*jsonNode)(nil)
	_ fs.NodeOpener    = (*jsonNode)(nil)
	_ fs.NodeReader    = (*jsonNode)(nil)
)

func (n *jsonNode) fill(a *fuse.Attr) {
	a.Mode = partMode
	a.Nlink = 1
	a.Size = uint64(len(n.content))
	a.Blocks = (a.Size + 511) / 512
	a.Blksize = 4096
	a.Uid, a.Gid = n.m.uid, n.m.gid
	n.m.setTimes(a, n.mtime)
}

func (n *jsonNode) update(fresh fs.InodeEmbedder) {
	if f, ok := fresh.(*jsonNode); ok {
		n.content, n.mtime = f.content, f.mtime
	}
}

func (n *jsonNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Attr.Ino = n.StableAttr().Ino
	n.fill(&out.Attr)
	return 0
}

func (n *jsonNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, 0, openErrno(flags, 0)
}

func (n *jsonNode) Read(ctx context.Context, f fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off >= int64(len(n.content)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(n.content[off:min(off+int64(len(dest)), int64(len(n.content)))]), 0
}

// lookupFile answers a Lookup of .complete.json or .upload.json in upload
// directory n; ok is false for any other name.
func (n *uploadNode) lookupFile(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno, bool) {
	if name != completeFile && (name != uploadFile || n.m.s3 == nil) {
		return nil, 0, false
	}
	ps, err := n.m.partList(ctx, n.key())
	if err != nil {
		return nil, toErrno(err), true
	}
	u := n.up.Load()
	var doc any
	switch {
	case u.Glacier != nil:
		in, err := glacierCompletion(n.bucket, u, ps)
		if err != nil {
			// Parts with a gap cannot make an archive: no file.
			n.m.log.Debug("no "+completeFile, "vault", n.bucket, "upload-id", u.ID, "why", err)
			return nil, syscall.ENOENT, true
		}
		doc = in
	case name == uploadFile:
		doc = describeUpload(n.bucket, u, ps)
	case len(ps.Parts) == 0:
		// S3 refuses to complete an upload with no parts: no file.
		return nil, syscall.ENOENT, true
	default:
		doc = completion(n.bucket, u, ps)
	}
	content, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, syscall.EIO, true
	}
	jn := &jsonNode{m: n.m, content: append(content, '\n'), mtime: n.mtime()}
	attr := fs.StableAttr{Mode: partMode, Ino: uploadHash(n.bucket, u).add(name).ino(levelPart)}
	out.Attr.Ino = attr.Ino
	jn.fill(&out.Attr)
	return child(ctx, &n.Inode, name, jn, attr), 0, true
}

// completePart is one part of CompleteMultipartUpload: only the keys
// CompletedPart allows (botocore refuses any other, such as Size).
type completePart struct {
	ETag       string `json:"ETag"`
	PartNumber int32  `json:"PartNumber"`
	checksums
}

// checksums are a part's checksums, in S3's names.
type checksums struct {
	ChecksumCRC32     string `json:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `json:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `json:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `json:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `json:"ChecksumSHA256,omitempty"`
}

func checksumsOf(p *listing.Part) checksums {
	var c checksums
	if p.Fields == nil {
		return c
	}
	for _, f := range *p.Fields {
		switch f.Name {
		case "checksum.crc32":
			c.ChecksumCRC32 = f.Value
		case "checksum.crc32c":
			c.ChecksumCRC32C = f.Value
		case "checksum.crc64nvme":
			c.ChecksumCRC64NVME = f.Value
		case "checksum.sha1":
			c.ChecksumSHA1 = f.Value
		case "checksum.sha256":
			c.ChecksumSHA256 = f.Value
		}
	}
	return c
}

type completeInput struct {
	Bucket          string `json:"Bucket"`
	Key             string `json:"Key"`
	UploadID        string `json:"UploadId"`
	MultipartUpload struct {
		Parts []completePart `json:"Parts"`
	} `json:"MultipartUpload"`
	ChecksumType string `json:"ChecksumType,omitempty"`
}

// completion is the input of complete-multipart-upload for every part
// listed, with their checksums when the upload has a checksum algorithm.
func completion(bucket string, u *listing.Upload, ps *listing.Parts) completeInput {
	in := completeInput{Bucket: bucket, Key: u.Key, UploadID: u.ID}
	// ChecksumType only where it changes the outcome (FULL_OBJECT):
	// COMPOSITE is the default, and AWS CLIs older than 2.23 (Debian's
	// 2.9) refuse the key as unknown.
	if t := or(u.ChecksumType, ps.Info.ChecksumType); t != "COMPOSITE" {
		in.ChecksumType = t
	}
	withSums := or(u.ChecksumAlgorithm, ps.Info.ChecksumAlgorithm) != ""
	in.MultipartUpload.Parts = make([]completePart, len(ps.Parts))
	for i := range ps.Parts {
		p := &ps.Parts[i]
		cp := completePart{ETag: p.ETag(), PartNumber: p.Number}
		if withSums {
			cp.checksums = checksumsOf(p)
		}
		in.MultipartUpload.Parts[i] = cp
	}
	return in
}

// glacierInput is the --cli-input-json of `aws glacier
// complete-multipart-upload`.
type glacierInput struct {
	AccountID   string `json:"accountId"`
	VaultName   string `json:"vaultName"`
	UploadID    string `json:"uploadId"`
	ArchiveSize string `json:"archiveSize"`
	Checksum    string `json:"checksum"`
}

// glacierCompletion is that input for upload u of vault, whose parts must
// run contiguously from the first (listing.ArchiveTreeHash).
func glacierCompletion(vault string, u *listing.Upload, ps *listing.Parts) (glacierInput, error) {
	size, hash, err := listing.ArchiveTreeHash(ps.Parts, u.Glacier.PartSize)
	if err != nil {
		return glacierInput{}, err
	}
	return glacierInput{AccountID: "-", VaultName: vault, UploadID: u.ID, ArchiveSize: strconv.FormatInt(size, 10), Checksum: hash}, nil
}

// uploadPart and uploadDoc are ListParts's description, in its own names
// (`aws s3api list-parts` prints the same keys).
type uploadPart struct {
	PartNumber   int32  `json:"PartNumber"`
	LastModified string `json:"LastModified,omitempty"`
	ETag         string `json:"ETag,omitempty"`
	Size         int64  `json:"Size"`
	checksums
}

type ident struct {
	ID string `json:"ID"`
}

type uploadDoc struct {
	Bucket            string       `json:"Bucket"`
	Key               string       `json:"Key"`
	UploadID          string       `json:"UploadId"`
	Initiated         string       `json:"Initiated,omitempty"`
	StorageClass      string       `json:"StorageClass,omitempty"`
	Initiator         *ident       `json:"Initiator,omitempty"`
	Owner             *ident       `json:"Owner,omitempty"`
	ChecksumAlgorithm string       `json:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string       `json:"ChecksumType,omitempty"`
	AbortDate         string       `json:"AbortDate,omitempty"`
	AbortRuleID       string       `json:"AbortRuleId,omitempty"`
	PartCount         int          `json:"PartCount"`
	TotalBytes        int64        `json:"TotalBytes"`
	Parts             []uploadPart `json:"Parts"`
}

func describeUpload(bucket string, u *listing.Upload, ps *listing.Parts) uploadDoc {
	d := uploadDoc{
		Bucket: bucket, Key: u.Key, UploadID: u.ID, Initiated: rfc3339(u.Initiated),
		StorageClass:      or(u.StorageClass, ps.Info.StorageClass),
		ChecksumAlgorithm: or(u.ChecksumAlgorithm, ps.Info.ChecksumAlgorithm),
		ChecksumType:      or(u.ChecksumType, ps.Info.ChecksumType),
		AbortDate:         rfc3339(ps.Info.AbortDate), AbortRuleID: ps.Info.AbortRuleID,
		PartCount: len(ps.Parts), TotalBytes: ps.TotalBytes, Parts: make([]uploadPart, len(ps.Parts)),
	}
	if id := or(u.InitiatorID, ps.Info.InitiatorID); id != "" {
		d.Initiator = &ident{id}
	}
	if id := or(u.OwnerID, ps.Info.OwnerID); id != "" {
		d.Owner = &ident{id}
	}
	for i := range ps.Parts {
		p := &ps.Parts[i]
		up := uploadPart{PartNumber: p.Number, ETag: p.ETag(), Size: p.Size, checksums: checksumsOf(p)}
		if t := p.ModTime(); !t.IsZero() {
			up.LastModified = t.UTC().Format(time.RFC3339Nano)
		}
		d.Parts[i] = up
	}
	return d
}

// or returns a, or b when a is empty.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
