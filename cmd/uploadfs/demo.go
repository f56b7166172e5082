package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/faultproxy"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/regions"
)

// runDemo serves the seeded demo tree from an in-process server and mounts
// it in the foreground until Ctrl-C.
func runDemo(c *config) error {
	// The demo always stays attached (registering --foreground reset the
	// value the command began with), so it logs to stderr.
	c.Foreground = true
	if err := clearStale(c.MountPoint); err != nil {
		return err
	}
	if err := os.MkdirAll(c.MountPoint, 0o755); err != nil {
		return err
	}
	log, closeLog, err := newLogger(c)
	if err != nil {
		return err
	}
	defer closeLog()
	d, err := startDemo(c)
	if err != nil {
		return err
	}
	defer d.stop()
	fmt.Fprintf(os.Stderr, "Seeding an in-memory server at %s …\n", c.Endpoint)
	if err := d.seed(context.Background()); err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	}
	mnt := c.MountPoint
	return serve(c, d.b, log, func() { fmt.Print(banner(c, mnt) + d.tour(mnt)) })
}

// clearStale unmounts what a killed demo left on dir: a stale mount
// (ENOTCONN) on which mkdir and every later mount fail.
func clearStale(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, syscall.ENOTCONN) {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "Clearing the stale mount a killed process left at %s …\n", abs)
	return unmount(abs)
}

// demoServer is the embedded server the demo runs: how to seed it, the
// backend over it, the commands to try and how to stop it.
type demoServer struct {
	seed func(context.Context) error
	b    backend
	tour func(mnt string) string
	stop func()
}

// startDemo starts the embedded server the demo needs (S3, or Glacier with
// --glacier) and points c at it.
func startDemo(c *config) (demoServer, error) {
	if c.Glacier {
		srv, err := demo.StartGlacier()
		if err != nil {
			return demoServer{}, err
		}
		c.Endpoint = srv.URL
		return demoServer{
			seed: func(ctx context.Context) error { return demo.SeedGlacier(ctx, srv.Client(), srv.Clock) },
			b:    glacierBackend(c, srv.Client(), srv.Client()),
			tour: glacierTour,
			stop: func() { srv.Close() },
		}, nil
	}
	srv, err := s3server.Start()
	if err != nil {
		return demoServer{}, err
	}
	// gofakes3 keeps no lifecycle configuration: a front answers for it,
	// so that the tree and the report show every coverage.
	front, err := faultproxy.NewLifecycle(srv.URL)
	if err != nil {
		srv.Close()
		return demoServer{}, err
	}
	c.Endpoint, c.PathStyle = front.URL, true
	client := s3.New(srv.Client().Options(), func(o *s3.Options) { o.BaseEndpoint = aws.String(front.URL) })
	one := func() *regions.Router { return regions.Single(client) }
	return demoServer{
		seed: func(ctx context.Context) error {
			if err := demo.Seed(ctx, client, srv.Clock); err != nil {
				return err
			}
			return demo.SeedLifecycles(ctx, client, srv.Clock, front)
		},
		b:    s3Backend(c, one(), one(), nil),
		tour: tour,
		stop: func() { front.Close(); srv.Close() },
	}, nil
}

// banner is the first lines the demo prints once mounted: where, whether
// rmdir aborts, and the report over the same server, to paste (the server
// takes any keys).
func banner(c *config, mnt string) string {
	what, flags := "uploads", "--path-style"
	if c.Glacier {
		what, flags = "Glacier vault uploads", "--glacier"
	}
	how := "read-only"
	if c.AllowAbort {
		how = "with --allow-abort: rmdir of an upload directory aborts the upload"
	}
	return fmt.Sprintf(`
uploadfs demo: in-progress %s mounted at %s, %s
The report of the same server, in another terminal:

  AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo %s report --endpoint-url %s %s
`, what, c.MountPoint, how, os.Args[0], c.Endpoint, flags)
}

// tour is what the demo prints after the banner: commands to paste.
func tour(mnt string) string {
	big := filepath.Join(mnt, "media-uploads", demo.BigKey)
	sparse := filepath.Join(mnt, "media-uploads", demo.SparseKey)
	return fmt.Sprintf(`
And the tree:

  # the buckets, and two uploads of one key
  ls %[1]s
  ls %[2]s
  # the first parts of a 2,600-part upload; a sparse upload (parts 1, 2, 5, 9, 100)
  ls %[2]s/*/ | head
  ls -l %[3]s/*/
  # bytes held by unfinished uploads, per bucket; uploads started over 7 days ago
  du -sb %[1]s/*
  find %[1]s -mindepth 2 -type d -mtime +7
  # an upload's attributes; one part's ETag; a bucket's lifecycle coverage
  getfattr -d %[3]s/*
  getfattr -n user.s3.etag %[3]s/*/00001
  getfattr -d %[1]s/data-lake
  # an odd key, escaped
  find %[1]s/data-lake/exports

Press Ctrl-C here to unmount and stop.
`, mnt, big, sparse)
}

// glacierTour is tour for the vault tree.
func glacierTour(mnt string) string {
	return fmt.Sprintf(`
And the tree:

  # the vaults; two uploads of one, named by upload ID, dated by creation
  ls %[1]s
  ls -l %[1]s/db-backups
  # what each upload is: description, part size, creation date, totals
  getfattr -d %[1]s/db-backups/*
  # the last parts of a 41-part upload (the last one is shorter); a sparse one
  ls -l %[1]s/%[2]s/*/ | tail -3
  ls %[1]s/vm-images/*/
  # one part's byte range and SHA-256 tree hash
  getfattr -d %[1]s/%[2]s/*/00001
  # bytes held by unfinished uploads, per vault; uploads over 7 days old
  du -sb %[1]s/*
  find %[1]s -mindepth 2 -maxdepth 2 -type d -mtime +7

Press Ctrl-C here to unmount and stop.
`, mnt, demo.PhotoVault)
}
