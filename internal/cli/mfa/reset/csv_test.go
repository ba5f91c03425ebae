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
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: MFA reset", "line 3 bob@example.com: MFA reset", "2 rows: 2 MFA reset, 0 skipped, 0 failed")
}

// The dry run is the server's decision: nothing changes, and the run that
// follows does to every row what the plan said.
func TestResetCSV_DryRunChangesNothingAndTheRunFollowsIt(t *testing.T) {
	live := lostPhonesOrg(t)
	path := livetest.WriteFile(t, "lost.csv", "email\nann@example.com\nnobody@example.com\nANN@example.com\n")
	planned, _ := live.PlanThenRun(t, resetCSV, "--csv "+path+" --yes", cmdutil.ExitPartial,
		map[string]string{"reset MFA": "mfa_reset", "refused": "failed", "invalid": "invalid"})
	clitest.WantLines(t, planned, "Dry run of 3 rows of "+path+", nothing changed: reset MFA 1, invalid 1, refused 1",
		"line 3 nobody@example.com: would be refused: no user")
	if strings.Contains(planned, "Licenses after") {
		t.Errorf("a reset's plan speaks of licenses:\n%s", planned)
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
	clitest.WantLines(t, env.Stderr(), `line 2 nobody@example.com: failed: no user "nobody@example.com"`, "line 3 ann@example.com: MFA reset",
		"2 rows: 1 MFA reset, 0 skipped, 1 failed")
}

func TestResetCSV_BadHeaderIsUsageErrorBeforeAnyChange(t *testing.T) {
	lostPhonesOrg(t).WantUsageError(t, resetCSV, "--csv "+livetest.WriteFile(t, "lost.csv", "email,phone\nann@example.com,lost\n")+" --yes",
		`unknown column "phone"; the header must be "email"`)
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
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run (--resume)", "line 3 cy@example.com: MFA reset")
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
	clitest.WantLines(t, env.Stderr(), "No journal of an earlier run of mfa reset over "+path+": every row is sent.",
		"3 rows: 2 MFA reset, 0 skipped, 1 failed")
	if live.User(t, "ann@example.com").MFAEnrolled || live.User(t, "bob@example.com").MFAEnrolled {
		t.Error("the reset skipped rows the deactivation did")
	}
}
