package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/fsnode"
	"github.com/uploadfs/uploadfs/listing"
	"github.com/uploadfs/uploadfs/regions"
)

// readyEnv names the file descriptor on which a background child reports
// "ok" or its error to the parent that started it.
const readyEnv = "UPLOADFS_READY_FD"

// probeTimeout and probeAttempts bound the checks made before mounting.
const (
	probeTimeout  = 30 * time.Second
	probeAttempts = 2
)

// runMount mounts as c says: in the background (the default) by starting
// this program again in the foreground and waiting for its mount, else
// here.
func runMount(c *config) error {
	if !c.Foreground && os.Getenv(readyEnv) == "" {
		return background(mountArgs)
	}
	log, closeLog, err := newLogger(c)
	if err != nil {
		return err
	}
	defer closeLog()
	b, err := newBackend(context.Background(), c, log)
	if err != nil {
		ready(err)
		return err
	}
	return serve(c, b, log, nil)
}

// leaveSession detaches a background child from its caller's session and
// terminal once it has mounted, before its parent returns; not earlier. While an autofs trigger on
// the mount point (x-systemd.automount) waits for its mount, the kernel
// lets only the automount daemon's process group through the mount point,
// and the mount it started (mount(8), then this program) runs in that
// group: a child in a session of its own would wait, in its own stat and
// mount(2), for the very mount it is making.
func leaveSession(log *slog.Logger) {
	if _, err := unix.Setsid(); err != nil {
		log.Warn("cannot leave the caller's session", "err", err)
	}
}

// backend is what a mount serves: an S3 or a Glacier lister, and the probe
// that checks the server before mounting.
type backend struct {
	s3       *listing.S3
	glacier  *listing.Glacier
	accounts []fsnode.Account // a level of accounts (accounts.go)
	probe    func(context.Context) error
}

// newBackend builds the lister the flags ask for. The probe goes through a
// client of its own that fails fast: a wrong endpoint is an answer the
// user waits for at the prompt, not worth the mount's full retries.
func newBackend(ctx context.Context, c *config, log *slog.Logger) (backend, error) {
	if c.manyAccounts() {
		// ListAccounts (or each profile's identity) was the probe; an
		// account that cannot be reached is a directory failing EACCES.
		as, err := mountAccounts(ctx, c, log)
		return backend{accounts: as, probe: func(context.Context) error { return nil }}, err
	}
	cfg, err := loadConfig(ctx, c)
	if err != nil {
		return backend{}, err
	}
	quick := cfg.Copy()
	quick.Retryer = func() aws.Retryer { return retry.AddWithMaxAttempts(cfg.Retryer(), probeAttempts) }
	if c.Glacier {
		return glacierBackend(c, newGlacierClient(cfg, c, log), newGlacierClient(quick, c, log)), nil
	}
	client, custom := newS3Client(cfg, c, log)
	quickClient, _ := newS3Client(quick, c, log)
	return s3Backend(c, client, quickClient, c.directoryRegions(custom)), nil
}

// s3Backend lists through client, and probes through quick; directory
// buckets are listed in dirRegions.
func s3Backend(c *config, client, quick *regions.Router, dirRegions []string) backend {
	lister, prober := newS3Lister(c, client, dirRegions), newS3Lister(c, quick, dirRegions)
	probe := probeWith(c, prober.Buckets, prober.CheckBucket)
	return backend{s3: lister, probe: func(ctx context.Context) error {
		err := probe(ctx)
		client.Adopt(quick) // what the probe learned costs the mount nothing
		return err
	}}
}

// newS3Lister sets a lister up with the flags' request options.
func newS3Lister(c *config, api listing.S3API, dirRegions []string) *listing.S3 {
	l := listing.NewS3(api)
	l.Concurrency = c.ListConcurrency
	l.DirectoryRegions = dirRegions
	l.RequestPayer = c.RequestPayer
	l.ExpectedBucketOwner = c.ExpectedBucketOwner
	return l
}

func glacierBackend(c *config, client, quick *glacier.Client) backend {
	prober := listing.NewGlacier(quick, c.AccountID)
	return backend{glacier: listing.NewGlacier(client, c.AccountID), probe: probeWith(c, prober.Vaults, prober.CheckVault)}
}

// probeWith makes one cheap call per bucket (vault) named on the command
// line, or lists them all, so that a wrong endpoint, bad credentials or a
// missing bucket are one clear line now instead of EIO in every `ls` later.
func probeWith(c *config, all func(context.Context) ([]listing.Bucket, error), check func(context.Context, string) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if len(c.Buckets) == 0 {
			_, err := all(ctx)
			return explain(err, c, "")
		}
		for _, b := range c.Buckets {
			if err := check(ctx, b); err != nil {
				return explain(err, c, b)
			}
		}
		return nil
	}
}

// background re-executes this program in the foreground, detached from the
// terminal, and waits until it reports the mount ready or fails; a Go
// program cannot fork. The child's error is printed here, by the parent.
func background(args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(exe, append([]string{"mount"}, args...)...)
	cmd.Env = append(os.Environ(), readyEnv+"=3")
	cmd.ExtraFiles = []*os.File{w} // fd 3
	// The child stays in this process group until it has mounted (then
	// leaveSession): see there.
	// stdin, stdout and stderr stay /dev/null: a child holding the caller's
	// pipes would keep `$(uploadfs mount …)` waiting forever.
	if err := cmd.Start(); err != nil {
		w.Close()
		return err
	}
	w.Close()
	msg, _ := io.ReadAll(bufio.NewReader(r))
	s := strings.TrimSpace(string(msg))
	for {
		note, rest, ok := strings.Cut(s, "\n")
		if !ok || !strings.HasPrefix(note, noteMark) {
			break
		}
		fmt.Fprintf(os.Stderr, "uploadfs: %s\n", strings.TrimPrefix(note, noteMark))
		s = rest
	}
	switch {
	case s == "ok":
		return cmd.Process.Release()
	case s != "":
		return errors.New(s)
	default:
		return fmt.Errorf("the mount process exited: %v", cmd.Wait())
	}
}

