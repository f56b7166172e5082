package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// Uploads completed with the AWS CLI from nothing but their .complete.json:
// a plain one, a sparse one (parts 1, 2 and 5: S3 accepts gaps) and one
// with CRC32 checksums; the object then exists with every part's bytes.
// .upload.json agrees with `aws s3api list-parts` field by field; neither
// file is listed.
func TestCompleteJSON(t *testing.T) {
	g := startGateway(t)
	const bucket = "complete"
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", bucket)
	body := filepath.Join(t.TempDir(), "part")
	const partSize = 5 << 20 // S3's least, but for the last part
	type upload struct {
		key   string
		parts []int
		sum   []string // --checksum-algorithm, if any
		id    string
		size  int64
	}
	uploads := []*upload{
		{key: "plain.bin", parts: []int{1, 2, 3}},
		{key: "dir/sparse.bin", parts: []int{1, 2, 5}},
		{key: "crc32.bin", parts: []int{1, 2}, sum: []string{"--checksum-algorithm", "CRC32"}},
	}
	for _, u := range uploads {
		var created cliUpload
		g.aws(t, &created, append([]string{"s3api", "create-multipart-upload", "--bucket", bucket, "--key", u.key}, u.sum...)...)
		u.id = created.UploadId
		for i, n := range u.parts {
			size := partSize
			if i == len(u.parts)-1 {
				size = 1000 + n
			}
			writeFile(t, body, strings.Repeat(fmt.Sprint(n), size))
			g.aws(t, nil, append([]string{"s3api", "upload-part", "--bucket", bucket, "--key", u.key, "--upload-id", u.id,
				"--part-number", fmt.Sprint(n), "--body", body}, u.sum...)...)
			u.size += int64(size)
		}
	}
	mnt := g.mount(t)
	for _, u := range uploads {
		dir := filepath.Join(mnt, bucket, filepath.FromSlash(u.key), u.id)
		if got := shelltest.Sh(t, "ls -A "+shelltest.Quote(dir)+" | wc -l; find "+shelltest.Quote(dir)+" -type f | wc -l"); got != fmt.Sprintf("%d\n%d\n", len(u.parts), len(u.parts)) {
			t.Fatalf("%s: ls and find count %q, want only the %d parts", u.key, got, len(u.parts))
		}
		// .upload.json against the CLI's list-parts.
		var doc, cli struct {
			Parts []map[string]any
		}
		raw, err := os.ReadFile(filepath.Join(dir, ".upload.json"))
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(filepath.Join(dir, ".upload.json")); st.Size() != int64(len(raw)) {
			t.Fatalf("stat says %d bytes, read %d", st.Size(), len(raw))
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf(".upload.json: %v", err)
		}
		g.aws(t, &cli, "s3api", "list-parts", "--bucket", bucket, "--key", u.key, "--upload-id", u.id)
		if len(doc.Parts) != len(cli.Parts) {
			t.Fatalf("%s: %d parts in .upload.json, list-parts %d", u.key, len(doc.Parts), len(cli.Parts))
		}
		for i, want := range cli.Parts {
			for k, v := range want {
				got := doc.Parts[i][k]
				if k == "LastModified" {
					a, _ := time.Parse(time.RFC3339, fmt.Sprint(v))
					b, _ := time.Parse(time.RFC3339, fmt.Sprint(got))
					if !a.Equal(b) {
						t.Fatalf("%s part %d LastModified %v, list-parts %v", u.key, i+1, got, v)
					}
					continue
				}
				if fmt.Sprint(got) != fmt.Sprint(v) {
					t.Fatalf("%s part %d %s: .upload.json %v, list-parts %v", u.key, i+1, k, got, v)
				}
			}
		}
		// Complete with nothing but .complete.json.
		g.aws(t, nil, "s3api", "complete-multipart-upload", "--cli-input-json", "file://"+filepath.Join(dir, ".complete.json"))
		var head struct{ ContentLength int64 }
		g.aws(t, &head, "s3api", "head-object", "--bucket", bucket, "--key", u.key)
		if head.ContentLength != u.size {
			t.Fatalf("%s: completed object of %d bytes, want %d", u.key, head.ContentLength, u.size)
		}
	}
}
