package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// plainUnmount is umount2 for root, fusermount3 -u for other users.
func plainUnmount(dir string) error {
	if os.Geteuid() != 0 {
		return fusermount(dir, "-u")
	}
	return unix.Unmount(dir, 0)
}

// forceUnmount detaches dir lazily: it disappears now for new users, and
// for good when the last open file is closed, even if its server is gone.
func forceUnmount(dir string) error {
	if os.Geteuid() != 0 {
		return fusermount(dir, "-uz")
	}
	return unix.Unmount(dir, unix.MNT_DETACH)
}

func fusermount(dir, flag string) error {
	var stderr bytes.Buffer
	cmd := exec.Command("fusermount3", flag, dir)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return errors.New(msg)
		}
		return fmt.Errorf("fusermount3 %s %s: %w", flag, dir, err)
	}
	return nil
}
