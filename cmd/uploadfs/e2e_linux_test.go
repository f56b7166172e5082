package main

// End-to-end tests: the built uploadfs binary, mounted as a user mounts it,
// over versitygw (a separate S3-compatible server) with uploads created by
// the AWS CLI, checked with ls, stat, find and getfattr against
// `aws s3api list-parts`. `make test` installs versitygw and the AWS CLI and
// sets UPLOADFS_E2E=1, which turns a missing tool into a failure.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gatewaypkg "github.com/uploadfs/uploadfs/internal/gateway"
	"github.com/uploadfs/uploadfs/internal/shelltest"
)

const (
	awsCLI     = "/usr/bin/aws" // Debian's; another aws may come first on PATH
	testAccess = "uploadfs-test"
	testSecret = "uploadfs-test-secret"
)

var uploadfsBin string // the binary under test

func TestMain(m *testing.M) {
	code := func() int {
		bin := os.Getenv("UPLOADFS_BIN")
		if bin == "" {
			dir, err := os.MkdirTemp("", "uploadfs-bin")
			if err != nil {
				panic(err)
			}
			defer os.RemoveAll(dir)
			bin = filepath.Join(dir, "uploadfs")
			if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
				return 1
			}
		}
		uploadfsBin = bin
		return m.Run()
	}()
	os.Exit(code)
}

// versitygwBin returns the path of versitygw: $VERSITYGW, or the one
// `make` builds into bin/.
func versitygwBin(t *testing.T) string {
	t.Helper()
	path := os.Getenv("VERSITYGW")
	if path == "" {
		path, _ = filepath.Abs("../../bin/versitygw")
	}
	return shelltest.NeedFile(t, "versitygw", path)
}

// gateway is a running versitygw on 127.0.0.1.
type gateway struct {
	url  string
	env  []string // for the AWS CLI and uploadfs: keys, path style, region
	data string   // versitygw's posix root ("" for other servers)
}

func startGateway(t *testing.T) *gateway {
	t.Helper()
	data := t.TempDir()
	gw, err := gatewaypkg.Start(versitygwBin(t), testAccess, testSecret, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	cfg := filepath.Join(t.TempDir(), "aws-config")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n"), 0o600)
	return &gateway{
		url:  gw.URL,
		data: data,
		env: append(os.Environ(),
			"AWS_ACCESS_KEY_ID="+testAccess, "AWS_SECRET_ACCESS_KEY="+testSecret,
			"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="),
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	port, err := gatewaypkg.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// aws runs the AWS CLI against the gateway and decodes its JSON output
// into out (if non-nil).
func (g *gateway) aws(t *testing.T, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(shelltest.NeedFile(t, "aws", awsCLI), append([]string{"--endpoint-url", g.url, "--output", "json"}, args...)...)
	cmd.Env = g.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil && stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stdout.String())
		}
	}
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

// uploadfs runs the binary with env and args, bounded in time.
func uploadfs(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, uploadfsBin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("uploadfs %s: hung", strings.Join(args, " "))
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// mount mounts the gateway on a fresh directory in the background, as a
// user would, and unmounts it when the test ends.
func (g *gateway) mount(t *testing.T, extra ...string) string {
	t.Helper()
	mnt := t.TempDir()
	args := append([]string{"mount", "--endpoint-url", g.url, "--path-style"}, extra...)
	r := uploadfs(t, g.env, append(args, mnt)...)
	if r.code != 0 {
		t.Fatalf("mount: exit %d: %s", r.code, r.stderr)
	}
	t.Cleanup(func() { unmountForTest(t, mnt) })
	return mnt
}

func unmountForTest(t *testing.T, mnt string) {
	if r := uploadfs(t, nil, "unmount", mnt); r.code != 0 && !strings.Contains(r.stderr, "not mounted") {
		t.Logf("unmount %s: %s", mnt, r.stderr)
		syscall.Unmount(mnt, syscall.MNT_DETACH)
	}
}
