package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

func unmountCmd(args []string) error {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		return fmt.Errorf("%w: unmount takes one MOUNTPOINT", errUsage)
	}
	dir, err := filepath.Abs(args[0])
	if err != nil {
		return err
	}
	return unmount(dir)
}

// unmount unmounts dir: plainly if it can, else by force — a stale mount
// of a killed process, or one still in use (see forceUnmount).
func unmount(dir string) error {
	err := plainUnmount(dir)
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
