package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/uploadfs/uploadfs/demo"
	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/regions"
)

// runDemo serves the seeded demo tree from an in-process server and mounts
// it in the foreground until Ctrl-C.
func runDemo(c *config) error {
	if err := os.MkdirAll(c.MountPoint, 0o755); err != nil {
		return err
	}
	log, closeLog, err := newLogger(c)
	if err != nil {
		return err
	}
	defer closeLog()
	mnt := c.MountPoint
	seed, b, onReady, stop, err := startDemo(c)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(os.Stderr, "Seeding an in-memory server at %s …\n", c.Endpoint)
	if err := seed(context.Background()); err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	}
	return serve(c, b, log, func() { fmt.Print(onReady(mnt, c.MountPoint)) })
}

// startDemo starts the embedded server the demo needs (S3, or Glacier with
// --glacier) and points c at it. It returns how to seed it, the backend
// over it, the tour to print and how to stop it.
func startDemo(c *config) (seed func(context.Context) error, b backend, tourOf func(mnt, abs string) string, stop func() error, err error) {
	if c.Glacier {
		srv, err := demo.StartGlacier()
		if err != nil {
			return nil, b, nil, nil, err
		}
		c.Endpoint = srv.URL
		seed = func(ctx context.Context) error { return demo.SeedGlacier(ctx, srv.Client(), srv.Clock) }
		return seed, glacierBackend(c, srv.Client(), srv.Client()), glacierTour, srv.Close, nil
	}
	srv, err := s3server.Start()
	if err != nil {
		return nil, b, nil, nil, err
	}
	c.Endpoint = srv.URL
	seed = func(ctx context.Context) error { return demo.Seed(ctx, srv.Client(), srv.Clock) }
	one := func() *regions.Router { return regions.Single(srv.Client()) }
	return seed, s3Backend(c, one(), one(), nil), tour, srv.Close, nil
}

// tour is what the demo prints once mounted: commands to paste.
func tour(mnt, abs string) string {
	big := filepath.Join(mnt, "media-uploads", demo.BigKey)
	sparse := filepath.Join(mnt, "media-uploads", demo.SparseKey)
	return fmt.Sprintf(`
uploadfs demo: in-progress uploads mounted read-only at %[1]s
In another terminal, try:

  # the buckets, and two uploads of one key
  ls %[2]s
  ls %[3]s
  # the first parts of a 2,600-part upload; a sparse upload (parts 1, 2, 5, 9, 100)
  ls %[3]s/*/ | head
  ls -l %[4]s/*/
  # bytes held by unfinished uploads, per bucket; uploads started over 7 days ago
  du -sb %[2]s/*
  find %[2]s -mindepth 2 -type d -mtime +7
  # an upload's attributes; one part's ETag
  getfattr -d %[4]s/*
  getfattr -n user.s3.etag %[4]s/*/00001
  # an odd key, escaped
  find %[2]s/data-lake/exports

Press Ctrl-C here to unmount and stop.
`, abs, mnt, big, sparse)
}

// glacierTour is tour for the vault tree.
func glacierTour(mnt, abs string) string {
	return fmt.Sprintf(`
uploadfs demo --glacier: in-progress Glacier vault uploads mounted read-only at %[1]s
In another terminal, try:

  # the vaults; two uploads of one, named by upload ID, dated by creation
  ls %[2]s
  ls -l %[2]s/db-backups
  # what each upload is: description, part size, creation date, totals
  getfattr -d %[2]s/db-backups/*
  # the last parts of a 41-part upload (the last one is shorter); a sparse one
  ls -l %[2]s/%[3]s/*/ | tail -3
  ls %[2]s/vm-images/*/
  # one part's byte range and SHA-256 tree hash
  getfattr -d %[2]s/%[3]s/*/00001
  # bytes held by unfinished uploads, per vault; uploads over 7 days old
  du -sb %[2]s/*
  find %[2]s -mindepth 2 -maxdepth 2 -type d -mtime +7

Press Ctrl-C here to unmount and stop.
`, abs, mnt, demo.PhotoVault)
}
