package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/demo"
	gatewaypkg "github.com/uploadfs/uploadfs/internal/gateway"
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
	cfg := filepath.Join(t.TempDir(), "aws-config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n"), 0o600)
	g := &gateway{url: srv.URL, env: append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+testAccess, "AWS_SECRET_ACCESS_KEY="+testSecret,
		"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")}
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "compat")
	part := filepath.Join(t.TempDir(), "part")
	os.WriteFile(part, []byte(strings.Repeat("x", 1000)), 0o600)
	for _, key := range []string{"top.bin", "a/x.bin", "a/b/y.bin", "with space/z.bin", "odd+key%41.bin"} {
		var up struct{ UploadId string }
		g.aws(t, &up, "s3api", "create-multipart-upload", "--bucket", "compat", "--key", key)
		for n := 1; n <= 2; n++ {
			g.aws(t, nil, "s3api", "upload-part", "--bucket", "compat", "--key", key, "--upload-id", up.UploadId,
				"--part-number", fmt.Sprint(n), "--body", part)
		}
	}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(testAccess, testSecret, "")})
	many := make([]int32, 1200)
	for i := range many {
		many[i] = int32(i + 1)
	}
	if _, err := demo.CreateUpload(t.Context(), c, "compat", "big/many.bin", many, func(int32) int { return 10 }); err != nil {
		t.Fatal(err)
	}

	want := cliTree(t, g)
	mnt := g.mount(t, "--bucket", "compat", "--log-file", filepath.Join(t.TempDir(), "log"))
	got := shell(t, "cd "+q(filepath.Join(mnt, "compat"))+` && find . -type f -printf '%h %f %s\n' | sort`)
	if diff := difference(want, got); diff != "" {
		t.Errorf("uploadfs and the AWS CLI differ on MinIO:\n%s", diff)
	} else {
		t.Logf("MinIO: uploadfs shows what the AWS CLI lists: %d parts", strings.Count(got, "\n"))
	}
	// MinIO keeps its upload listing in memory: after a restart its
	// no-prefix listing is empty. Shown, not judged.
	srv.Close()
	if srv, err = gatewaypkg.StartMinIO(bin, testAccess, testSecret, data); err != nil {
		t.Fatal(err)
	}
	g.url = srv.URL
	after := g.mount(t, "--bucket", "compat", "--log-file", filepath.Join(t.TempDir(), "log"))
	t.Logf("MinIO after a restart: uploadfs shows %d parts (the README says why)",
		strings.Count(shell(t, "find "+q(after)+" -type f"), "\n"))
}

// cliTree is `find -printf '%h %f %s'` of the uploads as the AWS CLI lists
// them: directory of key and upload ID, part name, size.
func cliTree(t *testing.T, g *gateway) string {
	var ups struct {
		Uploads []struct{ Key, UploadId string }
	}
	g.aws(t, &ups, "s3api", "list-multipart-uploads", "--bucket", "compat")
	var lines []string
	for _, u := range ups.Uploads {
		var parts struct {
			Parts []struct {
				PartNumber int
				Size       int64
			}
		}
		g.aws(t, &parts, "s3api", "list-parts", "--bucket", "compat", "--key", u.Key, "--upload-id", u.UploadId)
		for _, p := range parts.Parts {
			// (uploadfs writes '%' in a name as %25.)
			lines = append(lines, fmt.Sprintf("./%s/%s %05d %d", strings.ReplaceAll(u.Key, "%", "%25"), u.UploadId, p.PartNumber, p.Size))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
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
	return strings.Join(out, "\n")
}
