package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	gatewaypkg "github.com/uploadfs/uploadfs/internal/gateway"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// TestCompat runs against a real MinIO server (make compat; skipped
// otherwise): uploads made with the AWS CLI and the SDK, the tree uploadfs
// shows compared with what `aws s3api` lists, and every difference printed.
func TestCompat(t *testing.T) {
	bin := os.Getenv("UPLOADFS_COMPAT_MINIO")
	if bin == "" {
		t.Skip("make compat runs this against MinIO")
	}
	data := t.TempDir()
	srv, err := gatewaypkg.StartMinIO(bin, testAccess, testSecret, data)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close() }()
	g, c := compatGateway(t, srv.URL, testAccess, testSecret)
	seedCompat(t, g, c, nil)
	checkCompat(t, g, c, "MinIO", "")
	// MinIO keeps its upload listing in memory: after a restart its
	// no-prefix listing is empty. Shown, not judged.
	srv.Close()
	if srv, err = gatewaypkg.StartMinIO(bin, testAccess, testSecret, data); err != nil {
		t.Fatal(err)
	}
	g.url = srv.URL
	after := g.mount(t, "--bucket", "compat", "--log-file", filepath.Join(t.TempDir(), "log"))
	t.Logf("MinIO after a restart: uploadfs shows %d parts (the README says why)",
		strings.Count(shelltest.Sh(t, "find "+shelltest.Quote(after)+" -type f"), "\n"))
}

// compatGateway is the AWS CLI's and uploadfs's environment for a server
// at url with these keys (path style, us-east-1), and an SDK client for it.
func compatGateway(t *testing.T, url, access, secret string) (*gateway, *s3.Client) {
	cfg := filepath.Join(t.TempDir(), "aws-config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n"), 0o600)
	g := &gateway{url: url, env: append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+access, "AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")})
	return g, c
}

// seedCompat creates the bucket compat and the acceptance tree in it: an
// upload of two 1,000-byte parts for each of a few keys, and of more
// (a key named twice gets two uploads), made with the AWS CLI, and one
// upload of 1,200 parts made with the SDK.
func seedCompat(t *testing.T, g *gateway, c *s3.Client, more []string) {
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "compat")
	part := filepath.Join(t.TempDir(), "part")
	os.WriteFile(part, []byte(strings.Repeat("x", 1000)), 0o600)
	for _, key := range append([]string{"top.bin", "a/x.bin", "a/b/y.bin", "with space/z.bin", "odd+key%41.bin"}, more...) {
		var up struct{ UploadId string }
		g.aws(t, &up, "s3api", "create-multipart-upload", "--bucket", "compat", "--key", key)
		for n := 1; n <= 2; n++ {
			g.aws(t, nil, "s3api", "upload-part", "--bucket", "compat", "--key", key, "--upload-id", up.UploadId,
				"--part-number", fmt.Sprint(n), "--body", part)
		}
	}
	many := make([]int32, 1200)
	for i := range many {
		many[i] = int32(i + 1)
	}
	if _, err := s3server.CreateUpload(t.Context(), c, "compat", "big/many.bin", many, func(int32) int { return 10 }); err != nil {
		t.Fatal(err)
	}
}

// checkCompat mounts the bucket compat and reports every difference between
// the tree uploadfs shows and what the AWS CLI lists: directories (keys
// and upload IDs), part files and their sizes.
func checkCompat(t *testing.T, g *gateway, c *s3.Client, server, bulk string) {
	checkTree(t, g, server, "the AWS CLI", cliTree(t, g, c, bulk))
}

