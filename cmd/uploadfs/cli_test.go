package main

import (
	"bytes"
	"errors"
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

// The manual documents the flags of every command, report's included.
func TestManNamesEveryCommandsFlags(t *testing.T) {
	man := strings.ReplaceAll(cli(t, "man"), `\-`, "-")
	for _, c := range newRootCmd().Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(man, "--"+f.Name) {
				t.Errorf("man does not name uploadfs %s --%s", c.Name(), f.Name)
			}
		})
	}
	if !strings.Contains(man, "Flags of uploadfs report") || !strings.Contains(man, "uploadfs demo takes the flags of uploadfs mount") {
		t.Errorf("man:\n%s", man)
	}
}

// Cloudflare R2 implements neither x-amz-request-payer nor
// x-amz-expected-bucket-owner: the flags are refused at the prompt, for an
// endpoint given by flag or by the environment, and kept elsewhere.
func TestR2RefusesHeaderFlags(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	for _, tc := range []struct {
		env  string
		args []string
		want string // "" for no refusal
	}{
		{"", []string{"--endpoint-url", "https://0123456789abcdef.r2.cloudflarestorage.com", "--expected-bucket-owner", "111122223333"}, "--expected-bucket-owner (x-amz-expected-bucket-owner): Cloudflare R2 does not implement it"},
		{"", []string{"--endpoint-url", "https://0123456789abcdef.eu.R2.cloudflarestorage.com", "--request-payer", "requester"}, "--request-payer (x-amz-request-payer): Cloudflare R2 does not implement it"},
		{"https://0123456789abcdef.r2.cloudflarestorage.com", []string{"--request-payer", "requester"}, "Cloudflare R2 does not implement it"},
		{"", []string{"--endpoint-url", "https://0123456789abcdef.r2.cloudflarestorage.com"}, ""},
		{"", []string{"--endpoint-url", "https://s3.example.com", "--request-payer", "requester"}, ""},
	} {
		t.Setenv("AWS_ENDPOINT_URL_S3", tc.env)
		fs := pflag.NewFlagSet("mount", pflag.ContinueOnError)
		c := &config{}
		addMountFlags(fs, c)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := c.check(fs)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v (env %q): %v", tc.args, tc.env, err)
		case tc.want != "" && (err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v (env %q): %v, want a usage error saying %q", tc.args, tc.env, err, tc.want)
		}
	}
}
