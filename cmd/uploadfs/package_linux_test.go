package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make package builds a .deb with the binary, the mount(8) helper link, the
// man page, the completions and the example unit.
func TestPackage(t *testing.T) {
	if os.Getenv("UPLOADFS_E2E") == "" {
		t.Skip("make test builds the package (it runs nfpm through go run)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// (A binary of its own: the other tests run ./bin/uploadfs meanwhile.)
	if out, err := exec.Command("make", "-C", root, "package", "BIN="+t.TempDir()).CombinedOutput(); err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(root, "dist", "uploadfs_*_*.deb"))
	if len(debs) == 0 {
		t.Fatal("no dist/uploadfs_<version>_<arch>.deb")
	}
	out, err := exec.Command("dpkg-deb", "-c", debs[len(debs)-1]).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb -c: %v\n%s", err, out)
	}
	for _, want := range []string{
		"./usr/bin/uploadfs", "./sbin/mount.uploadfs -> /usr/bin/uploadfs", "./usr/share/man/man8/uploadfs.8.gz",
		"./usr/share/bash-completion/completions/uploadfs", "./usr/share/zsh/vendor-completions/_uploadfs",
		"./usr/share/fish/vendor_completions.d/uploadfs.fish", "./usr/share/doc/uploadfs/examples/uploadfs.service",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the package lacks %s:\n%s", want, out)
		}
	}
}
