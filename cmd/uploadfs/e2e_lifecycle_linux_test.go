package main

import (
	"path/filepath"
	"testing"

	"github.com/uploadfs/uploadfs/internal/shelltest"
)

// versitygw v1.8.0 answers GetBucketLifecycleConfiguration NotImplemented:
// a server that aborts nothing, which the built binary's bucket directory
// says as "none" (and the walk before it asked nothing of the kind).
func TestLifecycleEndToEnd(t *testing.T) {
	shelltest.Need(t, "getfattr")
	g := startGateway(t)
	g.aws(t, nil, "s3api", "create-bucket", "--bucket", "rules")
	g.aws(t, nil, "s3api", "create-multipart-upload", "--bucket", "rules", "--key", "k")
	mnt := g.mount(t)
	shelltest.Sh(t, "ls -lR "+shelltest.Quote(mnt))
	if got := shelltest.Sh(t, "getfattr --absolute-names --only-values -n user.s3.lifecycle "+shelltest.Quote(filepath.Join(mnt, "rules"))); got != "none" {
		t.Fatalf("user.s3.lifecycle = %q, want none", got)
	}
	if got := shelltest.Sh(t, "getfattr --absolute-names -d "+shelltest.Quote(filepath.Join(mnt, "rules"))); got != "# file: "+filepath.Join(mnt, "rules")+"\nuser.s3.lifecycle=\"none\"\n\n" {
		t.Fatalf("getfattr -d:\n%s", got)
	}
}
