package glacierserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

var urlUnescape = url.PathUnescape

type vaultJSON struct {
	VaultARN          string
	VaultName         string
	CreationDate      string
	LastInventoryDate *string
	NumberOfArchives  int64
	SizeInBytes       int64
}

// ListVaultsOutput, ListUploadsOutput and ListPartsOutput are the response
// bodies, exported so that a SetMangle function can change them.
type ListVaultsOutput struct {
	Marker    *string
	VaultList []vaultJSON
}

type UploadJSON struct {
	ArchiveDescription string
	CreationDate       string
	MultipartUploadId  string
	PartSizeInBytes    int64
	VaultARN           string
}

type ListUploadsOutput struct {
	Marker      *string
	UploadsList []UploadJSON
}

type PartJSON struct {
	RangeInBytes   string
	SHA256TreeHash string
}

type ListPartsOutput struct {
	ArchiveDescription string
	CreationDate       string
	Marker             *string
	MultipartUploadId  string
	PartSizeInBytes    int64
	Parts              []PartJSON
	VaultARN           string
}

func (s *Server) mangleBody(r *http.Request, op string, body any) {
	if s.mangle != nil {
		s.mangle(op, r.URL.Query().Get("marker"), body)
	}
}

func (s *Server) createVault(w http.ResponseWriter, name string) *apiError {
	if name == "" || len(name) > 255 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != "" {
		return invalid("Vault name is invalid: %q", name)
	}
	if s.vaults[name] == nil {
		s.vaults[name] = &vault{name: name, created: s.Now(), uploads: map[string]*upload{}}
	}
	w.Header().Set("Location", "/"+Account+"/vaults/"+name)
	return reply(w, http.StatusCreated, struct{}{})
}

func (s *Server) listVaults(w http.ResponseWriter, r *http.Request) *apiError {
	names := make([]string, 0, len(s.vaults))
	for n := range s.vaults {
		names = append(names, n)
	}
	slices.Sort(names)
	page, next, err := paginate(r, names, func(n string) string { return n }, 10)
	if err != nil {
		return err
	}
	out := &ListVaultsOutput{Marker: next, VaultList: []vaultJSON{}}
	for _, n := range page {
		out.VaultList = append(out.VaultList, vaultJSON{VaultARN: s.arn(n), VaultName: n, CreationDate: date(s.vaults[n].created)})
	}
	s.mangleBody(r, "ListVaults", out)
	return reply(w, http.StatusOK, out)
}

// validPartSize: a megabyte times a power of two, up to 4 GiB.
func validPartSize(n int64) bool {
	return n >= 1<<20 && n <= 1<<32 && n&(n-1) == 0
}

func (s *Server) initiate(w http.ResponseWriter, r *http.Request, vaultName string) *apiError {
	v, err := s.vault(vaultName)
	if err != nil {
		return err
	}
	h := r.Header.Get("X-Amz-Part-Size")
	size, perr := strconv.ParseInt(h, 10, 64)
	if h == "" {
		return missing("Required header x-amz-part-size is missing")
	}
	if perr != nil || !validPartSize(size) {
		return invalid("Invalid part size: %s. Part size must not be null, must be a power of two and be between 1048576 and 4294967296 bytes.", h)
	}
	u := &upload{id: newID(), description: r.Header.Get("X-Amz-Archive-Description"), partSize: size, created: s.Now()}
	v.uploads[u.id] = u
	w.Header().Set("Location", "/"+Account+"/vaults/"+v.name+"/multipart-uploads/"+u.id)
	w.Header().Set("X-Amz-Multipart-Upload-Id", u.id)
	return reply(w, http.StatusCreated, struct{}{})
}

func (s *Server) listUploads(w http.ResponseWriter, r *http.Request, vaultName string) *apiError {
	v, err := s.vault(vaultName)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(v.uploads))
	for id := range v.uploads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	page, next, err := paginate(r, ids, func(id string) string { return id }, 50)
	if err != nil {
		return err
	}
	out := &ListUploadsOutput{Marker: next, UploadsList: []UploadJSON{}}
	for _, id := range page {
		u := v.uploads[id]
		out.UploadsList = append(out.UploadsList, UploadJSON{
			ArchiveDescription: u.description,
			CreationDate:       date(u.created),
			MultipartUploadId:  u.id,
			PartSizeInBytes:    u.partSize,
			VaultARN:           s.arn(v.name),
		})
	}
	s.mangleBody(r, "ListMultipartUploads", out)
	return reply(w, http.StatusOK, out)
}

