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

func wantStderr(t *testing.T, stderr string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(stderr, l) {
			t.Errorf("stderr lacks %q:\n%s", l, stderr)
		}
	}
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
	wantStderr(t, env.Stderr(),
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
	before := live.State(t)
	env := live.Env(t) // no terminal and no --yes: a dry run needs neither
	err := deactivateCSV(env, "--csv "+path+" --dry-run -o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("dry run: err %v, want exit 3\n%s", err, env.Stderr())
	}
	if after := live.State(t); after != before {
		t.Errorf("the dry run changed the org:\n%s\nafter:\n%s", before, after)
	}
	wantStderr(t, env.Stderr(),
		"Dry run of 5 rows of "+path+", nothing changed: deactivate 1, already inactive 1, invalid 1, refused 2",
		"line 4 ada@acme.example: would be refused: ",
		"line 5 nobody@example.com: would be refused: ",
		"line 6 ANN@example.com: invalid: email: ANN@example.com is already on line 2",
		"Licenses after the file: agent-dialer 1000 of 1000 available, flow 2 of 3 available")
	plan := livetest.PlanActions(t, env.Stdout())

	env = live.Env(t)
	err = deactivateCSV(env, "--csv "+path+" --yes -o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("run: err %v, want exit 3\n%s", err, env.Stderr())
	}
	ran := livetest.RunStatuses(t, env.Stdout())
	follows := map[string]string{"deactivate": "deactivated", "already inactive": "unchanged", "refused": "failed", "invalid": "invalid"}
	for line := 2; line <= 6; line++ {
		if follows[plan[line]] == "" || follows[plan[line]] != ran[line] {
			t.Errorf("line %d: planned %q, ran %q", line, plan[line], ran[line])
		}
	}
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
	wantStderr(t, env.Stderr(), "line 2 ada@acme.example: failed: you cannot deactivate yourself", "line 3 ann@example.com: deactivated",
		"2 rows: 1 deactivated, 0 already inactive, 0 skipped, 1 failed")
	if !live.User(t, "ada@acme.example").Active {
		t.Error("the admin deactivated themself")
	}
}

func TestDeactivateCSV_BadHeaderIsUsageErrorBeforeAnyChange(t *testing.T) {
	live := leaversOrg(t)
	before := live.State(t)
	env := live.Env(t)
	err := deactivateCSV(env, "--csv "+livetest.WriteFile(t, "leavers.csv", "mail\nann@example.com\n")+" --yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `unknown column "mail"; the header must be "email"`) {
		t.Errorf("err %v, want exit 2 naming the header", err)
	}
	if live.State(t) != before {
		t.Error("a file with a bad header changed the org")
	}
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
	wantStderr(t, env.Stderr(), "line 2 ann@example.com: deactivated", "1 row: 1 deactivated")
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
	wantStderr(t, env.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run (--resume)", "line 3 di@example.com: deactivated",
		"2 rows: 1 deactivated, 0 already inactive, 1 skipped, 0 failed")
	if !live.User(t, "ann@example.com").Active || live.User(t, "di@example.com").Active {
		t.Error("resume sent a row done before, or not the row left")
	}
}

// Deactivation asks first: on a terminal, after showing the server's
// plan; with --yes never; without a terminal and --yes it is a usage
// error before anything is read or sent.
func TestDeactivateCSV_Confirmation_R9(t *testing.T) {
	const file = "email\nann@example.com\nbob@example.com\ncy@example.com\n"
	tests := []struct {
		name       string
		tty        bool
		flags      string
		answer     *bool // the question asked, and its answer; nil: none
		wantCode   int
		wantActive bool // ann after the command
	}{
		{name: "terminal, confirmed", tty: true, answer: ptr(true)},
		{name: "terminal, declined", tty: true, answer: ptr(false), wantCode: cmdutil.ExitError, wantActive: true},
		{name: "terminal, --yes", tty: true, flags: "--yes"},
		{name: "no terminal, --yes", flags: "--yes"},
		{name: "no terminal, no --yes", wantCode: cmdutil.ExitUsage, wantActive: true},
		{name: "no terminal, --dry-run", flags: "--dry-run", wantActive: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := leaversOrg(t)
			env := live.Env(t)
			env.IO.SetTTY(tt.tty) // the fake prompter fails the test on an unexpected question
			if tt.answer != nil {
				env.Prompter.ExpectConfirm("Deactivate 2 users? Their licenses go back to the pool", *tt.answer)
			}
			path := livetest.WriteFile(t, "leavers.csv", file)
			err := deactivateCSV(env, "--csv "+path+" "+tt.flags)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d\n%s", err, tt.wantCode, env.Stderr())
			}
			if active := live.User(t, "ann@example.com").Active; active != tt.wantActive {
				t.Errorf("ann active: %v, want %v", active, tt.wantActive)
			}
			plan := "The server's plan for " + path + ", nothing changed yet: deactivate 2, already inactive 1, invalid 0, refused 0"
			if asked := strings.Contains(env.Stderr(), plan); asked != (tt.answer != nil) {
				t.Errorf("plan shown: %v, want %v:\n%s", asked, tt.answer != nil, env.Stderr())
			}
			if tt.wantCode == cmdutil.ExitUsage && !strings.Contains(err.Error(), "wsctl would deactivate the users of "+path+", but there is no terminal") {
				t.Errorf("err %v", err)
			}
		})
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
	wantStderr(t, env.Stderr(), "The file would change nobody: nothing to confirm.", "1 row: 0 deactivated, 1 already inactive")
}
