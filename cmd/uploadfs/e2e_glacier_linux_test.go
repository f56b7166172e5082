package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/demo"
)

// glacierGateway is the in-process Glacier server with the environment the
// AWS CLI and uploadfs use to reach it.
func glacierGateway(t *testing.T) (*demo.GlacierServer, *gateway) {
	t.Helper()
	srv, err := demo.StartGlacier()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetAccessKey(testAccess)
	return srv, &gateway{url: srv.URL, env: append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+testAccess, "AWS_SECRET_ACCESS_KEY="+testSecret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")}
}

// seededGlacierMount mounts the built binary with --glacier over the
// Glacier server seeded with the demo vaults.
func seededGlacierMount(t *testing.T) (*gateway, string) {
	t.Helper()
	srv, g := glacierGateway(t)
	srv.SetAccessKey("")
	if err := demo.SeedGlacier(context.Background(), srv.Client(), srv.Clock); err != nil {
		t.Fatal(err)
	}
	srv.SetAccessKey(testAccess)
	mnt := t.TempDir()
	if r := uploadfs(t, g.env, "mount", "--glacier", "--endpoint-url", g.url, mnt); r.code != 0 {
		t.Fatalf("mount: exit %d: %s", r.code, r.stderr)
	}
	t.Cleanup(func() { unmountForTest(t, mnt) })
	return g, mnt
}

// TestGlacierEndToEnd mounts the binary with --glacier over the Glacier
// server and compares the tree with what the AWS CLI lists.
func TestGlacierEndToEnd(t *testing.T) {
	need(t, "getfattr")
	g, mnt := seededGlacierMount(t)

	if got := strings.Fields(shell(t, "ls "+mnt)); !slices.Equal(got, []string{"db-backups", "empty-vault", "photo-archive", "vm-images"}) {
		t.Fatalf("ls: %v", got)
	}
	for _, vault := range demo.Vaults {
		var ups struct {
			UploadsList []struct{ MultipartUploadId, ArchiveDescription string }
		}
		g.aws(t, &ups, "glacier", "list-multipart-uploads", "--account-id", "-", "--vault-name", vault)
		var want []string
		for _, u := range ups.UploadsList {
			want = append(want, u.MultipartUploadId)
		}
		slices.Sort(want)
		// ls -U: uploadfs's order, not the locale's.
		if got := strings.Fields(shell(t, "ls -U "+filepath.Join(mnt, vault))); !slices.Equal(got, want) {
			t.Fatalf("ls %s: %v\nCLI: %v", vault, got, want)
		}
		for _, u := range ups.UploadsList {
			dir := filepath.Join(mnt, vault, u.MultipartUploadId)
			if got := shell(t, "getfattr --absolute-names --only-values -n user.glacier.archive-description "+q(dir)); got != u.ArchiveDescription {
				t.Fatalf("archive-description %q, CLI %q", got, u.ArchiveDescription)
			}
			var parts struct {
				Parts []struct{ RangeInBytes, SHA256TreeHash string }
			}
			g.aws(t, &parts, "glacier", "list-parts", "--account-id", "-", "--vault-name", vault, "--upload-id="+u.MultipartUploadId) // (IDs may start with "-")
			var got []string
			for _, name := range strings.Fields(shell(t, "ls "+q(dir))) {
				p := filepath.Join(dir, name)
				got = append(got, shell(t, "getfattr --absolute-names --only-values -n user.glacier.range "+q(p))+" "+
					shell(t, "getfattr --absolute-names --only-values -n user.glacier.sha256-tree-hash "+q(p)))
			}
			var want []string
			for _, p := range parts.Parts {
				want = append(want, p.RangeInBytes+" "+p.SHA256TreeHash)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s/%s parts\n%v\nCLI:\n%v", vault, u.MultipartUploadId, got, want)
			}
		}
	}
	if got := shell(t, "du -sb "+filepath.Join(mnt, "db-backups")); !strings.HasPrefix(got, "8388608\t") {
		t.Fatalf("du: %q", got)
	}
	if got := shell(t, "find "+mnt+" -mindepth 2 -maxdepth 2 -type d -mtime +7 | wc -l"); strings.TrimSpace(got) != "2" {
		t.Fatalf("uploads older than a week: %s", got)
	}
}

// TestGlacierRefusals: what cannot work is one clear line before mounting.
func TestGlacierRefusals(t *testing.T) {
	_, g := glacierGateway(t)
	for _, tc := range []struct {
		args []string
		env  []string
		code int
		msg  string
	}{
		{[]string{"--glacier", "--bucket", "nope"}, g.env, 1, `vault "nope" does not exist at ` + g.url},
		{[]string{"--glacier"}, append(g.env, "AWS_ACCESS_KEY_ID=someone-else"), 1, "access denied by " + g.url},
		{[]string{"--glacier", "--account-id", "12-34"}, g.env, 2, "--account-id must be - or 12 digits"},
		{[]string{"--account-id", "123456789012"}, g.env, 2, "--account-id applies to --glacier only"},
	} {
		mnt := t.TempDir()
		args := append(append([]string{"mount", "--endpoint-url", g.url}, tc.args...), mnt)
		r := uploadfs(t, tc.env, args...)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != tc.code || !strings.Contains(first, tc.msg) || tc.code == 1 && strings.TrimSpace(r.stderr) != first {
			t.Errorf("%v: exit %d, %q; want exit %d and the line %q", tc.args, r.code, r.stderr, tc.code, tc.msg)
		}
	}
}

// TestDemo runs `uploadfs demo` and `uploadfs demo --glacier` as the
// README tells a new user to, explores the tree, and stops it with Ctrl-C.
func TestDemo(t *testing.T) {
	for _, tc := range []struct {
		flag, want string
	}{
		{"", "archive-vault\ndata-lake\nmedia-uploads\nquiet-bucket\n"},
		{"--glacier", "db-backups\nempty-vault\nphoto-archive\nvm-images\n"},
	} {
		t.Run("demo"+tc.flag, func(t *testing.T) {
			var args []string
			if tc.flag != "" {
				args = []string{tc.flag}
			}
			d := startDemoRun(t, t.TempDir(), args...)
			if got := shell(t, "ls "+d.mnt); got != tc.want {
				t.Fatalf("ls: %q, want %q", got, tc.want)
			}
			shell(t, "find "+d.mnt+" -type f | head -1")
			d.stop(t)
		})
	}
}

// A Glacier upload completed by the AWS CLI from its .complete.json alone
// (`aws glacier complete-multipart-upload --cli-input-json`): botocore
// takes its keys, the server checks the size and the tree hash against the
// parts, and the upload is gone.
func TestGlacierCompleteWithCLI(t *testing.T) {
	g, mnt := seededGlacierMount(t)
	completed := 0
	for _, vault := range demo.Vaults {
		for _, id := range strings.Fields(shell(t, "ls -U "+filepath.Join(mnt, vault))) {
			file := filepath.Join(mnt, vault, id, ".complete.json")
			if _, err := os.Stat(file); err != nil {
				continue
			}
			var in struct{ Checksum string }
			data, err := os.ReadFile(file)
			if err != nil || json.Unmarshal(data, &in) != nil {
				t.Fatalf("%s: %v %q", file, err, data)
			}
			var out struct{ Checksum, ArchiveId string }
			g.aws(t, &out, "glacier", "complete-multipart-upload", "--cli-input-json", "file://"+file)
			if out.Checksum != in.Checksum || out.ArchiveId == "" {
				t.Fatalf("completed %s/%s: %+v, want checksum %s", vault, id, out, in.Checksum)
			}
			var ups struct {
				UploadsList []struct{ MultipartUploadId string }
			}
			g.aws(t, &ups, "glacier", "list-multipart-uploads", "--account-id", "-", "--vault-name", vault)
			for _, u := range ups.UploadsList {
				if u.MultipartUploadId == id {
					t.Fatalf("%s/%s still in progress after its completion", vault, id)
				}
			}
			completed++
		}
	}
	t.Logf("%d uploads completed from their .complete.json", completed)
	if completed == 0 {
		t.Fatal("no upload of the demo vaults had a .complete.json")
	}
}
