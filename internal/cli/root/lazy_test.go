package root

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// The tree built for some arguments behaves as the whole tree: same output,
// errors and exit code, for help, versions, usage errors and commands.
func TestRootFor_BehavesAsTheWholeTree(t *testing.T) {
	for _, argv := range []string{
		"--version", "-v", "version", "--help", "-h", "", "help", "help users", "help environment",
		"users", "users --help", "users invite --help", "users list --nosuch", "users show",
		"--host h users --help", "-o json users --help", "--version users", "users --version",
		"nosuch", "user", "--host", "version extra", "completion bash", "auth --help", "tokens",
		"signup-mode --help", "-- users", "--no-color --version",
	} {
		t.Run(argv, func(t *testing.T) {
			whole := runRoot(t, func(f *cmdutil.Factory) *cobra.Command { return NewCmdRoot(f) }, argv)
			part := runRoot(t, func(f *cmdutil.Factory) *cobra.Command {
				args, err := clitest.SplitArgs(argv)
				if err != nil {
					t.Fatal(err)
				}
				return NewCmdRootFor(f, args)
			}, argv)
			if whole != part {
				t.Errorf("built for the arguments:\n%s\nwhole tree:\n%s", part, whole)
			}
		})
	}
}

func runRoot(t *testing.T, build func(*cmdutil.Factory) *cobra.Command, argv string) string {
	t.Helper()
	env := clitest.NewEnv(t)
	cmd := build(env.F)
	args, err := clitest.SplitArgs(argv)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	_, err = cmd.ExecuteC()
	return fmt.Sprintf("exit %d: %v\ncobra: %s\nstdout: %s\nstderr: %s", cmdutil.ExitCode(err), err, out.String(), env.Stdout(), env.Stderr())
}

func TestRootFor_VersionBuildsNoCommand(t *testing.T) {
	for _, argv := range []string{"--version", "-v", "--no-color --version"} {
		args, _ := clitest.SplitArgs(argv)
		if n := len(NewCmdRootFor(clitest.NewEnv(t).F, args).Commands()); n != 0 {
			t.Errorf("%s built %d commands", argv, n)
		}
	}
	cmds := NewCmdRootFor(clitest.NewEnv(t).F, []string{"version"}).Commands()
	if len(cmds) != 1 || cmds[0].Name() != "version" {
		t.Errorf("version built %v", cmds)
	}
}

// The list of commands under the root names each as it is built, so that
// the arguments find it.
func TestRootFor_CommandsAreNamedAsBuilt(t *testing.T) {
	env := clitest.NewEnv(t)
	for _, c := range commands {
		cmd := c.build(env.F)
		if cmd.Name() != c.name || len(cmd.Aliases) > 0 {
			t.Errorf("commands lists %q; the command is %q with aliases %v (NewCmdRootFor finds commands by name only)", c.name, cmd.Name(), cmd.Aliases)
		}
	}
}

// Ctrl-C cancels the context of a running command (requests stop, a bulk
// run writes its journal): the handler root installs when the command runs.
// Were there none, the SIGINT below would end the test binary.
func TestRoot_InterruptCancelsTheRunningCommand(t *testing.T) {
	cmd := NewCmdRoot(clitest.NewEnv(t).F)
	cmd.AddCommand(&cobra.Command{Use: "wait", RunE: func(c *cobra.Command, _ []string) error {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		select {
		case <-c.Context().Done():
			return nil
		case <-time.After(10 * time.Second):
			return fmt.Errorf("Ctrl-C did not cancel the command's context")
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd.SetArgs([]string{"wait"})
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatal(err)
	}
}
