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

// unmount unmounts dir: plainly if it can, else lazily (a stale mount of a
// killed process, or one still in use, which then disappears when the last
// file is closed). Root calls umount2; other users need fusermount3.
func unmount(dir string) error {
	if os.Geteuid() != 0 {
		if err := fusermount(dir, "-u"); err == nil {
			return nil
		}
		return fusermount(dir, "-uz")
	}
	err := unix.Unmount(dir, 0)
	if err == nil {
		return nil
	}
	if errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("%s is not mounted", dir)
	}
	if err := forceUnmount(dir); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// forceUnmount detaches dir now even if it is busy or its server is gone.
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
