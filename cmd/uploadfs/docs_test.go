package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/uploadfs/uploadfs/report"
)

// docPages maps every command that has flags (by its path, as help shows
// it) to the page of docs/ whose flag table lists them. A command with
// flags that is not here fails TestDocsFlagTables.
var docPages = map[string]string{
	"uploadfs mount":     "docs/configuration.md",
	"uploadfs demo":      "docs/configuration.md",
	"uploadfs report":    "docs/report.md",
	"uploadfs abort":     "docs/ending-uploads.md",
	"uploadfs lifecycle": "docs/ending-uploads.md",
}

// docFlagLine is one line of a page's flag table: a table row whose first
// cell begins with a flag in backquotes, such as "| `--ttl D` | …" or
// "| `-f`, `--foreground` | …".
type docFlagLine struct {
	line        int
	long, short string
}

// TestDocsFlagTables holds the docs' flag tables to the command line that
// help, the man page and completion are generated from: every flag of
// every command has its line (long name, and shorthand where it has one)
// in its page's table, and every line there names a flag.
func TestDocsFlagTables(t *testing.T) {
	byPage := map[string][]*cobra.Command{}
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		seen[c.CommandPath()] = true
		if names := flagNames(c); len(names) > 0 {
			page, ok := docPages[c.CommandPath()]
			if !ok {
				t.Errorf("%s has flags (%s) but no docs page: add a flag table for them to docs/%s.md "+
					"(or to the page of its topic) and map %q to that page in docPages (docs_test.go)",
					c.CommandPath(), strings.Join(names, ", "), c.Name(), c.CommandPath())
			} else {
				byPage[page] = append(byPage[page], c)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	for cmd := range docPages {
		if !seen[cmd] {
			t.Errorf("docPages maps %q, which is no command: remove it", cmd)
		}
	}

	pages := make([]string, 0, len(byPage))
	for p := range byPage {
		pages = append(pages, p)
	}
	sort.Strings(pages)
	for _, page := range pages {
		lines := readFlagLines(t, page)
		if len(lines) == 0 {
			t.Errorf("%s has no flag table (rows whose first cell is a flag in backquotes)", page)
		}
		inTable := map[string]docFlagLine{}
		for _, l := range lines {
			if prev, dup := inTable[l.long]; dup {
				t.Errorf("%s:%d: --%s has a line already (line %d)", page, l.line, l.long, prev.line)
			}
			inTable[l.long] = l
		}
		// The flags of the page's commands, each once, with the commands
		// that have it.
		type flagOf struct {
			short string
			cmds  []*cobra.Command
		}
		known := map[string]*flagOf{}
		var names []string
		for _, c := range byPage[page] {
			visitFlags(c, func(f *pflag.Flag) {
				if known[f.Name] == nil {
					known[f.Name] = &flagOf{short: f.Shorthand}
					names = append(names, f.Name)
				}
				known[f.Name].cmds = append(known[f.Name].cmds, c)
			})
		}
		for _, name := range names {
			f := known[name]
			l, ok := inTable[name]
			switch {
			case !ok:
				t.Errorf("%s: no line for --%s (a flag of %s) in its flag table: add \"| `--%s …` | default | meaning |\"",
					page, name, commandPaths(f.cmds), name)
			case l.short != f.short && f.short != "":
				t.Errorf("%s:%d: --%s has the shorthand -%s: the line should begin \"| `-%s`, `--%s`\"",
					page, l.line, name, f.short, f.short, name)
			case l.short != f.short:
				t.Errorf("%s:%d: --%s has no shorthand, but the line names -%s", page, l.line, name, l.short)
			}
		}
		for _, l := range lines {
			if known[l.long] == nil {
				t.Errorf("%s:%d: --%s is no flag of %s: a stale line, remove it", page, l.line, l.long, commandPaths(byPage[page]))
			}
		}
	}
}

// visitFlags calls fn for each flag of c that the command line defines
// (not the help flag cobra adds as it runs).
func visitFlags(c *cobra.Command, fn func(*pflag.Flag)) {
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			fn(f)
		}
	})
}

