package main

import (
	"archive/zip"
	"errors"
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

// `go install github.com/uploadfs/uploadfs/cmd/uploadfs@latest`, as the
// README says, through a module proxy that serves this tree as v0.0.1 (a
// directory proxy first, the usual one after it for the dependencies):
// it builds, and `uploadfs version` says v0.0.1.
func TestGoInstall(t *testing.T) {
	if os.Getenv("UPLOADFS_E2E") == "" {
		t.Skip("make test runs it (it builds the module as go install does)")
	}
	const module, version = "github.com/uploadfs/uploadfs", "v0.0.1"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	proxy := t.TempDir()
	dir := filepath.Join(proxy, module, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, name := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(module + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := errors.Join(zw.Close(), zf.Close()); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, version+".mod"), string(gomod))
	writeFile(t, filepath.Join(dir, version+".info"), `{"Version":"`+version+`","Time":"2026-11-30T00:00:00Z"}`)
	writeFile(t, filepath.Join(dir, "list"), version+"\n")

	upstream, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatal(err)
	}
	gobin := t.TempDir()
	install := exec.Command("go", "install", module+"/cmd/uploadfs@latest")
	install.Dir = t.TempDir() // outside this module
	install.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-buildvcs=false",
		"GOPROXY=file://"+proxy+","+strings.TrimSpace(string(upstream)), "GONOSUMDB="+module)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install %s/cmd/uploadfs@latest: %v\n%s", module, err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "uploadfs"), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), version) {
		t.Fatalf("uploadfs version: %v %q, want %s", err, out, version)
	}
}
