package sync

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/testutil/helptest"
)

func TestNewCmdSync_Flags(t *testing.T) {
	e := clitest.NewEnv(t)
	var got *SyncOptions
	cmd := NewCmdSync(e.F, func(o *SyncOptions) error { got = o; return nil })
	if err := clitest.Run(cmd, "--csv roster.csv --dry-run --deactivate-missing -y --report r.csv --failed f.csv -o json"); err != nil {
		t.Fatal(err)
	}
	if got.File != "roster.csv" || !got.DryRun || !got.DeactivateMissing || !got.Yes || got.Report != "r.csv" || got.Failed != "f.csv" || got.Output.Format != cmdutil.FormatJSON {
		t.Errorf("options %+v", got)
	}
}

// Usage errors (exit 2) are found before anything is sent: the test
// environment's client fails the test if it is even built.
func TestSync_UsageErrors_NothingSent(t *testing.T) {
	for _, tc := range []struct{ name, file, flags, want string }{
		{"no --csv", "", "", "--csv ROSTER is required"},
		{"bad header", "name,mail,roles,licenses\nAnn,ann@example.com,user,flow\n", "", `unknown column "mail"`},
		{"missing column", "name,email,roles\nAnn,ann@example.com,user\n", "", "lacks licenses"},
		{"malformed line", "name,email,roles,licenses\n\"Ann,ann@example.com,user,flow\n", "", "line 2"},
		{"header only", "name,email,roles,licenses\n", "", "no rows"},
		{"empty file", "", "--csv EMPTY", "the file is empty"},
		{"report over the roster", "name,email,roles,licenses\nAnn,ann@example.com,user,flow\n", "--report ROSTER", "would overwrite the roster"},
		{"argument", "name,email,roles,licenses\nAnn,ann@example.com,user,flow\n", "extra", "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := clitest.NewEnv(t)
			argv := tc.flags
			if tc.file != "" {
				path := writeFile(t, "roster.csv", tc.file)
				argv = "--csv " + path + " " + strings.ReplaceAll(argv, "ROSTER", path)
			}
			argv = strings.ReplaceAll(argv, "EMPTY", writeFile(t, "empty.csv", ""))
			err := clitest.Run(NewCmdSync(e.F, nil), argv)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(cmdutil.ErrorMessage(err), tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", cmdutil.ExitCode(err), cmdutil.ErrorMessage(err), cmdutil.ExitUsage, tc.want)
			}
			if e.Stdout() != "" {
				t.Errorf("stdout: %q", e.Stdout())
			}
		})
	}
}

// --help teaches the roster, what becomes of the people it leaves out,
// the confirmation, the rerun and the JSON object, with an example roster
// and commands, and no rule label.
func TestSyncHelp_TeachesWithAnExampleAndNoRuleLabels(t *testing.T) {
	cmd := NewCmdSync(clitest.NewEnv(t).F, nil)
	for _, want := range []string{
		"name,email,roles,licenses", "';' or '|'", "--csv -", "--deactivate-missing", "--yes", "--dry-run",
		"licenses go back to the pool", "revoked", "no journal and no --resume", "running it again",
		`"line": null`, `"summary"`, "not_in_roster", "--report FILE", "--failed FILE", "exit 2", "3 when",
	} {
		if !strings.Contains(cmd.Long, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	for _, want := range []string{"$ cat roster.csv", "name,email,roles,licenses\n", "--dry-run", "--deactivate-missing --yes", "--csv -"} {
		if !strings.Contains(cmd.Example, want) {
			t.Errorf("examples lack %q", want)
		}
	}
	if help := helptest.Render(t, cmd); helptest.RuleLabel.MatchString(help) {
		t.Errorf("help cites the rule label %s", helptest.RuleLabel.FindString(help))
	}
}
