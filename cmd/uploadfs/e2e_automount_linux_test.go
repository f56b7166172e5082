package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The autofs protocol as systemd's automount units speak it (linux/auto_fs.h).
const (
	autofsPacketSize    = 304 // sizeof(union autofs_v5_packet_union)
	autofsMissingDirect = 5   // autofs_ptype_missing_direct
	autofsIocReady      = 0x9360
	autofsIocFail       = 0x9361
	autofsIocCatatonic  = 0x9362
)

// x-systemd.automount for real: an autofs direct trigger on the mount
// point, served by the test the way systemd serves it: when a program
// (here in a session of its own, as at boot) first goes in, the mount
// helper is started in the daemon's process group, the only one the
// trigger lets through while it waits, and the program is released with
// AUTOFS_IOC_READY once the helper has exited. The helper must neither
// take the trigger for a mount already there nor wait on it (its
// background child must not leave the group before it has mounted).
func TestAutomount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("autofs needs root")
	}
	g := adminGateway(t)
	link := filepath.Join(t.TempDir(), "mount.uploadfs")
	if err := os.Symlink(uploadfsBin, link); err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	pipe := os.NewFile(uintptr(p[0]), "autofs packets")
	defer pipe.Close()
	opts := fmt.Sprintf("fd=%d,pgrp=%d,minproto=5,maxproto=5,direct", p[1], unix.Getpgrp())
	err := unix.Mount("uploadfs-test", mnt, "autofs", 0, opts)
	unix.Close(p[1]) // the kernel holds its own reference
	if err != nil {
		t.Skipf("cannot mount autofs here: %v", err)
	}
	// Opened by the daemon's process group: does not trigger.
	ioctlFd, err := unix.Open(mnt, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Unmount(mnt, unix.MNT_DETACH)
		t.Fatal(err)
	}
	defer func() {
		unmountForTest(t, mnt)
		unix.Syscall(unix.SYS_IOCTL, uintptr(ioctlFd), autofsIocCatatonic, 0)
		unix.Close(ioctlFd)
		unix.Unmount(mnt, unix.MNT_DETACH)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		buf := make([]byte, autofsPacketSize)
		if _, err := pipe.Read(buf); err != nil {
			served <- err
			return
		}
		typ, token := binary.NativeEndian.Uint32(buf[4:]), binary.NativeEndian.Uint32(buf[8:])
		if typ != autofsMissingDirect {
			served <- fmt.Errorf("autofs packet of type %d", typ)
			unix.Syscall(unix.SYS_IOCTL, uintptr(ioctlFd), autofsIocFail, uintptr(token))
			return
		}
		helper := exec.CommandContext(ctx, link, "s3://admin", mnt, "-o",
			"rw,_netdev,nofail,x-systemd.automount,x-systemd.idle-timeout=60,endpoint_url="+g.url+",path_style")
		helper.Env = g.env
		out, err := helper.CombinedOutput()
		if err != nil {
			unix.Syscall(unix.SYS_IOCTL, uintptr(ioctlFd), autofsIocFail, uintptr(token))
			served <- fmt.Errorf("mount helper under the trigger: %v\n%s", err, out)
			return
		}
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(ioctlFd), autofsIocReady, uintptr(token))
		if errno != 0 {
			served <- fmt.Errorf("AUTOFS_IOC_READY: %v", errno)
			return
		}
		served <- nil
	}()

	// A program in its own session goes in, as at boot.
	ls := exec.CommandContext(ctx, "ls", filepath.Join(mnt, "admin"))
	ls.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, lsErr := ls.CombinedOutput()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the automount was never served: the mount helper waits on the trigger it is serving")
	}
	if lsErr != nil || string(out) != "k\n" {
		t.Fatalf("ls through the automount: %v %q", lsErr, out)
	}
	if typ := mountedType(mnt); typ != "fuse.uploadfs" && typ != "fuse" {
		t.Fatalf("on the mount point after the automount: %q", typ)
	}
}
