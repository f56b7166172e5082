package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cookbookPages hold the cookbook: every ```sh block of theirs that
// begins with cookbookHome is run by TestCookbook.
var cookbookPages = []string{"../../README.md", "../../docs/tree.md"}

const cookbookHome = "M=~/uploads"

// cookbookLine is one command of a cookbook block, where the docs have it.
type cookbookLine struct {
	where, cmd string
}

// cookbookLines extracts the commands of the cookbook blocks of the pages,
// as written: the docs and the test cannot drift apart.
func cookbookLines(t *testing.T) []cookbookLine {
	t.Helper()
	var lines []cookbookLine
	for _, page := range cookbookPages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		inBlock, first := false, false
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			switch {
			case line == "```sh":
				inBlock, first = true, true
				continue
			case strings.HasPrefix(line, "```"):
				inBlock = false
			case inBlock && first:
				inBlock = line == cookbookHome
			case inBlock && line != "" && !strings.HasPrefix(line, "#"):
				lines = append(lines, cookbookLine{filepath.Base(page) + ":" + strconv.Itoa(n), line})
			}
			first = false
		}
	}
	return lines
}

// TestCookbook runs every cookbook line of the docs on the demo tree (whose
// data-lake holds a key with spaces, "%20" and "..": exports/odd names/…)
// as written but for the mount point: each must succeed, print something,
// say nothing on stderr, and every path it prints must be one whole field
// (a line, or tab-separated) that exists.
func TestCookbook(t *testing.T) {
	need(t, "getfattr")
	need(t, "jq")
	lines := cookbookLines(t)
	if len(lines) < 12 {
		t.Fatalf("only %d cookbook lines found in %v", len(lines), cookbookPages)
	}
	// A mount point with a space, too: the first place a split shows.
	d := startDemoRun(t, filepath.Join(t.TempDir(), "my uploads"))
	above := filepath.Dir(d.mnt)
	for _, l := range lines {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", "M="+q(d.mnt)+"\n"+l.cmd)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil || stderr.Len() > 0 || stdout.Len() == 0 {
			t.Errorf("%s: %s\n%v, stdout %q, stderr %q", l.where, l.cmd, err, stdout.String(), stderr.String())
			continue
		}
		for _, out := range strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n") {
			for _, field := range strings.Split(out, "\t") {
				i := strings.Index(field, above)
				if i < 0 {
					continue
				}
				if _, err := os.Lstat(field[i:]); err != nil {
					t.Errorf("%s: %s\nprints %q: no such path (a name split at a space?)", l.where, l.cmd, field[i:])
				}
			}
		}
	}
	d.stop(t)
}
