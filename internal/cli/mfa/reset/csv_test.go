package reset

import (
	"os"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/users/deactivate"
)

// Against workspaced's real API (livetest: loopback, SQLite file).

// lostPhonesOrg is an org whose ann and bob have set MFA up.
func lostPhonesOrg(t *testing.T) *livetest.Server {
	t.Helper()
	live := livetest.New(t)
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		live.AddUser(t, "Person With Phone", email, []string{"user"}, "flow")
		live.EnrollMFA(t, email)
	}
	return live
}

func resetCSV(env *clitest.Env, argv string) error {
	return clitest.Run(NewCmdReset(env.F, nil), argv)
}

func wantStderr(t *testing.T, stderr string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(stderr, l) {
			t.Errorf("stderr lacks %q:\n%s", l, stderr)
		}
	}
}

func TestResetCSV_ResetsEveryRowAndReportsIt_R12(t *testing.T) {
	live := lostPhonesOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "lost.csv", "email\nann@example.com\nbob@example.com\n")
	if err := resetCSV(env, "--csv "+path+" --yes"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if live.User(t, email).MFAEnrolled {
			t.Errorf("%s still has MFA set up", email)
		}
	}
	wantStderr(t, env.Stderr(), "line 2 ann@example.com: MFA reset", "line 3 bob@example.com: MFA reset", "2 rows: 2 MFA reset, 0 skipped, 0 failed")
}

// The dry run is the server's decision: nothing changes, and the run that
// follows does to every row what the plan said.
func TestResetCSV_DryRunChangesNothingAndTheRunFollowsIt(t *testing.T) {
	live := lostPhonesOrg(t)
	path := livetest.WriteFile(t, "lost.csv", "email\nann@example.com\nnobody@example.com\nANN@example.com\n")
	before := live.State(t)
	env := live.Env(t) // no terminal and no --yes: a dry run needs neither
	err := resetCSV(env, "--csv "+path+" --dry-run -o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("dry run: err %v, want exit 3\n%s", err, env.Stderr())
	}
	if after := live.State(t); after != before {
		t.Errorf("the dry run changed the org:\n%s\nafter:\n%s", before, after)
	}
	wantStderr(t, env.Stderr(), "Dry run of 3 rows of "+path+", nothing changed: reset MFA 1, invalid 1, refused 1",
		"line 3 nobody@example.com: would be refused: no user")
	if strings.Contains(env.Stderr(), "Licenses after") {
		t.Errorf("a reset's plan speaks of licenses:\n%s", env.Stderr())
	}
	plan := livetest.PlanActions(t, env.Stdout())

	env = live.Env(t)
	err = resetCSV(env, "--csv "+path+" --yes -o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("run: err %v, want exit 3\n%s", err, env.Stderr())
	}
	ran := livetest.RunStatuses(t, env.Stdout())
	follows := map[string]string{"reset MFA": "mfa_reset", "refused": "failed", "invalid": "invalid"}
	for line := 2; line <= 4; line++ {
		if follows[plan[line]] == "" || follows[plan[line]] != ran[line] {
			t.Errorf("line %d: planned %q, ran %q", line, plan[line], ran[line])
		}
	}
	if live.User(t, "ann@example.com").MFAEnrolled {
		t.Error("ann still has MFA set up after the run")
	}
}

func TestResetCSV_RefusedRowIsExit3WithTheReason(t *testing.T) {
	live := lostPhonesOrg(t)
	env := live.Env(t)
	err := resetCSV(env, "--csv "+livetest.WriteFile(t, "lost.csv", "email\nnobody@example.com\nann@example.com\n")+" --yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	wantStderr(t, env.Stderr(), `line 2 nobody@example.com: failed: no user "nobody@example.com"`, "line 3 ann@example.com: MFA reset",
		"2 rows: 1 MFA reset, 0 skipped, 1 failed")
}

func TestResetCSV_BadHeaderIsUsageErrorBeforeAnyChange(t *testing.T) {
	live := lostPhonesOrg(t)
	before := live.State(t)
	env := live.Env(t)
	err := resetCSV(env, "--csv "+livetest.WriteFile(t, "lost.csv", "email,phone\nann@example.com,lost\n")+" --yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `unknown column "phone"`) {
		t.Errorf("err %v, want exit 2 naming the column", err)
	}
	if live.State(t) != before {
		t.Error("a file with a bad header changed the org")
	}
}

