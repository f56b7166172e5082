package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// newRootCmd is the command line: its commands and flags, from which help,
// the man page and shell completion are all generated.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "uploadfs",
		Short: "mount in-progress S3 multipart uploads as a read-only file system",
		Long: `uploadfs shows in-progress S3 multipart uploads (or, with --glacier, S3
Glacier vault uploads) as a read-only file system:
MOUNTPOINT/BUCKET/KEY…/UPLOAD-ID/PART, so that ls, stat, du, find and
getfattr show what they cost.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
	}
	root.SetVersionTemplate("uploadfs {{.Version}}\n")
	// The root's help ends by naming the manual (docs/, one page per topic).
	root.SetHelpTemplate(root.HelpTemplate() + `{{if not .HasParent}}
Manual: docs/ in the source tree, or https://github.com/uploadfs/uploadfs/tree/main/docs
  (configuration.md: every flag, fstab, systemd; troubleshooting.md: every message)
{{end}}`)
	root.Args = func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fmt.Errorf("%w: %v", errUsage, err) })
	root.AddCommand(newMountCmd(), newReportCmd(), newAbortCmd(), newLifecycleCmd(), newUnmountCmd(), newDemoCmd(), newVersionCmd(), newManCmd(root), newCompletionCmd(root))
	return root
}

func newMountCmd() *cobra.Command {
	c := &config{}
	cmd := withMountFlags(&cobra.Command{
		Use:   "mount [flags] MOUNTPOINT",
		Short: "mount; returns once the mount is ready (or stays attached with --foreground)",
		Example: `  uploadfs mount ~/uploads
  uploadfs mount --profile prod --bucket logs --bucket media ~/uploads
  uploadfs mount --endpoint-url http://127.0.0.1:9000 --path-style ~/uploads
  uploadfs mount -f -o ttl=5m,allow_other ~/uploads`,
	}, c, func(c *config, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("%w: mount takes one MOUNTPOINT, got %d arguments", errUsage, len(args))
		}
		if err := c.checkAccounts(len(c.Buckets)); err != nil {
			return err
		}
		c.MountPoint = args[0]
		return runMount(c)
	})
	addAccountFlags(cmd.Flags(), c)
	return cmd
}

func newUnmountCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "unmount MOUNTPOINT",
		Aliases: []string{"umount"},
		Short:   "unmount, also a stale mount left by a killed process",
		RunE:    func(_ *cobra.Command, args []string) error { return unmountCmd(args) },
	}
}

func newDemoCmd() *cobra.Command {
	return withMountFlags(&cobra.Command{
		Use:   "demo [--glacier] [MOUNTPOINT]",
		Short: "mount a seeded demo tree (default ./mnt), no AWS account needed",
	}, &config{Foreground: true}, func(c *config, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("%w: demo takes at most one MOUNTPOINT", errUsage)
		}
		c.MountPoint = "mnt"
		if len(args) == 1 {
			c.MountPoint = args[0]
		}
		return runDemo(c)
	})
}

// withMountFlags gives cmd (mount, demo) the mount flags, parsed into c and
// checked before run, and the grouped help.
func withMountFlags(cmd *cobra.Command, c *config, run func(c *config, args []string) error) *cobra.Command {
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := c.check(cmd.Flags()); err != nil {
			return err
		}
		return run(c, args)
	}
	addMountFlags(cmd.Flags(), c)
	cmd.SetUsageFunc(groupedUsage)
	return cmd
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "uploadfs", version())
			return nil
		},
	}
}

// newManCmd prints uploadfs(8): the commands, and mount's flags by group.
func newManCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "print the manual page uploadfs(8)",
		RunE:  func(cmd *cobra.Command, _ []string) error { return writeMan(root, cmd.OutOrStdout()) },
	}
}

func writeMan(root *cobra.Command, w io.Writer) error {
	page := &cobra.Command{
		Use:   "uploadfs",
		Short: root.Short,
		Long:  root.Long + "\n\n" + commandList(root) + "\n\n" + commandFlags(root) + manNotes,
	}
	addMountFlags(page.Flags(), &config{})
	addAccountFlags(page.Flags(), &config{})
	return doc.GenMan(page, &doc.GenManHeader{Title: "UPLOADFS", Section: "8", Source: "uploadfs " + version(), Manual: "System Administration"}, w)
}

// manNotes is the part of the manual no flag says.
const manNotes = `As a mount(8) helper (a /sbin/mount.uploadfs link):
mount -t uploadfs s3://[BUCKET] DIR -o OPTIONS, or an fstab line
"s3:// /mnt/uploads uploadfs ttl=5m,_netdev 0 0"; each option is the flag
of its name with _ for -, and the generic options of mount(8) and systemd
are ignored.

