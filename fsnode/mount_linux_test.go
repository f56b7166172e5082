package fsnode

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/listing"
)

// TestMain clears mounts that an earlier, killed test binary of this
// package left under its temporary directory: a `go test -timeout` panic
// skips every cleanup. The directory is this package's own, so that the
// sweep never touches the mounts of another package's tests running at the
// same time (the end-to-end tests make stale mounts on purpose).
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelper(os.Args[1:]))
	}
	tmp := filepath.Join(os.TempDir(), "uploadfs-fsnode-tests")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		panic(err)
	}
	os.Setenv("TMPDIR", tmp)
	sweepStaleMounts(tmp)
	os.Exit(m.Run())
}

func sweepStaleMounts(tmp string) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 2 && fields[2] == "fuse.uploadfs" && strings.HasPrefix(fields[1], tmp) {
			if _, err := os.Stat(fields[1]); errors.Is(err, syscall.ENOTCONN) {
				syscall.Unmount(fields[1], syscall.MNT_DETACH)
			}
		}
	}
}

// mountTest mounts a tree over lister in a temporary directory and
// unmounts it when the test ends, forcing it if something still holds it.
func mountTest(t *testing.T, o Options) string {
	t.Helper()
	dir := t.TempDir()
	if o.TTL == 0 {
		o.TTL = time.Minute
	}
	server, err := Mount(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := server.Unmount(); err != nil {
			t.Logf("unmount: %v; forcing", err)
			if err := syscall.Unmount(dir, syscall.MNT_FORCE); err != nil {
				syscall.Unmount(dir, syscall.MNT_DETACH)
			}
		}
	})
	return dir
}

// seeded starts a demo server with the demo tree and mounts it.
func seeded(t *testing.T) (*s3server.Server, string) {
	t.Helper()
	srv := startServer(t)
	if err := demo.Seed(context.Background(), srv.Client(), srv.Clock); err != nil {
		t.Fatal(err)
	}
	return srv, mountTest(t, Options{Lister: listing.NewS3(srv.Client())})
}

// startServer starts an in-process S3 server, closed when the test ends.
func startServer(t *testing.T) *s3server.Server {
	t.Helper()
	srv, err := s3server.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// createBucket creates bucket; one that exists already is no error.
func createBucket(t *testing.T, c *s3.Client, bucket string) {
	t.Helper()
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyExists") {
		t.Fatal(err)
	}
}

// startProxy puts a fault proxy in front of url, closed when the test ends.
func startProxy(t *testing.T, url string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// sh runs a shell command line the way a user would and returns its
// combined output and exit error.
func sh(t *testing.T, cmdline string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", cmdline).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s: hung", cmdline)
	}
	return string(out), err
}

// mustSh is sh for commands that must succeed.
func mustSh(t *testing.T, cmdline string) string {
	t.Helper()
	out, err := sh(t, cmdline)
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, out)
	}
	return out
}

func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("UPLOADFS_E2E") != "" {
			t.Fatalf("%s is not installed (make test installs it)", name)
		}
		t.Skipf("%s is not installed; make test installs it", name)
	}
}

func quote(p string) string { return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'" }

func join(elem ...string) string { return filepath.Join(elem...) }
