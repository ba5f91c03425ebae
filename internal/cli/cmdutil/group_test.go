package cmdutil

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// groupTree is 'wsctl users deactivate|activate' with users a group.
func groupTree(out *bytes.Buffer) *cobra.Command {
	root := &cobra.Command{Use: "wsctl", SilenceErrors: true, SilenceUsage: true}
	users := &cobra.Command{Use: "users <command>", Short: "Manage users", RunE: GroupRunE}
	for _, name := range []string{"deactivate", "activate"} {
		users.AddCommand(&cobra.Command{Use: name + " USER", Short: name, RunE: func(*cobra.Command, []string) error { return nil }})
	}
	root.AddCommand(users)
	root.SetOut(out)
	root.SetErr(out)
	return root
}

func TestGroupRunE_MistypedSubcommandIsUsageErrorWithSuggestion(t *testing.T) {
	var out bytes.Buffer
	root := groupTree(&out)
	root.SetArgs([]string{"users", "deactviate", "ann@example.com"})
	err := root.Execute()
	if ExitCode(err) != ExitUsage {
		t.Fatalf("err %v: exit %d, want %d", err, ExitCode(err), ExitUsage)
	}
	want := "unknown command \"deactviate\" for \"wsctl users\"\n\nDid you mean this?\n\tdeactivate\n"
	if ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", ErrorMessage(err), want)
	}
	if out.Len() != 0 {
		t.Errorf("help printed on a usage error: %q", out.String())
	}
}

// Nothing close to what was typed: the message lists what could have been.
func TestGroupRunE_NonsenseListsTheGroupsCommands(t *testing.T) {
	root := groupTree(&bytes.Buffer{})
	root.SetArgs([]string{"users", "bogus"})
	err := root.Execute()
	want := "unknown command \"bogus\" for \"wsctl users\"\n\nAvailable commands:\n\tactivate\n\tdeactivate\n"
	if ExitCode(err) != ExitUsage || ErrorMessage(err) != want {
		t.Errorf("err %q (exit %d), want %q", ErrorMessage(err), ExitCode(err), want)
	}
}

func TestGroupRunE_AloneShowsHelp(t *testing.T) {
	var out bytes.Buffer
	root := groupTree(&out)
	root.SetArgs([]string{"users"})
	if err := root.Execute(); err != nil {
		t.Fatalf("err %v, want help and exit 0", err)
	}
	if !strings.Contains(out.String(), "Manage users") || !strings.Contains(out.String(), "deactivate") {
		t.Errorf("help %q", out.String())
	}
}
