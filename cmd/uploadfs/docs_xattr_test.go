package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/uploadfs/uploadfs/fsnode"
)

// xattrPages maps each attribute namespace to the page whose attribute
// table lists its names.
var xattrPages = map[string]string{
	"user.s3.":      "docs/tree.md",
	"user.glacier.": "docs/glacier.md",
}

// TestDocsXattrTables holds the docs' attribute tables to fsnode's xattr
// vocabulary (fsnode.XattrNames): every name has its line in its
// namespace's page, and every name there is one a mount serves.
func TestDocsXattrTables(t *testing.T) {
	names := fsnode.XattrNames()
	for ns, page := range xattrPages {
		inDocs := readXattrNames(t, page)
		if len(inDocs) == 0 {
			t.Errorf("%s has no attribute table (rows whose second cell names `%s…` attributes)", page, ns)
		}
		for _, name := range names {
			if strings.HasPrefix(name, ns) && inDocs[name] == 0 {
				t.Errorf("%s: no line for %s in its attribute table: add \"| on | `%s` | value |\"", page, name, name)
			}
		}
		for name, line := range inDocs {
			if !strings.HasPrefix(name, ns) || !slices.Contains(names, name) {
				t.Errorf("%s:%d: %s is no attribute of a mount's %s namespace (fsnode/xattrnames.go): a stale name, remove it", page, line, name, ns)
			}
		}
	}
	for _, name := range names {
		if !strings.HasPrefix(name, "user.s3.") && !strings.HasPrefix(name, "user.glacier.") {
			t.Errorf("fsnode.XattrNames has %s, in no namespace xattrPages maps to a page", name)
		}
	}
}

// readXattrNames reads the attribute table of page (a path from the module
// root): rows whose second cell names attributes in backquotes, such as
// "| part | `user.s3.etag` | …". It returns a line of each name.
func readXattrNames(t *testing.T, page string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(page)))
	if err != nil {
		t.Fatalf("the attribute table's page: %v", err)
	}
	out := map[string]int{}
	for i, row := range strings.Split(string(b), "\n") {
		cells := strings.Split(row, "|")
		if !strings.HasPrefix(row, "|") || len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[2]), "`user.") {
			continue
		}
		for _, m := range backquoted.FindAllStringSubmatch(cells[2], -1) {
			out[m[1]] = i + 1 // a name on several nodes (user.s3.key) has a line for each
		}
	}
	return out
}
