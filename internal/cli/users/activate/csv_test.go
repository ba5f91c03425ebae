package activate

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/users/deactivate"
)

// Against workspaced's real API (livetest: loopback, SQLite file).

// returningOrg is an org with 2 flow licenses, whose ann, bob and cy are
// inactive and dee is active with an agent-dialer license.
func returningOrg(t *testing.T) *livetest.Server {
	t.Helper()
	live := livetest.New(t, map[string]int{"flow": 2})
	for _, email := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
		live.AddUser(t, "Person Returning", email, []string{"user"}, "flow")
		live.DeactivateUser(t, email)
	}
	live.AddUser(t, "Dee Active", "dee@example.com", []string{"user"}, "agent-dialer")
	return live
}

func activateCSV(env *clitest.Env, argv string) error {
	return clitest.Run(NewCmdActivate(env.F, nil), argv)
}

func TestActivateCSV_ActivatesEachRowWithItsLicenses_R10(t *testing.T) {
	live := returningOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "returning.csv", "licenses,email\nflow;agent-dialer,ann@example.com\n\"agent-dialer|parallel-dialer\",bob@example.com\n")
	if err := activateCSV(env, "--csv "+path); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	for email, want := range map[string][]string{"ann@example.com": {"agent-dialer", "flow"}, "bob@example.com": {"agent-dialer", "parallel-dialer"}} {
		if u := live.User(t, email); !u.Active || !slices.Equal(u.Licenses, want) {
			t.Errorf("%s: active %v, licenses %v; want active with %v", email, u.Active, u.Licenses, want)
		}
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: activated", "line 3 bob@example.com: activated",
		"2 rows: 2 activated, 0 already active, 0 skipped, 0 failed")
}

// Rows take licenses in the file's order (the last flow license goes to
// the second row, the third is refused), someone already active with
// those licenses is left as is: the dry run says all that and changes
// nothing, and the run that follows does it.
func TestActivateCSV_DryRunChangesNothingAndTheRunFollowsIt_R4(t *testing.T) {
	live := returningOrg(t)
	path := livetest.WriteFile(t, "returning.csv", "email,licenses\n"+
		"ann@example.com,flow\n"+ // 2 activate
		"bob@example.com,flow\n"+ // 3 activate: the last flow license
		"cy@example.com,flow\n"+ // 4 refused: none left
		"dee@example.com,agent-dialer\n"+ // 5 already active
		"eve@example.com,flow\n"+ // 6 refused: no such user
		"fay@example.com,\n") // 7 invalid: no license
	planned, ran := live.PlanThenRun(t, activateCSV, "--csv "+path, cmdutil.ExitPartial,
		map[string]string{"activate": "activated", "already active": "unchanged", "refused": "failed", "invalid": "invalid"})
	clitest.WantLines(t, planned,
		"Dry run of 6 rows of "+path+", nothing changed: activate 2, already active 1, invalid 1, refused 2",
		"line 3 bob@example.com: that was the last flow license: 2 of 2 in use",
		"line 4 cy@example.com: would be refused: no flow license left: 2 of 2 in use",
		"line 5 dee@example.com: already active: already active with these licenses",
		"line 6 eve@example.com: would be refused: no user",
		"line 7 fay@example.com: invalid: licenses: is required",
		"Licenses after the file: agent-dialer 999 of 1000 available, flow 0 of 2 available")
	clitest.WantLines(t, ran, "line 5 dee@example.com: nothing changed; already active with these licenses")
	if !live.User(t, "bob@example.com").Active || live.User(t, "cy@example.com").Active {
		t.Error("the run did not do what the plan said")
	}
}

// A row the server refuses fails alone, with its reason; exit 3.
func TestActivateCSV_RefusedRowIsExit3WithTheReason_R4(t *testing.T) {
	live := returningOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "returning.csv", "email,licenses\nann@example.com,flow\nbob@example.com,flow\ncy@example.com,flow\n")
	err := activateCSV(env, "--csv "+path)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "line 4 cy@example.com: failed: no flow license left: 2 of 2 in use",
		"3 rows: 2 activated, 0 already active, 0 skipped, 1 failed", "Failed lines: 4;")
}

