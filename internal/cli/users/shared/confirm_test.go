package shared_test

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/mfa/reset"
	"github.com/wsctl/wsctl/internal/cli/users/deactivate"
)

// confirmingVerb is a command whose file form asks for confirmation
// (RunConfirmed), run against the real API (livetest) over a file of ann,
// bob (active, MFA set up) and cy (inactive).
type confirmingVerb struct {
	newCmd   func(*cmdutil.Factory) *cobra.Command
	question string // the start of the question asked on a terminal
	plan     string // the counts shown before it
	refusal  string // the start of the usage error without a terminal
	changed  func(t *testing.T, live *livetest.Server) bool
}

var confirmingVerbs = map[string]confirmingVerb{
	"users deactivate": {
		newCmd:   func(f *cmdutil.Factory) *cobra.Command { return deactivate.NewCmdDeactivate(f, nil) },
		question: "Deactivate 2 users? Their licenses go back to the pool",
		plan:     "deactivate 2, already inactive 1, invalid 0, refused 0",
		refusal:  "not confirmed: wsctl would deactivate the users of ",
		changed:  func(t *testing.T, live *livetest.Server) bool { return !live.User(t, "ann@example.com").Active },
	},
	"mfa reset": {
		newCmd:   func(f *cmdutil.Factory) *cobra.Command { return reset.NewCmdReset(f, nil) },
		question: "Reset MFA for 3 users? Their sessions and API tokens are revoked",
		plan:     "reset MFA 3, invalid 0, refused 0",
		refusal:  "not confirmed: wsctl would reset the MFA of the users of ",
		changed:  func(t *testing.T, live *livetest.Server) bool { return !live.User(t, "ann@example.com").MFAEnrolled },
	},
}

// A verb that ends people's sessions asks before applying a file: on a
// terminal, after showing the server's plan (how many users would change);
// with --yes never; without a terminal and --yes it is a usage error before
// anything is read or sent; a dry run never asks (R9, R12).
func TestRunConfirmed_ConfirmationRules_R9_R12(t *testing.T) {
	tests := []struct {
		name        string
		tty         bool
		flags       string
		answer      *bool // the question asked, and its answer; nil: none
		wantCode    int
		wantChanged bool
	}{
		{name: "terminal, confirmed", tty: true, answer: ptr(true), wantChanged: true},
		{name: "terminal, declined", tty: true, answer: ptr(false), wantCode: cmdutil.ExitError},
		{name: "terminal, --yes", tty: true, flags: "--yes", wantChanged: true},
		{name: "no terminal, --yes", flags: "--yes", wantChanged: true},
		{name: "no terminal, no --yes", wantCode: cmdutil.ExitUsage},
		{name: "no terminal, --dry-run", flags: "--dry-run"},
	}
	for verbName, verb := range confirmingVerbs {
		for _, tt := range tests {
			t.Run(verbName+"/"+tt.name, func(t *testing.T) {
				live := livetest.New(t)
				for _, email := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
					live.AddUser(t, "Some One", email, []string{"user"}, "flow")
					live.EnrollMFA(t, email)
				}
				live.DeactivateUser(t, "cy@example.com")
				before := live.State(t)
				env := live.Env(t)
				env.IO.SetTTY(tt.tty) // the fake prompter fails the test on an unexpected question
				if tt.answer != nil {
					env.Prompter.ExpectConfirm(verb.question, *tt.answer)
				}
				path := livetest.WriteFile(t, "people.csv", "email\nann@example.com\nbob@example.com\ncy@example.com\n")
				err := clitest.Run(verb.newCmd(env.F), "--csv "+path+" "+tt.flags)
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v, want exit %d\n%s", err, tt.wantCode, env.Stderr())
				}
				if changed := verb.changed(t, live); changed != tt.wantChanged {
					t.Errorf("ann changed: %v, want %v", changed, tt.wantChanged)
				}
				if !tt.wantChanged && live.State(t) != before {
					t.Errorf("the org changed:\n%s\nafter:\n%s", before, live.State(t))
				}
				plan := "The server's plan for " + path + ", nothing changed yet: " + verb.plan
				if shown := strings.Contains(env.Stderr(), plan); shown != (tt.answer != nil) {
					t.Errorf("%q shown: %v, want %v:\n%s", plan, shown, tt.answer != nil, env.Stderr())
				}
				if tt.wantCode == cmdutil.ExitUsage && !strings.HasPrefix(err.Error(), verb.refusal+path+", but there is no terminal") {
					t.Errorf("err %v", err)
				}
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }
