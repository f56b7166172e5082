package fsnode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/glacierserver"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// glacierBed is a Glacier server behind a handler that tests may make
// fail, an SDK client of it, and the uploads seeded.
type glacierBed struct {
	srv  *glacierserver.Server
	c    *glacier.Client
	mu   sync.Mutex
	fail func(op string) (status int, code string) // nil: no failure
	reqs map[string]int
}

// glacierOp names the operation of a request to the server.
func glacierOp(r *http.Request) string {
	depth := strings.Count(strings.Trim(r.URL.Path, "/"), "/") + 1
	switch {
	case r.Method == http.MethodGet && depth == 2:
		return "ListVaults"
	case r.Method == http.MethodGet && depth == 4:
		return "ListMultipartUploads"
	case r.Method == http.MethodGet && depth == 5:
		return "ListParts"
	}
	return r.Method
}

func newGlacierBed(t *testing.T) *glacierBed {
	t.Helper()
	b := &glacierBed{srv: glacierserver.New(), reqs: map[string]int{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := glacierOp(r)
		b.mu.Lock()
		b.reqs[op]++
		fail := b.fail
		b.mu.Unlock()
		if fail != nil {
			if status, code := fail(op); status != 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"code":%q,"message":"injected by the test","type":"Server"}`, code)
				return
			}
		}
		b.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	b.c = demo.GlacierClient(ts.URL, "demo")
	return b
}

func (b *glacierBed) vault(t *testing.T, name string) {
	t.Helper()
	if _, err := b.c.CreateVault(context.Background(), &glacier.CreateVaultInput{VaultName: &name}); err != nil {
		t.Fatal(err)
	}
}

func (b *glacierBed) upload(t *testing.T, vault, desc string, partSize int64, parts []int32, size func(int32) int) string {
	t.Helper()
	id, err := demo.GlacierUpload(context.Background(), b.c, vault, desc, partSize, parts, size)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (b *glacierBed) requests(op string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reqs[op]
}

// faults sets what the server does wrong (nil, nil: nothing).
func (b *glacierBed) faults(mangle func(op, marker string, body any), fail func(op string) (int, string)) {
	b.srv.SetMangle(mangle)
	b.mu.Lock()
	b.fail = fail
	b.mu.Unlock()
}

func (b *glacierBed) mount(t *testing.T, o Options) string {
	t.Helper()
	return b.mountPaged(t, o, 0)
}

// mountPaged mounts with the lister's page size (Glacier's limit) set.
func (b *glacierBed) mountPaged(t *testing.T, o Options, pageSize int32) string {
	t.Helper()
	l := listing.NewGlacier(b.c, "")
	l.PageSize = pageSize
	o.Vaults = l
	return mountTest(t, o)
}

// treeHash computes Glacier's SHA-256 tree hash independently of the
// server: recursively, halving at a power-of-two number of chunks.
func treeHash(data []byte) string {
	var rec func(chunks [][]byte) [32]byte
	rec = func(chunks [][]byte) [32]byte {
		if len(chunks) == 1 {
			return sha256.Sum256(chunks[0])
		}
		half := 1
		for half*2 < len(chunks) {
			half *= 2
		}
		l, r := rec(chunks[:half]), rec(chunks[half:])
		return sha256.Sum256(append(l[:], r[:]...))
	}
	var chunks [][]byte
	for len(data) > 1<<20 {
		chunks, data = append(chunks, data[:1<<20]), data[1<<20:]
	}
	h := rec(append(chunks, data))
	return hex.EncodeToString(h[:])
}

// patternBytes is what demo.GlacierUpload sends for part n of size bytes.
func patternBytes(n int32, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(n) + byte(i%251)
	}
	return b
}

func TestGlacierTree(t *testing.T) {
	shelltest.Need(t, "getfattr")
	const mib = 1 << 20
	b := newGlacierBed(t)
	b.vault(t, "alpha-empty")
	b.vault(t, "beta")
	// 1,205 parts: two pages of ListParts at limit 1,000. Parts shorter
	// than the part size keep the test small (Glacier checks that only
	// when the upload completes).
	bigSize := func(n int32) int { return 100 + int(n) }
	big := b.upload(t, "beta", "big archive", mib, indexes(1205), bigSize)
	// Tree hashes over several 1 MiB chunks, and a last part shorter than
	// the part size.
	hashSize := func(n int32) int { return map[int32]int{1: 4 * mib, 2: 5*mib/2 + 7}[n] }
	hashed := b.upload(t, "beta", "", 4*mib, []int32{1, 2}, hashSize)
	empty := b.upload(t, "beta", "nothing yet", 8*mib, nil, nil)

	mnt := b.mount(t, Options{Prefetch: -1})
	if got := shelltest.Sh(t, "ls "+mnt); got != "alpha-empty\nbeta\n" {
		t.Fatalf("ls root: %q", got)
	}
	if got := shelltest.Sh(t, "ls "+join(mnt, "alpha-empty")); got != "" {
		t.Fatalf("ls of a vault with no uploads: %q", got)
	}
	// ls -U: uploadfs's order, not the locale's.
	ids := strings.Fields(shelltest.Sh(t, "ls -U "+join(mnt, "beta")))
	want := []string{big, hashed, empty}
	slices.Sort(want)
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("ls vault: %v, want %v", ids, want)
	}

	// The big upload: 1,205 parts named by index, sizes from the ranges,
	// in two ListParts requests.
	before := b.requests("ListParts")
	out := shelltest.Sh(t, "ls -l --time-style=+%s "+join(mnt, "beta", big))
	if n := b.requests("ListParts") - before; n != 2 {
		t.Fatalf("ls -l of 1,205 parts sent %d ListParts, want 2 (limit 1,000)", n)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")[1:] // "total …"
	if len(lines) != 1205 {
		t.Fatalf("%d parts listed, want 1205", len(lines))
	}
	for i, l := range lines {
		f := strings.Fields(l)
		n := int32(i + 1)
		if name := f[len(f)-1]; name != fmt.Sprintf("%05d", n) {
			t.Fatalf("part %d named %q", n, name)
		}
		if size := f[4]; size != strconv.Itoa(bigSize(n)) {
			t.Fatalf("part %d size %s, want %d", n, size, bigSize(n))
		}
	}
	if got := shelltest.Sh(t, "du -sb --apparent-size "+join(mnt, "beta", big)); !strings.HasPrefix(got, strconv.Itoa(1205*100+1205*1206/2)+"\t") {
		t.Fatalf("du: %q", got)
	}

	// Attributes of the upload directory and of a part.
	dir := join(mnt, "beta", hashed)
	x := getfattrDump(t, dir)
	wantDir := map[string]string{
		"user.glacier.vault-arn":     `"arn:aws:glacier:us-east-1:` + glacierserver.Account + `:vaults/beta"`,
		"user.glacier.part-size":     `"4194304"`,
		"user.glacier.part-count":    `"2"`,
		"user.glacier.total-bytes":   `"` + strconv.Itoa(4*mib+5*mib/2+7) + `"`,
		"user.glacier.creation-date": x["user.glacier.creation-date"],
	}
	if !maps.Equal(x, wantDir) {
		t.Fatalf("upload xattrs\n%v\nwant\n%v", x, wantDir)
	}
	created, err := time.Parse(time.RFC3339Nano, strings.Trim(x["user.glacier.creation-date"], `"`))
	if err != nil || time.Since(created) > time.Hour {
		t.Fatalf("creation-date %s: %v", x["user.glacier.creation-date"], err)
	}
	if got := getfattrDump(t, join(mnt, "beta", big))["user.glacier.archive-description"]; got != `"big archive"` {
		t.Fatalf("archive-description %s", got)
	}
	for _, n := range []int32{1, 2} {
		part := join(dir, fmt.Sprintf("%05d", n))
		px := getfattrDump(t, part)
		start := int64(n-1) * 4 * mib
		wantPart := map[string]string{
			"user.glacier.range":            fmt.Sprintf(`"%d-%d"`, start, start+int64(hashSize(n))-1),
			"user.glacier.sha256-tree-hash": `"` + treeHash(patternBytes(n, hashSize(n))) + `"`,
		}
		if !maps.Equal(px, wantPart) {
			t.Fatalf("part %d xattrs\n%v\nwant\n%v", n, px, wantPart)
		}
		st := strings.Fields(shelltest.Sh(t, "stat -c '%s %Y %a' "+part))
		if st[0] != strconv.Itoa(hashSize(n)) || st[1] != strconv.FormatInt(created.Unix(), 10) || st[2] != "444" {
			t.Fatalf("stat part %d: %v (size %d, mtime %d)", n, st, hashSize(n), created.Unix())
		}
	}
	if got := shelltest.Sh(t, "ls "+join(mnt, "beta", empty)); got != "" {
		t.Fatalf("upload with no parts: %q", got)
	}
	expectErr(t, "cat "+join(dir, "00001"), "Operation not supported")
	expectErr(t, "stat "+join(dir, "00003"), "No such file or directory")
	expectErr(t, "stat "+join(mnt, "beta", "no-such-upload"), "No such file or directory")
	expectErr(t, "stat "+join(mnt, "gamma"), "No such file or directory")
	expectErr(t, "mkdir "+join(mnt, "beta", "x"), "Read-only file system")
}

// TestGlacierStatLists: a part looked up before its upload is listed makes
// uploadfs list the upload (Glacier's markers cannot jump to a part), once.
func TestGlacierStatLists(t *testing.T) {
	b := newGlacierBed(t)
	b.vault(t, "v")
	id := b.upload(t, "v", "d", 1<<20, indexes(1100), func(n int32) int { return int(n) })
	mnt := b.mount(t, Options{Prefetch: -1, Buckets: []string{"v"}})
	for _, n := range []int{1100, 7, 1050} {
		if got := shelltest.Sh(t, fmt.Sprintf("stat -c %%s %s/%05d", join(mnt, "v", id), n)); got != strconv.Itoa(n)+"\n" {
			t.Fatalf("stat part %d: %q", n, got)
		}
	}
	if n := b.requests("ListParts"); n != 2 {
		t.Fatalf("three stats sent %d ListParts, want one listing of 2 pages", n)
	}
	if n := b.requests("ListVaults"); n != 0 {
		t.Fatalf("--bucket named the vault, yet ListVaults was sent %d times", n)
	}
}

func TestGlacierErrors(t *testing.T) {
	b := newGlacierBed(t)
	b.vault(t, "v")
	id := b.upload(t, "v", "d", 1<<20, indexes(3), func(int32) int { return 10 })
	upDir := func(mnt string) string { return join(mnt, "v", id) }
	noCache := Options{Prefetch: -1, TTL: time.Millisecond, Timeout: 10 * time.Second}

	cases := []struct {
		name   string
		mangle func(op, marker string, body any)
		fail   func(op string) (int, string)
		msg    string
		page   int32 // the lister's limit; 0: its default
	}{
		{name: "malformed range", msg: "Input/output error", mangle: func(op, marker string, body any) {
			if p, ok := body.(*glacierserver.ListPartsOutput); ok {
				p.Parts[1].RangeInBytes = "1048576-"
			}
		}},
		{name: "range off the part size", msg: "Input/output error", mangle: func(op, marker string, body any) {
			if p, ok := body.(*glacierserver.ListPartsOutput); ok {
				p.Parts[1].RangeInBytes = "1048577-1048586"
			}
		}},
		{name: "marker that does not advance", msg: "Input/output error", page: 1, mangle: func(op, marker string, body any) {
			if p, ok := body.(*glacierserver.ListPartsOutput); ok && marker != "" {
				p.Marker = &marker // the one it was asked for
			}
		}},
		{name: "service unavailable", msg: "Input/output error", fail: func(op string) (int, string) {
			if op == "ListParts" {
				return 503, "ServiceUnavailableException"
			}
			return 0, ""
		}},
		{name: "invalid parameter", msg: "Invalid argument", fail: func(op string) (int, string) {
			if op == "ListParts" {
				return 400, "InvalidParameterValueException"
			}
			return 0, ""
		}},
		{name: "access denied", msg: "Permission denied", fail: func(op string) (int, string) {
			if op == "ListParts" {
				return 403, "AccessDeniedException"
			}
			return 0, ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.faults(tc.mangle, tc.fail)
			t.Cleanup(func() { b.faults(nil, nil) })
			mnt := b.mountPaged(t, noCache, tc.page)
			expectErr(t, "ls "+upDir(mnt), tc.msg)
			// The mount lives on, and answers once the server does.
			b.faults(nil, nil)
			time.Sleep(5 * time.Millisecond)
			if got := shelltest.Sh(t, "ls "+upDir(mnt)); got != "00001\n00002\n00003\n" {
				t.Fatalf("after the fault: %q", got)
			}
		})
	}

	t.Run("upload aborted after listing", func(t *testing.T) {
		id := b.upload(t, "v", "doomed", 1<<20, indexes(2), func(int32) int { return 1 })
		mnt := b.mount(t, Options{Prefetch: -1})
		shelltest.Sh(t, "ls "+join(mnt, "v"))
		if _, err := b.c.AbortMultipartUpload(context.Background(), &glacier.AbortMultipartUploadInput{VaultName: aws.String("v"), UploadId: &id}); err != nil {
			t.Fatal(err)
		}
		expectErr(t, "ls "+join(mnt, "v", id), "No such file or directory")
	})
	t.Run("missing vault", func(t *testing.T) {
		mnt := b.mount(t, Options{Buckets: []string{"nope", "v"}})
		expectErr(t, "ls "+join(mnt, "nope"), "No such file or directory")
		shelltest.Sh(t, "ls "+join(mnt, "v"))
	})
	t.Run("bad credentials", func(t *testing.T) {
		b.srv.SetAccessKey("someone-else")
		t.Cleanup(func() { b.srv.SetAccessKey("") })
		mnt := b.mount(t, Options{})
		expectErr(t, "ls "+mnt, "Permission denied")
	})
}

// indexes returns 1..n.
func indexes(n int32) []int32 {
	ps := make([]int32, n)
	for i := range ps {
		ps[i] = int32(i + 1)
	}
	return ps
}

// A Glacier upload's .complete.json carries the archive's size and tree
// hash, computed from the parts' tree hashes: it equals an independent
// hash of the bytes uploaded, the test server accepts the completion, and
// an upload with a gap has no such file.
func TestGlacierCompleteJSON(t *testing.T) {
	b := newGlacierBed(t)
	b.vault(t, "v")
	const partSize = 2 << 20
	size := func(n int32) int {
		if n == 5 {
			return 300_000 // the last part, shorter
		}
		return partSize
	}
	id := b.upload(t, "v", "whole", partSize, []int32{1, 2, 3, 4, 5}, size)
	gap := b.upload(t, "v", "gap", partSize, []int32{1, 3}, func(int32) int { return partSize })
	mnt := b.mount(t, Options{})
	raw, err := os.ReadFile(join(mnt, "v", escapeName(id), ".complete.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in struct{ AccountID, VaultName, UploadID, ArchiveSize, Checksum string }
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	var data []byte
	for n := int32(1); n <= 5; n++ {
		data = append(data, patternBytes(n, size(n))...)
	}
	if in.Checksum != treeHash(data) || in.ArchiveSize != fmt.Sprint(len(data)) || in.VaultName != "v" || in.UploadID != id {
		t.Fatalf(".complete.json %+v; want size %d and tree hash %s", in, len(data), treeHash(data))
	}
	if _, err := b.c.CompleteMultipartUpload(context.Background(), &glacier.CompleteMultipartUploadInput{
		AccountId: aws.String("-"), VaultName: aws.String(in.VaultName), UploadId: aws.String(in.UploadID),
		ArchiveSize: aws.String(in.ArchiveSize), Checksum: aws.String(in.Checksum)}); err != nil {
		t.Fatalf("the server refused the completion: %v", err)
	}
	if _, err := os.Stat(join(mnt, "v", escapeName(gap), ".complete.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf(".complete.json of an upload with a gap: %v, want none", err)
	}
}