func TestActivateCSV_BadHeaderIsUsageErrorBeforeAnyChange(t *testing.T) {
	returningOrg(t).WantUsageError(t, activateCSV, "--csv "+livetest.WriteFile(t, "returning.csv", "email\nann@example.com\n"),
		`lacks licenses; it must be "email,licenses"`)
}

func TestActivateCSV_Stdin(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	live := returningOrg(t)
	env := live.Env(t)
	env.IO.In = strings.NewReader("\ufeffemail,licenses\r\nann@example.com,flow\r\n")
	if err := activateCSV(env, "--csv -"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if u := live.User(t, "ann@example.com"); !u.Active {
		t.Error("ann is still inactive")
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: activated", "1 row: 1 activated")
}

// --resume after a run with a refused row sends only the rows not done:
// ann, deactivated in between, is not activated again.
func TestActivateCSV_ResumeSkipsTheRowsDone(t *testing.T) {
	live := returningOrg(t)
	path := livetest.WriteFile(t, "returning.csv", "email,licenses\nann@example.com,flow\nbob@example.com,flow\ncy@example.com,flow\n")
	env := live.Env(t)
	if err := activateCSV(env, "--csv "+path); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("first run: err %v\n%s", err, env.Stderr())
	}
	if _, err := live.Svc.SetLicenseTotal(t.Context(), live.Operator(), "flow", 3); err != nil { // cy's row is fixed
		t.Fatal(err)
	}
	live.DeactivateUser(t, "ann@example.com")
	env = live.Env(t)
	if err := activateCSV(env, "--csv "+path+" --resume"); err != nil {
		t.Fatalf("resume: err %v\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run (--resume)", "line 4 cy@example.com: activated",
		"3 rows: 1 activated, 0 already active, 2 skipped, 0 failed")
	if live.User(t, "ann@example.com").Active || !live.User(t, "cy@example.com").Active {
		t.Error("resume sent a row done before, or not the row left")
	}
	if _, err := os.Stat(path + ".users-activate.wsctl-journal"); !os.IsNotExist(err) {
		t.Errorf("the journal of a finished file is left behind: %v", err)
	}
}

// Each verb keeps its own journal of a file: after a deactivation of
// leavers.csv that left a journal, an activation of leavers.csv with
// --resume skips none of its rows.
func TestActivateCSV_ResumeNeverSkipsRowsADeactivationDid(t *testing.T) {
	live := returningOrg(t)
	if _, err := live.Svc.SetLicenseTotal(t.Context(), live.Operator(), "flow", 10); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := live.Svc.Activate(t.Context(), live.Operator(), email, []string{"flow"}); err != nil {
			t.Fatal(err)
		}
	}
	path := livetest.WriteFile(t, "leavers.csv", "email\nann@example.com\nbob@example.com\nnobody@example.com\n")
	env := live.Env(t)
	if err := clitest.Run(deactivate.NewCmdDeactivate(env.F, nil), "--csv "+path+" --yes"); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("deactivate: err %v\n%s", err, env.Stderr())
	}
	if _, err := os.Stat(path + ".users-deactivate.wsctl-journal"); err != nil {
		t.Fatalf("no journal of the deactivation: %v", err)
	}
	if err := os.WriteFile(path, []byte("email,licenses\nann@example.com,flow\nbob@example.com,flow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env = live.Env(t)
	if err := activateCSV(env, "--csv "+path+" --resume"); err != nil {
		t.Fatalf("activate: err %v\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "No journal of an earlier run of users activate over "+path+": every row is sent.",
		"2 rows: 2 activated, 0 already active, 0 skipped, 0 failed")
	if !live.User(t, "ann@example.com").Active || !live.User(t, "bob@example.com").Active {
		t.Error("the activation skipped rows the deactivation did")
	}
}
