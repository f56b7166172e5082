package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/uploadfs/uploadfs/demo"
)

// demoCmd serves the seeded demo tree from an in-process server and mounts
// it in the foreground until Ctrl-C.
func demoCmd(args []string) error {
	c := &config{Foreground: true}
	flags := newMountFlags(c, os.Stderr)
	pos, err := parseArgs(flags, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		c.MountPoint = "mnt"
	case 1:
		c.MountPoint = pos[0]
	default:
		return fmt.Errorf("%w: demo takes at most one MOUNTPOINT", errUsage)
	}
	if err := os.MkdirAll(c.MountPoint, 0o755); err != nil {
		return err
	}
	log, closeLog, err := newLogger(c)
	if err != nil {
		return err
	}
	defer closeLog()
	mnt := c.MountPoint
	if c.Glacier {
		return demoGlacier(c, mnt, log)
	}
	srv, err := demo.Start()
	if err != nil {
		return err
	}
	defer srv.Close()
	c.Endpoint = srv.URL
	fmt.Fprintf(os.Stderr, "Seeding an in-memory S3 server at %s …\n", srv.URL)
	if err := demo.Seed(context.Background(), srv.Client(), srv.Clock); err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	}
	b := s3Backend(c, srv.Client(), srv.Client())
	return serve(c, b, log, func() { fmt.Print(tour(mnt, c.MountPoint)) })
}

// demoGlacier is the demo of --glacier: a seeded vault tree.
func demoGlacier(c *config, mnt string, log *slog.Logger) error {
	srv, err := demo.StartGlacier()
	if err != nil {
		return err
	}
	defer srv.Close()
	c.Endpoint = srv.URL
	fmt.Fprintf(os.Stderr, "Seeding an in-memory Glacier server at %s …\n", srv.URL)
	if err := demo.SeedGlacier(context.Background(), srv.Client(), srv.Clock); err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	}
	b := glacierBackend(c, srv.Client(), srv.Client())
	return serve(c, b, log, func() { fmt.Print(glacierTour(mnt, c.MountPoint)) })
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
