package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// cli runs the command line in-process and returns its output.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	if err := root.Execute(); err != nil {
		t.Fatalf("uploadfs %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// Help, the man page and shell completion come from the same definitions:
// each names every mount flag.
func TestHelpManCompletion(t *testing.T) {
	help := cli(t, "mount", "--help")
	man := strings.ReplaceAll(cli(t, "man"), `\-`, "-")
	complete := cli(t, "__complete", "mount", "--")
	fs := pflag.NewFlagSet("mount", pflag.ContinueOnError)
	addMountFlags(fs, &config{})
	n := 0
	fs.VisitAll(func(f *pflag.Flag) {
		n++
		for what, text := range map[string]string{"mount --help": help, "man": man, "completion": complete} {
			if !strings.Contains(text, "--"+f.Name) {
				t.Errorf("%s does not name --%s", what, f.Name)
			}
		}
		if g := f.Annotations["group"]; len(g) != 1 || !strings.Contains(help, "\n"+g[0]+":\n") {
			t.Errorf("--%s has no group shown in help: %v", f.Name, g)
		}
	})
	if n < 25 {
		t.Fatalf("only %d flags", n)
	}
	if !strings.HasPrefix(man, ".nh\n.TH \"UPLOADFS\" \"8\"") {
		t.Fatalf("man page header: %.60q", man)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out := cli(t, "completion", shell); !strings.Contains(out, "uploadfs") || len(out) < 500 {
			t.Errorf("completion %s: %.80q", shell, out)
		}
	}
}
