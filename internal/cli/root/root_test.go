package root

import (
	"errors"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// clitest.NewEnv's Config and Client fail the test when called: these
// commands must not read config or touch the network.
func TestLightCommandsReadNoConfig(t *testing.T) {
	for _, argv := range []string{"version", "--version", "--help", "users --help", "users invite --help", "completion bash", "completion zsh", "completion fish", "completion powershell", "help environment", "help exit-codes", "auth --help", "auth login --help", "auth status --help"} {
		t.Run(argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.F.TokenStores = func() (*authstore.Stores, error) {
				t.Errorf("the command opened the token stores but should not have")
				return nil, errors.New("no")
			}
			cmd := NewCmdRoot(env.F)
			if err := clitest.Run(cmd, argv); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	env := clitest.NewEnv(t)
	if err := clitest.Run(NewCmdRoot(env.F), "version"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(env.Stdout(), "wsctl version 1.2.3-test") {
		t.Errorf("stdout %q", env.Stdout())
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, argv := range []string{"nosuch", "users list --nosuch", "users list -o xml", "completion tcsh", "users show", "--host"} {
		t.Run(argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			err := clitest.Run(NewCmdRoot(env.F), argv)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("err %v: exit %d, want 2", err, cmdutil.ExitCode(err))
			}
		})
	}
}

// Global flags work before or after the command (SPEC §4).
func TestGlobalFlagsAnywhere(t *testing.T) {
	for _, argv := range []string{"-y -o json signup-mode off", "signup-mode off -y -o json", "--yes --output json signup-mode off", "--no-color signup-mode off --yes -o json"} {
		t.Run(argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			srv := clitest.NewServer(t)
			srv.JSON("PUT", "/api/v1/settings/signup-mode", 200, schema.SignupMode{AutoSignup: false})
			env.F.Client = srv.ClientFunc()
			if err := clitest.Run(NewCmdRoot(env.F), argv); err != nil {
				t.Fatal(err)
			}
			if env.Stdout() != "{\n  \"auto_signup\": false\n}\n" {
				t.Errorf("stdout %q", env.Stdout())
			}
		})
	}
}

func TestEveryCommandTeaches(t *testing.T) {
	env := clitest.NewEnv(t)
	root := NewCmdRoot(env.F)
	for _, c := range root.Commands() {
		for _, sub := range append(c.Commands(), c) {
			if !sub.IsAvailableCommand() || sub.HasSubCommands() || sub.Name() == "help" {
				continue
			}
			if sub.Short == "" {
				t.Errorf("%s has no short help", sub.CommandPath())
			}
			if sub.Example == "" && sub.Name() != "version" && sub.Name() != "completion" {
				t.Errorf("%s has no example", sub.CommandPath())
			}
		}
	}
}
