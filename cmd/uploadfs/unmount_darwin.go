package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// unmount unmounts dir, forcing it if it is busy or its server is gone.
func unmount(dir string) error {
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

// forceUnmount unmounts dir even if it is busy.
func forceUnmount(dir string) error { return unix.Unmount(dir, unix.MNT_FORCE) }