func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, vaultName, id string) *apiError {
	u, err := s.upload(vaultName, id)
	if err != nil {
		return err
	}
	cr := r.Header.Get("Content-Range")
	var start, end int64
	if _, serr := fmt.Sscanf(cr, "bytes %d-%d/*", &start, &end); serr != nil || start < 0 || end < start {
		return invalid("Content-Range: %q is not a valid byte range", cr)
	}
	if start%u.partSize != 0 || end-start+1 > u.partSize {
		return invalid("Content-Range: bytes %d-%d/* is incompatible with the part size %d", start, end, u.partSize)
	}
	data, rerr := io.ReadAll(r.Body)
	if rerr != nil || int64(len(data)) != end-start+1 {
		return invalid("Content-Range: %d bytes expected, %d received", end-start+1, len(data))
	}
	sent := r.Header.Get("X-Amz-Sha256-Tree-Hash")
	if sent == "" {
		return missing("Required header x-amz-sha256-tree-hash is missing")
	}
	if got := TreeHash(data); got != sent {
		return invalid("Checksum mismatch: expected %s (calculated), got %s", got, sent)
	}
	p := part{start: start, end: end, treeHash: sent}
	i, found := slices.BinarySearchFunc(u.parts, start, func(p part, start int64) int { return cmpInt(p.start, start) })
	if found {
		u.parts[i] = p
	} else {
		u.parts = slices.Insert(u.parts, i, p)
	}
	w.Header().Set("X-Amz-Sha256-Tree-Hash", sent)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listParts(w http.ResponseWriter, r *http.Request, vaultName, id string) *apiError {
	u, err := s.upload(vaultName, id)
	if err != nil {
		return err
	}
	page, next, err := paginate(r, u.parts, func(p part) string { return fmt.Sprintf("%020d", p.start) }, 50)
	if err != nil {
		return err
	}
	out := &ListPartsOutput{
		ArchiveDescription: u.description,
		CreationDate:       date(u.created),
		Marker:             next,
		MultipartUploadId:  u.id,
		PartSizeInBytes:    u.partSize,
		Parts:              []PartJSON{},
		VaultARN:           s.arn(vaultName),
	}
	for _, p := range page {
		out.Parts = append(out.Parts, PartJSON{RangeInBytes: fmt.Sprintf("%d-%d", p.start, p.end), SHA256TreeHash: p.treeHash})
	}
	s.mangleBody(r, "ListParts", out)
	return reply(w, http.StatusOK, out)
}

func (s *Server) abort(w http.ResponseWriter, vaultName, id string) *apiError {
	v, err := s.vault(vaultName)
	if err != nil {
		return err
	}
	if v.uploads[id] == nil {
		return notFound("Multipart upload not found: %s", id)
	}
	delete(v.uploads, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// complete makes the upload an archive, as Glacier does, if its parts run
// contiguously from the start (only the last shorter than the part size)
// and x-amz-archive-size and x-amz-sha256-tree-hash match them. The archive
// itself is not kept: the upload is gone, its ID answered.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, vaultName, id string) *apiError {
	v, err := s.vault(vaultName)
	if err != nil {
		return err
	}
	u := v.uploads[id]
	if u == nil {
		return notFound("Multipart upload not found: %s", id)
	}
	var (
		hashes [][32]byte
		size   int64
	)
	for i, p := range u.parts {
		if p.start != size || (i < len(u.parts)-1 && p.end-p.start+1 != u.partSize) {
			return invalid("parts do not run contiguously from the start at byte %d", size)
		}
		h, herr := hex.DecodeString(p.treeHash)
		if herr != nil || len(h) != sha256.Size {
			return invalid("part at %d has no tree hash", p.start)
		}
		hashes = append(hashes, [32]byte(h))
		size = p.end + 1
	}
	if len(hashes) == 0 {
		return invalid("the upload has no parts")
	}
	if got := r.Header.Get("X-Amz-Archive-Size"); got != strconv.FormatInt(size, 10) {
		return invalid("archive size %s, but the parts hold %d bytes", got, size)
	}
	root := combine(hashes)
	if got, want := r.Header.Get("X-Amz-Sha256-Tree-Hash"), hex.EncodeToString(root[:]); got != want {
		return invalid("tree hash %s does not match the parts' %s", got, want)
	}
	delete(v.uploads, id)
	w.Header().Set("Location", fmt.Sprintf("/%s/vaults/%s/archives/%s", Account, vaultName, id))
	w.Header().Set("X-Amz-Archive-Id", "archive-"+id)
	w.Header().Set("X-Amz-Sha256-Tree-Hash", hex.EncodeToString(root[:]))
	w.WriteHeader(http.StatusCreated)
	return nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// paginate returns the page of items (sorted by key) that the request's
// marker and limit select, and the marker of the next page, if any.
// Markers are opaque to clients: the key of the first item of the next
// page, encoded.
func paginate[T any](r *http.Request, items []T, key func(T) string, defaultLimit int) ([]T, *string, *apiError) {
	q := r.URL.Query()
	limit := defaultLimit
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return nil, nil, invalid("Invalid limit: %s. The limit must be between 1 and 1000.", l)
		}
		limit = n
	}
	from := 0
	if m := q.Get("marker"); m != "" {
		k, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil || !strings.HasPrefix(string(k), "m:") {
			return nil, nil, invalid("Invalid marker: %s", m)
		}
		from, _ = slices.BinarySearchFunc(items, string(k[2:]), func(t T, k string) int { return strings.Compare(key(t), k) })
	}
	to := min(from+limit, len(items))
	if to == len(items) {
		return items[from:to], nil, nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte("m:" + key(items[to])))
	return items[from:to], &next, nil
}
