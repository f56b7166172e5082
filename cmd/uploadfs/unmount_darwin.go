package main

import "golang.org/x/sys/unix"

func plainUnmount(dir string) error { return unix.Unmount(dir, 0) }

// forceUnmount unmounts dir even if it is busy or its server is gone.
func forceUnmount(dir string) error { return unix.Unmount(dir, unix.MNT_FORCE) }
