package deactivate

import (
	"os"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Against workspaced's real API (livetest: loopback, SQLite file).

// leaversOrg is an org whose ann and bob are active with a flow license
// each (of 3) and cy is inactive; ada is its only admin.
func leaversOrg(t *testing.T) *livetest.Server {
	t.Helper()
	live := livetest.New(t, map[string]int{"flow": 3})
	live.AddUser(t, "Ann Lee", "ann@example.com", []string{"user"}, "flow")
	live.AddUser(t, "Bob Stone", "bob@example.com", []string{"user"}, "flow")
	live.AddUser(t, "Cy Young", "cy@example.com", []string{"user"}, "flow")
	live.DeactivateUser(t, "cy@example.com")
	return live
}

func deactivateCSV(env *clitest.Env, argv string) error {
	return clitest.Run(NewCmdDeactivate(env.F, nil), argv)
}

func TestDeactivateCSV_DeactivatesEveryRowAndReportsIt_R9(t *testing.T) {
	live := leaversOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "leavers.csv", "email\nann@example.com\nBOB@example.com\ncy@example.com\n")
	report := path + ".report.csv"
	if err := deactivateCSV(env, "--csv "+path+" --yes --report "+report); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if u := live.User(t, email); u.Active || len(u.Licenses) != 0 {
			t.Errorf("%s: active %v, licenses %v; want inactive without licenses", email, u.Active, u.Licenses)
		}
	}
	if used := live.Pools(t)["flow"].Used(); used != 0 {
		t.Errorf("%d flow licenses in use, want every one back in the pool", used)
	}
	clitest.WantLines(t, env.Stderr(),
		"line 2 ann@example.com: deactivated",
		"line 3 BOB@example.com: deactivated",
		"line 4 cy@example.com: already inactive\n",
		"3 rows: 2 deactivated, 1 already inactive, 0 skipped, 0 failed")
	got, _ := os.ReadFile(report)
	want := "line,email,status,error\n2,ann@example.com,deactivated,\n3,BOB@example.com,deactivated,\n4,cy@example.com,unchanged,\n"
	if string(got) != want {
		t.Errorf("report:\n%s\nwant\n%s", got, want)
	}
}

// The dry run is the server's decision: nothing changes, and the run that
// follows does to every row what the plan said.
func TestDeactivateCSV_DryRunChangesNothingAndTheRunFollowsIt(t *testing.T) {
	live := leaversOrg(t)
	path := livetest.WriteFile(t, "leavers.csv", "email\nann@example.com\ncy@example.com\nada@acme.example\nnobody@example.com\nANN@example.com\n")
	planned, _ := live.PlanThenRun(t, deactivateCSV, "--csv "+path+" --yes", cmdutil.ExitPartial,
		map[string]string{"deactivate": "deactivated", "already inactive": "unchanged", "refused": "failed", "invalid": "invalid"})
	clitest.WantLines(t, planned,
		"Dry run of 5 rows of "+path+", nothing changed: deactivate 1, already inactive 1, invalid 1, refused 2",
		"line 4 ada@acme.example: would be refused: ",
		"line 5 nobody@example.com: would be refused: ",
		"line 6 ANN@example.com: invalid: email: ANN@example.com is already on line 2",
		"Licenses after the file: agent-dialer 1000 of 1000 available, flow 2 of 3 available")
	if live.User(t, "ann@example.com").Active {
		t.Error("ann is still active after the run")
	}
}

// A row the server refuses (an admin deactivating themself) fails alone,
// with the server's reason; the exit status is 3.
func TestDeactivateCSV_RefusedRowIsExit3WithTheReason_R9(t *testing.T) {
	live := leaversOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "leavers.csv", "email\nada@acme.example\nann@example.com\n")
	err := deactivateCSV(env, "--csv "+path+" --yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ada@acme.example: failed: you cannot deactivate yourself", "line 3 ann@example.com: deactivated",
		"2 rows: 1 deactivated, 0 already inactive, 0 skipped, 1 failed")
	if !live.User(t, "ada@acme.example").Active {
		t.Error("the admin deactivated themself")
	}
}

func TestDeactivateCSV_BadHeaderIsUsageErrorBeforeAnyChange(t *testing.T) {
	leaversOrg(t).WantUsageError(t, deactivateCSV, "--csv "+livetest.WriteFile(t, "leavers.csv", "mail\nann@example.com\n")+" --yes",
		`unknown column "mail"; the header must be "email"`)
}

func TestDeactivateCSV_Stdin(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	live := leaversOrg(t)
	env := live.Env(t)
	env.IO.In = strings.NewReader("email\r\nann@example.com\r\n")
	if err := deactivateCSV(env, "--csv - --yes"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if live.User(t, "ann@example.com").Active {
		t.Error("ann is still active")
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: deactivated", "1 row: 1 deactivated")
}

// --resume after a run with a failed row sends only the rows not done:
// ann, reactivated in between, is not deactivated again.
func TestDeactivateCSV_ResumeSkipsTheRowsDone(t *testing.T) {
	live := leaversOrg(t)
	path := livetest.WriteFile(t, "leavers.csv", "email\nann@example.com\ndi@example.com\n")
	env := live.Env(t)
	if err := deactivateCSV(env, "--csv "+path+" --yes"); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("first run: err %v\n%s", err, env.Stderr())
	}
	if _, err := os.Stat(path + ".users-deactivate.wsctl-journal"); err != nil {
		t.Fatalf("no journal after a run with a failed row: %v", err)
	}
	live.AddUser(t, "Di Park", "di@example.com", []string{"user"}, "flow") // the failed row is fixed
	if _, err := live.Svc.Activate(t.Context(), live.Operator(), "ann@example.com", []string{"flow"}); err != nil {
		t.Fatal(err)
	}
	env = live.Env(t)
	if err := deactivateCSV(env, "--csv "+path+" --yes --resume"); err != nil {
		t.Fatalf("resume: err %v\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run (--resume)", "line 3 di@example.com: deactivated",
		"2 rows: 1 deactivated, 0 already inactive, 1 skipped, 0 failed")
	if !live.User(t, "ann@example.com").Active || live.User(t, "di@example.com").Active {
		t.Error("resume sent a row done before, or not the row left")
	}
}

// A file that would deactivate nobody is not worth a question.
func TestDeactivateCSV_NobodyToDeactivateIsNotConfirmed(t *testing.T) {
	live := leaversOrg(t)
	env := live.Env(t)
	env.IO.SetTTY(true) // the fake prompter fails the test on an unexpected question
	path := livetest.WriteFile(t, "leavers.csv", "email\ncy@example.com\n")
	if err := deactivateCSV(env, "--csv "+path); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "The file would change nobody: nothing to confirm.", "1 row: 0 deactivated, 1 already inactive")
}