func TestResetCSV_Stdin(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	live := lostPhonesOrg(t)
	env := live.Env(t)
	env.IO.In = strings.NewReader("email\nbob@example.com\n")
	if err := resetCSV(env, "--csv - --yes"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if live.User(t, "bob@example.com").MFAEnrolled || !live.User(t, "ann@example.com").MFAEnrolled {
		t.Error("the reset did not follow stdin")
	}
}

// --resume after a run with a refused row sends only the rows not done:
// ann, who set MFA up again in between, is not reset again.
func TestResetCSV_ResumeSkipsTheRowsDone(t *testing.T) {
	live := lostPhonesOrg(t)
	path := livetest.WriteFile(t, "lost.csv", "email\nann@example.com\ncy@example.com\n")
	env := live.Env(t)
	if err := resetCSV(env, "--csv "+path+" --yes"); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("first run: err %v\n%s", err, env.Stderr())
	}
	live.EnrollMFA(t, "ann@example.com")
	live.AddUser(t, "Cy Young", "cy@example.com", []string{"user"}, "flow") // the failed row is fixed
	live.EnrollMFA(t, "cy@example.com")
	env = live.Env(t)
	if err := resetCSV(env, "--csv "+path+" --yes --resume"); err != nil {
		t.Fatalf("resume: err %v\n%s", err, env.Stderr())
	}
	wantStderr(t, env.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run (--resume)", "line 3 cy@example.com: MFA reset")
	if !live.User(t, "ann@example.com").MFAEnrolled || live.User(t, "cy@example.com").MFAEnrolled {
		t.Error("resume sent a row done before, or not the row left")
	}
}

// Each verb keeps its own journal of a file: after a deactivation of the
// very same file left a journal, a reset with --resume skips none of its
// rows.
func TestResetCSV_ResumeNeverSkipsRowsADeactivationDid(t *testing.T) {
	live := lostPhonesOrg(t)
	path := livetest.WriteFile(t, "people.csv", "email\nann@example.com\nbob@example.com\nnobody@example.com\n")
	env := live.Env(t)
	if err := clitest.Run(deactivate.NewCmdDeactivate(env.F, nil), "--csv "+path+" --yes"); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("deactivate: err %v\n%s", err, env.Stderr())
	}
	if _, err := os.Stat(path + ".users-deactivate.wsctl-journal"); err != nil {
		t.Fatalf("no journal of the deactivation: %v", err)
	}
	env = live.Env(t)
	if err := resetCSV(env, "--csv "+path+" --yes --resume"); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("reset: err %v\n%s", err, env.Stderr())
	}
	wantStderr(t, env.Stderr(), "No journal of an earlier run of mfa reset over "+path+": every row is sent.",
		"3 rows: 2 MFA reset, 0 skipped, 1 failed")
	if live.User(t, "ann@example.com").MFAEnrolled || live.User(t, "bob@example.com").MFAEnrolled {
		t.Error("the reset skipped rows the deactivation did")
	}
}

// A reset asks first: on a terminal, after showing the server's plan; with
// --yes never; without a terminal and --yes it is a usage error before
// anything is read or sent.
func TestResetCSV_Confirmation_R12(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		flags    string
		answer   *bool // the question asked, and its answer; nil: none
		wantCode int
		wantMFA  bool // ann's MFA set up after the command
	}{
		{name: "terminal, confirmed", tty: true, answer: ptr(true)},
		{name: "terminal, declined", tty: true, answer: ptr(false), wantCode: cmdutil.ExitError, wantMFA: true},
		{name: "terminal, --yes", tty: true, flags: "--yes"},
		{name: "no terminal, --yes", flags: "--yes"},
		{name: "no terminal, no --yes", wantCode: cmdutil.ExitUsage, wantMFA: true},
		{name: "no terminal, --dry-run", flags: "--dry-run", wantMFA: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := lostPhonesOrg(t)
			env := live.Env(t)
			env.IO.SetTTY(tt.tty) // the fake prompter fails the test on an unexpected question
			if tt.answer != nil {
				env.Prompter.ExpectConfirm("Reset MFA for 2 users? Their sessions are revoked", *tt.answer)
			}
			path := livetest.WriteFile(t, "lost.csv", "email\nann@example.com\nbob@example.com\n")
			err := resetCSV(env, "--csv "+path+" "+tt.flags)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d\n%s", err, tt.wantCode, env.Stderr())
			}
			if mfa := live.User(t, "ann@example.com").MFAEnrolled; mfa != tt.wantMFA {
				t.Errorf("ann's MFA set up: %v, want %v", mfa, tt.wantMFA)
			}
			plan := "The server's plan for " + path + ", nothing changed yet: reset MFA 2, invalid 0, refused 0"
			if shown := strings.Contains(env.Stderr(), plan); shown != (tt.answer != nil) {
				t.Errorf("plan shown: %v, want %v:\n%s", shown, tt.answer != nil, env.Stderr())
			}
			if tt.wantCode == cmdutil.ExitUsage && !strings.Contains(err.Error(), "wsctl would reset the MFA of the users of "+path+", but there is no terminal") {
				t.Errorf("err %v", err)
			}
		})
	}
}
