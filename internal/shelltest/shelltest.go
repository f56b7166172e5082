// Package shelltest runs the command lines of the tests that use a mounted
// tree as a user does (ls, find, stat, getfattr, jq), quotes their
// arguments, and finds the tools they need. It is for tests only.
package shelltest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// hang is how long a command line may run before the test calls it hung.
const hang = 2 * time.Minute

// Run runs cmdline under bash and returns its combined output and its exit
// error. A command line that hangs fails the test.
func Run(t testing.TB, cmdline string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", "-c", cmdline).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s: hung", cmdline)
	}
	return string(out), err
}

// Sh is Run for command lines that must succeed: it returns the output and
// fails the test with it if the command line fails.
func Sh(t testing.TB, cmdline string) string {
	t.Helper()
	out, err := Run(t, cmdline)
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, out)
	}
	return out
}

// Quote quotes s as one shell word.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Need returns the path of the tool name found on PATH. A missing tool
// skips the test, or fails it under `make test` (UPLOADFS_E2E set), which
// installs every tool.
func Need(t testing.TB, name string) string {
	t.Helper()
	path, _ := exec.LookPath(name)
	return NeedFile(t, name, path)
}

// NeedFile is Need for a tool expected at path ("" when it is not known).
func NeedFile(t testing.TB, name, path string) string {
	t.Helper()
	if _, err := os.Stat(path); path == "" || err != nil {
		if os.Getenv("UPLOADFS_E2E") != "" {
			t.Fatalf("%s not found (make test installs it)", name)
		}
		t.Skipf("%s not found; make test installs it", name)
	}
	return path
}
