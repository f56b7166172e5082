package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// checkMountPoint refuses a directory that cannot take a fresh mount, with
// a message that says what to do.
func checkMountPoint(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, syscall.ENOTCONN):
		return fmt.Errorf("%s is a stale mount left by a process that died; clear it with: uploadfs unmount %s", dir, dir)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("mount point %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("mount point: %w", err)
	case !st.IsDir():
		return fmt.Errorf("mount point %s is not a directory", dir)
	}
	if mounted, err := isMountPoint(dir); err != nil {
		return fmt.Errorf("mount point: %w", err)
	} else if mounted && mountedType(dir) != "autofs" {
		// (An autofs trigger is what x-systemd.automount puts there:
		// this mount is what it waits for.)
		return fmt.Errorf("%s is already a mount point; unmount it first: uploadfs unmount %s", dir, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("mount point: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("mount point %s is not empty", dir)
	}
	return nil
}

// isMountPoint reports whether something is mounted on dir: its device
// differs from its parent's (mounting again would stack a second mount).
func isMountPoint(dir string) (bool, error) {
	var self, parent unix.Stat_t
	if err := unix.Stat(dir, &self); err != nil {
		return false, err
	}
	if err := unix.Stat(filepath.Dir(dir), &parent); err != nil {
		return false, err
	}
	return self.Dev != parent.Dev || self.Ino == parent.Ino, nil
}
