package fsnode

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/uploadfs/uploadfs/internal/s3server"
	"github.com/uploadfs/uploadfs/internal/shelltest"
	"github.com/uploadfs/uploadfs/listing"
)

// A mount over accounts has a directory per account holding its buckets,
// the account's name in user.s3.account-name; an account that cannot be
// reached is a directory failing with EACCES, logged once, and asked
// again only after the TTL.
func TestMountAccounts(t *testing.T) {
	a, b := s3server.StartT(t), s3server.StartT(t)
	createBucket(t, a.Client(), "alpha-logs")
	createBucket(t, b.Client(), "beta-media")
	if _, err := s3server.CreateUpload(t.Context(), b.Client(), "beta-media", "clip", []int32{1, 2}, func(int32) int { return 100 }); err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int64
	logs := &syncBuffer{}
	dir := mountTest(t, Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Accounts: []Account{
		{ID: "222222222222", Name: "beta", Lister: listing.NewS3(b.Client())},
		{ID: "111111111111", Name: "alpha", Lister: listing.NewS3(a.Client())},
		{ID: "333333333333", Name: "gone", Lister: listing.NewS3(a.Client()), Reach: func(context.Context) error {
			asked.Add(1)
			return errors.New("AssumeRole: AccessDenied")
		}},
	}})
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(dir)); got != "111111111111\n222222222222\n333333333333\n" {
		t.Fatalf("ls: %q", got)
	}
	if got := shelltest.Sh(t, "ls "+shelltest.Quote(join(dir, "111111111111"))+" "+shelltest.Quote(join(dir, "222222222222", "beta-media", "clip"))); !strings.Contains(got, "alpha-logs") {
		t.Errorf("accounts' buckets: %q", got)
	}
	if got := shelltest.Sh(t, "du -sb "+shelltest.Quote(join(dir, "222222222222"))); !strings.HasPrefix(got, "200\t") {
		t.Errorf("du of an account: %q", got)
	}
	buf := make([]byte, 64)
	n, err := unix.Getxattr(join(dir, "111111111111"), "user.s3.account-name", buf)
	if err != nil || string(buf[:n]) != "alpha" {
		t.Errorf("account-name: %q, %v", buf[:n], err)
	}
	gone := join(dir, "333333333333")
	for range 3 {
		if _, err := os.ReadDir(gone); !errors.Is(err, syscall.EACCES) {
			t.Errorf("unreachable account: %v, want EACCES", err)
		}
	}
	if asked.Load() != 1 || strings.Count(strings.Join(logs.lines(), "\n"), "account cannot be reached") != 1 {
		t.Errorf("Reach asked %d times, want once, and logged once:\n%s", asked.Load(), strings.Join(logs.lines(), "\n"))
	}
}
