package licenses

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// A mistyped subcommand must fail (exit 2) rather than print the help and
// exit 0, so that a script notices; the message lists the group's commands,
// since nothing is close to what was typed. The group alone shows its help.
func TestLicenses_MistypedSubcommandIsUsageError(t *testing.T) {
	env := clitest.NewEnv(t) // fails the test if the command calls the API
	err := clitest.Run(clitest.UnderRoot(NewCmdLicenses(env.F)), "licenses bogus")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("err %v: exit %d, want %d", err, cmdutil.ExitCode(err), cmdutil.ExitUsage)
	}
	if msg := cmdutil.ErrorMessage(err); !strings.HasPrefix(msg, `unknown command "bogus" for "wsctl licenses"`) || !strings.HasSuffix(msg, "\n\nAvailable commands:\n\taudit\n\tshow\n") {
		t.Errorf("message %q", msg)
	}
	if err := clitest.Run(clitest.UnderRoot(NewCmdLicenses(env.F)), "licenses"); err != nil {
		t.Errorf("the group alone: %v, want its help and exit 0", err)
	}
}