// checkTree mounts the bucket compat and reports every difference between
// the tree uploadfs shows and want (as cliTree writes it, from what source
// lists), and what uploadfs logged of the server.
func checkTree(t *testing.T, g *gateway, server, source, want string) {
	log := filepath.Join(t.TempDir(), "log")
	mnt := g.mount(t, "--bucket", "compat", "--log-file", log)
	// find's errors (a directory uploadfs cannot list) are part of what it
	// shows. It gets longer than shell's bound: every upload directory is a
	// ListParts, thousands of them on a busy machine.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	find := exec.CommandContext(ctx, "find", ".", "-mindepth", "1", "(", "-type", "d", "-printf", "%p/\n", ")",
		"-o", "(", "-type", "f", "-printf", "%p %s\n", ")")
	find.Dir = filepath.Join(mnt, "compat")
	out, _ := find.CombinedOutput()
	if ctx.Err() != nil {
		t.Errorf("find in the mount on %s did not end in 10 minutes", server)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(lines)
	got := strings.Join(lines, "\n") + "\n"
	if diff := difference(want, got); diff != "" {
		logged, _ := os.ReadFile(log)
		t.Errorf("uploadfs and %s differ on %s:\n%s\nuploadfs's log:\n%s", source, server, diff, logged)
	} else {
		logged, _ := os.ReadFile(log)
		t.Logf("%s: uploadfs shows what %s lists: %d directories and parts; its log's WARN lines:\n%s", server, source, strings.Count(got, "\n"),
			strings.Join(slices.DeleteFunc(strings.Split(string(logged), "\n"), func(l string) bool { return !strings.Contains(l, "WARN") }), "\n"))
	}
}

// cliTree is what find should print of the bucket compat, from the uploads
// the AWS CLI lists: every directory down to each upload's (with a
// trailing slash), then each part with its size. The parts of uploads
// under bulk (a level of many uploads without parts; "" for none) are
// listed through the SDK: a CLI call per upload would take minutes.
func cliTree(t *testing.T, g *gateway, c *s3.Client, bulk string) string {
	var ups struct {
		Uploads []struct{ Key, UploadId string }
	}
	g.aws(t, &ups, "s3api", "list-multipart-uploads", "--bucket", "compat")
	var lines []string
	for _, u := range ups.Uploads {
		var parts struct{ Parts []part }
		if bulk != "" && strings.HasPrefix(u.Key, bulk) {
			pages := s3.NewListPartsPaginator(c, &s3.ListPartsInput{Bucket: aws.String("compat"), Key: aws.String(u.Key), UploadId: aws.String(u.UploadId)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page.Parts {
					parts.Parts = append(parts.Parts, part{int(aws.ToInt32(p.PartNumber)), aws.ToInt64(p.Size)})
				}
			}
		} else {
			g.aws(t, &parts, "s3api", "list-parts", "--bucket", "compat", "--key", u.Key, "--upload-id", u.UploadId)
		}
		lines = append(lines, uploadLines(u.Key, u.UploadId, parts.Parts)...)
	}
	slices.Sort(lines)
	return strings.Join(slices.Compact(lines), "\n") + "\n"
}

type part struct {
	PartNumber int
	Size       int64
}

// uploadLines is what find prints of an upload: every directory down to
// its own (with a trailing slash), then each part with its size.
func uploadLines(key, id string, parts []part) []string {
	var lines []string
	// (uploadfs writes '%' in a name as %25.)
	dir := "./" + strings.ReplaceAll(key, "%", "%25") + "/" + id
	for i := 2; i <= len(dir); i++ {
		if i == len(dir) || dir[i] == '/' {
			lines = append(lines, dir[:i]+"/")
		}
	}
	for _, p := range parts {
		lines = append(lines, fmt.Sprintf("%s/%05d %d", dir, p.PartNumber, p.Size))
	}
	return lines
}

// difference lists the lines of want missing from got and the other way.
func difference(want, got string) string {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			m[l] = true
		}
		return m
	}
	w, g := set(want), set(got)
	var out []string
	for l := range w {
		if !g[l] {
			out = append(out, "missing: "+l)
		}
	}
	for l := range g {
		if !w[l] {
			out = append(out, "extra:   "+l)
		}
	}
	sort.Strings(out)
	if len(out) > 60 {
		out = append(out[:60], fmt.Sprintf("... and %d more (%d missing, %d extra in all)", len(out)-60,
			strings.Count(strings.Join(out, "\n"), "missing: "), strings.Count(strings.Join(out, "\n"), "extra:   ")))
	}
	return strings.Join(out, "\n")
}
