package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// adminGateway is a gateway with one bucket and one upload.
func adminGateway(t *testing.T) *gateway {
	t.Helper()
	g := startGateway(t)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "admin")
	g.aws(t, nil, "s3api", "create-multipart-upload", "--bucket", "admin", "--key", "k")
	return g
}

// The binary called as mount.uploadfs with the argv mount(8) passes, then
// mount(8) itself over a temporary fstab and /sbin/mount.uploadfs link.
func TestMountHelper(t *testing.T) {
	g := adminGateway(t)
	link := filepath.Join(t.TempDir(), "mount.uploadfs")
	if err := os.Symlink(uploadfsBin, link); err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	cmd := exec.Command(link, "s3://admin", mnt, "-o", "rw,nodev,nosuid,_netdev,nofail,x-systemd.automount,endpoint_url="+g.url+",path_style,ttl=30s")
	cmd.Env = g.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mount.uploadfs: %v\n%s", err, out)
	}
	t.Cleanup(func() { unmountForTest(t, mnt) })
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(filepath.Join(mnt, "admin"))); got != "k\n" {
		t.Fatalf("ls: %q", got)
	}
	unmountForTest(t, mnt)

	bad := exec.Command(link, "s3://admin", mnt, "-o", "no_such_option")
	bad.Env = g.env
	out, err := bad.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown option "no_such_option"`) {
		t.Fatalf("a bad option: %v %q", err, out)
	}

	// mount(8) itself, as an fstab line is mounted at boot.
	if os.Geteuid() != 0 {
		t.Skip("mount -T needs root")
	}
	if _, err := os.Lstat("/sbin/mount.uploadfs"); err == nil {
		t.Skip("/sbin/mount.uploadfs exists already; not replacing it")
	}
	if err := os.Symlink(uploadfsBin, "/sbin/mount.uploadfs"); err != nil {
		t.Skipf("cannot link /sbin/mount.uploadfs: %v", err)
	}
	t.Cleanup(func() { os.Remove("/sbin/mount.uploadfs") })
	fstab := filepath.Join(t.TempDir(), "fstab")
	writeFile(t, fstab, "s3://admin "+mnt+" uploadfs endpoint_url="+g.url+",path_style,_netdev,nofail,x-systemd.automount 0 0\n")
	m := exec.Command("mount", "-T", fstab, "-a")
	m.Env = g.env
	if out, err := m.CombinedOutput(); err != nil {
		t.Fatalf("mount -T fstab -a: %v\n%s", err, out)
	}
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(filepath.Join(mnt, "admin"))); got != "k\n" {
		t.Fatalf("ls after mount -a: %q", got)
	}
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
}

// In the foreground under systemd (NOTIFY_SOCKET), the mount says READY=1
// once mounted and STOPPING=1 on the way out.
func TestSystemdNotify(t *testing.T) {
	g := adminGateway(t)
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mnt := t.TempDir()
	cmd := exec.Command(uploadfsBin, "mount", "-f", "--endpoint-url", g.url, "--path-style", mnt)
	cmd.Env = append(g.env, "NOTIFY_SOCKET="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		buf := make([]byte, 512)
		n, err := conn.Read(buf)
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
	if msg := read(); !strings.HasPrefix(msg, "READY=1") || !isMounted(t, mnt) {
		t.Fatalf("first notification %q (mounted: %v), want READY=1 once mounted", msg, isMounted(t, mnt))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if msg := read(); msg != "STOPPING=1" {
		t.Fatalf("notification on SIGTERM: %q", msg)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// A background mount without --log-file logs to syslog: the failed
// listing's line, with bucket, operation and errno, reaches the socket.
func TestLogs(t *testing.T) {
	g := adminGateway(t)
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	env := append(g.env, syslogSocketEnv+"="+sock)
	mnt := t.TempDir()
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "gone-bucket")
	if r := uploadfs(t, env, "mount", "--endpoint-url", g.url, "--path-style", "--bucket", "admin", "--bucket", "gone-bucket", mnt); r.code != 0 {
		t.Fatalf("mount: %+v", r)
	}
	t.Cleanup(func() { unmountForTest(t, mnt) })
	g.aws(t, nil, "s3api", "delete-bucket", "--bucket", "gone-bucket") // the listing will fail
	if out, err := exec.Command("ls", filepath.Join(mnt, "gone-bucket")).CombinedOutput(); err == nil {
		t.Fatalf("ls of a missing bucket: %q", out)
	}
	var lines []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			continue
		}
		lines = append(lines, string(buf[:n]))
		if l := string(buf[:n]); strings.Contains(l, "gone-bucket") {
			if !strings.Contains(l, "uploadfs") || !strings.Contains(l, "op=ListMultipartUploads") || !strings.Contains(l, "errno=") {
				t.Fatalf("syslog line without identifier, operation or errno: %q", l)
			}
			return
		}
	}
	t.Fatalf("no syslog line about the missing bucket; got %q", lines)
}

// --log-format json writes one JSON record a line.
func TestLogFormatJSON(t *testing.T) {
	g := adminGateway(t)
	mnt := t.TempDir()
	logFile := filepath.Join(t.TempDir(), "log")
	if r := uploadfs(t, g.env, "mount", "--endpoint-url", g.url, "--path-style", "--log-format", "json", "--log-file", logFile, mnt); r.code != 0 {
		t.Fatalf("mount: %+v", r)
	}
	unmountForTest(t, mnt)
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil {
			t.Fatalf("not a JSON record: %q (%v)", l, err)
		}
	}
}

// Under mount(8) at boot, HOME and PATH may be unset: the helper mounts
// with the credentials a file names, and without any credentials says
// that HOME is missing instead of a bare "no credentials".
func TestHelperWithoutHomeOrPath(t *testing.T) {
	g := adminGateway(t)
	link := filepath.Join(t.TempDir(), "mount.uploadfs")
	if err := os.Symlink(uploadfsBin, link); err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "credentials")
	writeFile(t, creds, "[default]\naws_access_key_id = "+testAccess+"\naws_secret_access_key = "+testSecret+"\n")
	bare := []string{"AWS_CONFIG_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=us-east-1"}
	helper := func(env []string) (string, error) {
		mnt := t.TempDir()
		cmd := exec.Command(link, "s3://admin", mnt, "-o", "endpoint_url="+g.url+",path_style")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Cleanup(func() { unmountForTest(t, mnt) })
			return shelltest.Sh(t, "ls "+shelltest.Quote(filepath.Join(mnt, "admin"))), nil
		}
		return string(out), err
	}
	if got, err := helper(append(bare, "AWS_SHARED_CREDENTIALS_FILE="+creds)); err != nil || got != "k\n" {
		t.Fatalf("without HOME and PATH, credentials from a file: %v %q", err, got)
	}
	out, err := helper(bare)
	if err == nil || !strings.Contains(out, "HOME is not set") || strings.Count(out, "\n") != 1 {
		t.Fatalf("without HOME, PATH or credentials: %v %q, want one line saying HOME is not set", err, out)
	}
}
