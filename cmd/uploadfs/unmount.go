package main

import (
	"fmt"
	"path/filepath"
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