// noteMark begins a line a background child sends its parent before its
// "ok": something the user should read (where the log goes).
const noteMark = "note: "

// ready tells a waiting parent the outcome, if there is one.
func ready(err error) {
	fd := os.Getenv(readyEnv)
	if fd == "" {
		return
	}
	os.Unsetenv(readyEnv)
	f := os.NewFile(3, "ready")
	if f == nil {
		return
	}
	defer f.Close()
	if err != nil {
		fmt.Fprintln(f, err)
		return
	}
	if logNote != "" {
		fmt.Fprintln(f, noteMark+logNote)
	}
	fmt.Fprintln(f, "ok")
}

// serve checks the mount point and the server (b.probe), mounts b's
// lister, calls onReady (if set), and stays until the file system is
// unmounted or a signal asks for it.
func serve(c *config, b backend, log *slog.Logger, onReady func()) error {
	// Signals are caught before mounting: the mount appears in the mount
	// table before go-fuse has finished with it (it holds a file open on
	// it), and a process killed then by the default action would block for
	// ever in exit, flushing that file to the server it no longer runs. A
	// signal that comes while mounting is handled once the mount is up.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	server, err := mountReady(c, b, log)
	if err == nil && os.Getenv(readyEnv) != "" {
		leaveSession(log)
	}
	ready(err)
	if err != nil {
		return err
	}
	log.Info("mounted", "mountpoint", c.MountPoint, "allow-abort", c.AllowAbort)
	sdNotify("READY=1\nSTATUS=mounted on " + c.MountPoint)
	defer sdNotify("STOPPING=1")
	if onReady != nil {
		onReady()
	}
	done := make(chan struct{})
	go func() { server.Wait(); close(done) }()
	// Every way out logs the same pair of lines, "unmounting" (and why)
	// then "unmounted".
	select {
	case <-done:
		log.Info("unmounting", "by", "an unmount from outside (uploadfs unmount, fusermount3 -u, umount)")
	case sig := <-sigs:
		log.Info("unmounting", "signal", sig.String())
		if err := server.Unmount(); err != nil {
			// Something holds a file or directory open. Detach lazily: the
			// mount disappears now for new users and when the last one closes.
			log.Warn("mount busy, detaching lazily", "err", err)
			if err := forceUnmount(c.MountPoint); err != nil {
				return fmt.Errorf("unmount %s: %w", c.MountPoint, err)
			}
		}
	}
	log.Info("unmounted", "mountpoint", c.MountPoint)
	return nil
}

func mountReady(c *config, b backend, log *slog.Logger) (*fuse.Server, error) {
	dir, err := filepath.Abs(c.MountPoint)
	if err != nil {
		return nil, err
	}
	c.MountPoint = dir
	if err := checkMountPoint(dir); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	if err := b.probe(ctx); err != nil {
		return nil, err
	}
	o := fsnode.Options{
		Buckets:      c.Buckets,
		TTL:          c.TTL,
		CacheEntries: c.CacheEntries,
		Timeout:      c.Timeout,
		Prefetch:     prefetchOption(c.Prefetch),
		UID:          c.UID,
		GID:          c.GID,
		AllowOther:   c.AllowOther,
		AllowAbort:   c.AllowAbort,
		AbortMinAge:  max(c.AbortMinAge, time.Nanosecond), // 0 on the command line: any age; 0 to fsnode: its default
		Debug:        c.Debug,
		Logger:       log,
	}
	// (A nil *listing.S3 in the interface would not be nil.)
	switch {
	case b.accounts != nil:
		o.Accounts = b.accounts
	case b.glacier != nil:
		o.Vaults = b.glacier
	default:
		o.Lister = b.s3
	}
	return fsnode.Mount(dir, o)
}

// prefetchOption turns --prefetch (0: off) into fsnode's (negative: off).
func prefetchOption(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// explain turns a probe failure (about bucket, or vault, if not "") into
// the one line the user sees.
func explain(err error, c *config, bucket string) error {
	where, noun, service := c.Endpoint, "bucket", "S3"
	if c.Glacier {
		noun, service = "vault", "Glacier"
	}
	if where == "" {
		where = service
	}
	switch {
	case err == nil:
		return nil
	case bucket != "" && errors.Is(err, listing.ErrNotFound):
		return fmt.Errorf("%s %q does not exist at %s", noun, bucket, where)
	case errors.Is(err, listing.ErrWrongRegion):
		return fmt.Errorf("%s %q is in another region and %s did not say which (try --region): %v", noun, bucket, where, err)
	case errors.Is(err, listing.ErrAccessDenied):
		return fmt.Errorf("access denied by %s (check the credentials, profile and region): %v", where, err)
	case errors.Is(err, listing.ErrUnavailable):
		return fmt.Errorf("cannot reach %s: %v", where, err)
	default:
		return fmt.Errorf("%s answered unexpectedly: %v", where, err)
	}
}