func flagNames(c *cobra.Command) []string {
	var names []string
	visitFlags(c, func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
	return names
}

func commandPaths(cs []*cobra.Command) string {
	var ps []string
	for _, c := range cs {
		ps = append(ps, c.CommandPath())
	}
	return strings.Join(ps, " or ")
}

var backquoted = regexp.MustCompile("`([^`]*)`")

// readFlagLines reads the flag lines of page (a path from the module root).
func readFlagLines(t *testing.T, page string) []docFlagLine {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(page)))
	if err != nil {
		t.Fatalf("the docs page of a command: %v", err)
	}
	var out []docFlagLine
	for i, row := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(row, "|") {
			continue
		}
		first, _, _ := strings.Cut(row[1:], "|")
		first = strings.TrimSpace(first)
		if !strings.HasPrefix(first, "`-") {
			continue
		}
		l := docFlagLine{line: i + 1}
		for _, m := range backquoted.FindAllStringSubmatch(first, -1) {
			name, _, _ := strings.Cut(m[1], " ")
			switch {
			case strings.HasPrefix(name, "--") && l.long == "":
				l.long = name[2:]
			case strings.HasPrefix(name, "-") && !strings.HasPrefix(name, "--") && len(name) == 2 && l.short == "":
				l.short = name[1:]
			default:
				t.Errorf("%s:%d: a flag line names one flag (`--name ARG`, with `-x` before it for a shorthand), not %q", page, l.line, m[1])
			}
		}
		if l.long == "" {
			t.Errorf("%s:%d: a flag line without its long name: %s", page, l.line, first)
			continue
		}
		out = append(out, l)
	}
	return out
}

// The root's help names the manual.
func TestHelpNamesManual(t *testing.T) {
	help := cli(t, "--help")
	for _, want := range []string{"docs/", "https://github.com/uploadfs/uploadfs/tree/main/docs", "configuration.md"} {
		if !strings.Contains(help, want) {
			t.Errorf("uploadfs --help does not name %s:\n%s", want, help)
		}
	}
	if sub := cli(t, "mount", "--help"); strings.Contains(sub, "Manual:") {
		t.Errorf("the manual line is the root's footer, not mount's:\n%s", sub)
	}
}

// TestDocsReportColumns holds docs/report.md's column table to the
// report's one table of columns (report.Columns): every column has its
// line, named as the table header, the JSON key, the CSV columns and the
// metrics (or labels) name it, and every line there is a column.
func TestDocsReportColumns(t *testing.T) {
	const page = "docs/report.md"
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(page)))
	if err != nil {
		t.Fatal(err)
	}
	type docColumn struct {
		line  int
		names [4][]string // table, json, csv, openmetrics: the backquoted names
	}
	doc := map[string]docColumn{}
	in := false
	for i, row := range strings.Split(string(b), "\n") {
		if row == "| column | table | json | csv | openmetrics |" {
			in = true
			continue
		}
		if !in || strings.HasPrefix(row, "|---") {
			continue
		}
		if !strings.HasPrefix(row, "|") {
			break
		}
		cells := strings.Split(strings.Trim(row, "|"), "|")
		if len(cells) != 5 {
			t.Errorf("%s:%d: a column line has five cells, not %d", page, i+1, len(cells))
			continue
		}
		name := strings.TrimSpace(cells[0])
		if prev, dup := doc[name]; dup {
			t.Errorf("%s:%d: the column %q has a line already (line %d)", page, i+1, name, prev.line)
		}
		c := docColumn{line: i + 1}
		for f := range c.names {
			for _, m := range backquoted.FindAllStringSubmatch(cells[f+1], -1) {
				c.names[f] = append(c.names[f], m[1])
			}
		}
		doc[name] = c
	}
	if len(doc) == 0 {
		t.Fatalf("%s has no column table (the header \"| column | table | json | csv | openmetrics |\")", page)
	}
	formats := [4]string{"table", "json", "csv", "openmetrics"}
	seen := map[string]bool{}
	for _, c := range report.Columns() {
		seen[c.Name] = true
		d, ok := doc[c.Name]
		if !ok {
			t.Errorf("%s: no line for the report column %q in the column table", page, c.Name)
			continue
		}
		for f, want := range [4][]string{nonEmpty(c.Header), nonEmpty(c.JSON), c.CSV, c.Metric} {
			if !slices.Equal(d.names[f], want) {
				t.Errorf("%s:%d: the column %q is %q in --format %s, the docs say %q", page, d.line, c.Name, want, formats[f], d.names[f])
			}
		}
	}
	for name, d := range doc {
		if !seen[name] {
			t.Errorf("%s:%d: %q is no report column: a stale line, remove it", page, d.line, name)
		}
	}
}

// nonEmpty is s as a list of one name, none when "".
func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