Logs go to --log-file, else stderr in the foreground, else syslog
(identifier uploadfs). Exit status: 0 success (also after SIGINT,
SIGTERM or SIGHUP), 1 failure, 2 usage error.`

func commandList(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString("Commands:\n")
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			fmt.Fprintf(&b, "\n  uploadfs %s\n      %s\n", c.Use, c.Short)
		}
	}
	return b.String()
}

// commandFlags lists, for the manual, the flags of every command but
// mount, whose flags are the page's OPTIONS.
func commandFlags(root *cobra.Command) string {
	mount, _, _ := root.Find([]string{"mount"})
	var b strings.Builder
	for _, c := range root.Commands() {
		if c == mount || !c.IsAvailableCommand() || !c.Flags().HasAvailableFlags() {
			continue
		}
		if missing, ok := flagsOfMount(c, mount); ok {
			fmt.Fprintf(&b, "uploadfs %s takes the flags of uploadfs mount (OPTIONS)", c.Name())
			if len(missing) > 0 {
				fmt.Fprintf(&b, " but --%s", strings.Join(missing, ", --"))
			}
			b.WriteString(".\n\n")
			continue
		}
		fmt.Fprintf(&b, "Flags of uploadfs %s:\n\n", c.Name())
		for _, l := range strings.Split(strings.TrimRight(c.Flags().FlagUsages(), "\n"), "\n") {
			b.WriteString("    " + l + "\n") // preformatted
		}
		b.WriteString("\n")
	}
	return b.String()
}

// flagsOfMount reports whether every flag of c is one of mount's, and
// which of mount's c lacks (the demo has no accounts to choose).
func flagsOfMount(c, mount *cobra.Command) (missing []string, ok bool) {
	ok = true
	c.Flags().VisitAll(func(f *pflag.Flag) { ok = ok && mount.Flags().Lookup(f.Name) != nil })
	mount.Flags().VisitAll(func(f *pflag.Flag) {
		if c.Flags().Lookup(f.Name) == nil {
			missing = append(missing, f.Name)
		}
	})
	return missing, ok
}

func newCompletionCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish",
		Short:     "print a shell completion script",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, true)
			}
			return fmt.Errorf("%w: completion for bash, zsh or fish, not %q", errUsage, args[0])
		},
	}
}

// groupedUsage prints a command's usage with its flags by group, as
// `uploadfs mount -h` shows them.
func groupedUsage(cmd *cobra.Command) error {
	w := cmd.OutOrStderr()
	fmt.Fprintf(w, "Usage:\n  uploadfs %s\n", cmd.Use)
	if cmd.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", cmd.Example)
	}
	for _, group := range flagGroups {
		fs := pflag.NewFlagSet(group, pflag.ContinueOnError)
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if g := f.Annotations["group"]; len(g) == 1 && g[0] == group {
				fs.AddFlag(f)
			}
		})
		if fs.HasFlags() {
			fmt.Fprintf(w, "\n%s:\n%s", group, fs.FlagUsages())
		}
	}
	fmt.Fprintf(w, "\n  -h, --help   help for %s\n", cmd.Name())
	return nil
}

// runCLI runs the command line args and returns the exit code.
func runCLI(args []string, stdout io.Writer) int {
	root := newRootCmd()
	// (cobra adds help and the completion helpers as it runs.)
	if cmd, rest, err := root.Find(args); err == nil && cmd == root && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") &&
		rest[0] != "help" && !strings.HasPrefix(rest[0], cobra.ShellCompRequestCmd) {
		return exitCode(fmt.Errorf("%w: unknown command %q", errUsage, rest[0]))
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(os.Stderr)
	cmd, err := root.ExecuteC()
	if errors.Is(err, errUsage) && cmd != root {
		// The failing command's own usage, not the summary of all.
		fmt.Fprintf(os.Stderr, "uploadfs: %v\n\n", err)
		cmd.SetOut(os.Stderr)
		cmd.Usage()
		return 2
	}
	return exitCode(err)
}
