package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// A --debug run against a real server logs every request, and never the
// secret key.
func TestDebugRunLogsNoSecret(t *testing.T) {
	g := startGateway(t)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "sec-bucket")
	var up cliUpload
	g.aws(t, &up, "s3api", "create-multipart-upload", "--bucket", "sec-bucket", "--key", "k")
	logFile := filepath.Join(t.TempDir(), "debug.log")
	mnt := g.mount(t, "--debug", "--log-file", logFile)
	shelltest.Sh(t, "ls -lR "+shelltest.Quote(mnt)+" >/dev/null; getfattr -R -d "+shelltest.Quote(mnt)+" >/dev/null 2>&1; true")
	unmountForTest(t, mnt)
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	if !strings.Contains(log, "s3 ListParts") || !strings.Contains(log, "s3 ListMultipartUploads") {
		t.Fatalf("the debug log has no S3 requests:\n%.2000s", log)
	}
	if strings.Contains(log, testSecret) {
		t.Fatal("the debug log contains the secret key")
	}
}

// Without --allow-other only the mounting user gets in; with it, others do,
// and the kernel checks permissions (default_permissions).
func TestAllowOther(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a command as another user")
	}
	g := startGateway(t)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "shared-bucket")
	asNobody := func(mnt string) (string, error) {
		cmd := exec.Command("ls", mnt)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// The mount points must be reachable by another user.
	base, err := os.MkdirTemp("", "uploadfs-shared")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	os.Chmod(base, 0o755)
	for _, allow := range []bool{false, true} {
		mnt := filepath.Join(base, map[bool]string{false: "private", true: "shared"}[allow])
		os.Mkdir(mnt, 0o755)
		args := []string{"mount", "--endpoint-url", g.url, "--path-style", mnt}
		if allow {
			args = append(args, "--allow-other")
		}
		if r := uploadfs(t, g.env, args...); r.code != 0 {
			t.Fatalf("mount: %+v", r)
		}
		out, err := asNobody(mnt)
		mounts, _ := os.ReadFile("/proc/self/mounts")
		unmountForTest(t, mnt)
		for _, line := range strings.Split(string(mounts), "\n") {
			if strings.Contains(line, " "+mnt+" ") && allow != (strings.Contains(line, "default_permissions") && strings.Contains(line, "allow_other")) {
				t.Fatalf("mount options: %s", line)
			}
		}
		switch {
		case !allow && (err == nil || !strings.Contains(out, "Permission denied")):
			t.Fatalf("without --allow-other another user got in: %q %v", out, err)
		case allow && (err != nil || !strings.Contains(out, "shared-bucket")):
			t.Fatalf("with --allow-other another user was refused: %q %v", out, err)
		}
	}
}
