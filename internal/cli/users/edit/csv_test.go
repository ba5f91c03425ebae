package edit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Against workspaced's real API (livetest: loopback, SQLite file).

// teamOrg is an org with 2 flow licenses: ann (user; flow; call recording
// off), bob (manager and user; agent-dialer), dee (user; agent-dialer), all
// active, and cy, inactive.
func teamOrg(t *testing.T) *livetest.Server {
	t.Helper()
	live := livetest.New(t, map[string]int{"flow": 2})
	live.AddUser(t, "Ann Lee", "ann@example.com", []string{"user"}, "flow")
	live.AddUser(t, "Bob Stone", "bob@example.com", []string{"manager", "user"}, "agent-dialer")
	live.AddUser(t, "Dee Park", "dee@example.com", []string{"user"}, "agent-dialer")
	live.AddUser(t, "Cy Young", "cy@example.com", []string{"user"}, "agent-dialer")
	live.DeactivateUser(t, "cy@example.com")
	return live
}

func editCSV(env *clitest.Env, argv string) error {
	return clitest.Run(NewCmdEdit(env.F, nil), argv)
}

// userFields are what a row may set, for comparing users.
type userFields struct {
	name      string
	roles     []string
	licenses  []string
	recording bool
}

func fieldsOf(u workspace.User) userFields {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return userFields{u.Name, roles, u.Licenses, u.CallRecording}
}

func (f userFields) equal(g userFields) bool {
	return f.name == g.name && slices.Equal(f.roles, g.roles) && slices.Equal(f.licenses, g.licenses) && f.recording == g.recording
}

// A cell sets its field (roles and licenses replace the user's); a blank
// cell leaves its field as it is.
func TestEditCSV_CellsSetTheirFieldsAndBlankCellsChangeNothing_R8(t *testing.T) {
	live := teamOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "changes.csv", "email,name,roles,licenses,call_recording\n"+
		"ann@example.com,,manager;user,parallel-dialer|flow,\n"+
		"bob@example.com,Bob Stone-Lee,,,on\n")
	if err := editCSV(env, "--csv "+path); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	want := map[string]userFields{
		"ann@example.com": {"Ann Lee", []string{"manager", "user"}, []string{"flow", "parallel-dialer"}, false},
		"bob@example.com": {"Bob Stone-Lee", []string{"manager", "user"}, []string{"agent-dialer"}, true},
	}
	for email, w := range want {
		if got := fieldsOf(live.User(t, email)); !got.equal(w) {
			t.Errorf("%s: %+v, want %+v", email, got, w)
		}
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: edited", "line 3 bob@example.com: edited",
		"2 rows: 2 edited, 0 nothing to change, 0 skipped, 0 failed")
}

// A call_recording cell that cannot be read makes its row invalid: it is
// not sent (its name is not changed either), the other rows are, and the
// exit status is 3.
func TestEditCSV_UnreadableCellMakesTheRowInvalid(t *testing.T) {
	live := teamOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "changes.csv", "email,name,call_recording\ndee@example.com,Dee New,maybe\nann@example.com,,yes\n")
	err := editCSV(env, "--csv "+path)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), `line 2 dee@example.com: invalid: call_recording: "maybe" is none of on, off, true, false, yes, no`,
		"line 3 ann@example.com: edited")
	if live.User(t, "dee@example.com").Name != "Dee Park" || !live.User(t, "ann@example.com").CallRecording {
		t.Error("the invalid row was sent, or the valid one was not")
	}
}

// The dry run is the server's decision: nothing changes, and the run that
// follows does to every row what the plan said.
func TestEditCSV_DryRunChangesNothingAndTheRunFollowsIt(t *testing.T) {
	live := teamOrg(t)
	path := livetest.WriteFile(t, "changes.csv", "email,roles,licenses,call_recording\n"+
		"ann@example.com,,flow;agent-dialer,\n"+ // 2 edit
		"bob@example.com,user|manager,,\n"+ // 3 nothing to change
		"cy@example.com,,flow,\n"+ // 4 refused: inactive users get licenses by activation
		"dee@example.com,,,maybe\n"+ // 5 invalid
		"eve@example.com,user,,\n") // 6 refused: no such user
	planned, _ := live.PlanThenRun(t, editCSV, "--csv "+path, cmdutil.ExitPartial,
		map[string]string{"edit": "edited", "nothing to change": "unchanged", "refused": "failed", "invalid": "invalid"})
	clitest.WantLines(t, planned,
		"Dry run of 5 rows of "+path+", nothing changed: edit 1, nothing to change 1, invalid 1, refused 2",
		"line 3 bob@example.com: nothing to change\n",
		"line 4 cy@example.com: would be refused: licenses: cy@example.com is inactive",
		"line 6 eve@example.com: would be refused: no user")
	if got := live.User(t, "ann@example.com").Licenses; !slices.Equal(got, []string{"agent-dialer", "flow"}) {
		t.Errorf("ann's licenses %v after the run", got)
	}
}

// A row the server refuses (no license left) fails alone, with its reason;
// exit 3.
func TestEditCSV_RefusedRowIsExit3WithTheReason_R4(t *testing.T) {
	live := teamOrg(t)
	env := live.Env(t)
	path := livetest.WriteFile(t, "changes.csv", "email,licenses\nbob@example.com,flow\ndee@example.com,flow\n")
	err := editCSV(env, "--csv "+path)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "line 2 bob@example.com: edited", "line 2 bob@example.com: that was the last flow license: 2 of 2 in use",
		"line 3 dee@example.com: failed: no flow license left: 2 of 2 in use", "2 rows: 1 edited, 0 nothing to change, 0 skipped, 1 failed")
	if got := live.User(t, "dee@example.com").Licenses; !slices.Equal(got, []string{"agent-dialer"}) {
		t.Errorf("dee's licenses %v; the refused row changed them", got)
	}
}

func TestEditCSV_BadHeaderIsUsageErrorBeforeAnyChange(t *testing.T) {
	teamOrg(t).WantUsageError(t, editCSV, "--csv "+livetest.WriteFile(t, "changes.csv", "email,phone\nann@example.com,555\n"),
		`unknown column "phone"; the header must be "email" and any of "name,roles,licenses,call_recording"`)
}

// Only some columns, from stdin: the others are left as they are.
func TestEditCSV_StdinWithSomeColumns(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	live := teamOrg(t)
	env := live.Env(t)
	env.IO.In = strings.NewReader("email,call_recording\nann@example.com,on\ndee@example.com,ON\n")
	if err := editCSV(env, "--csv -"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	for _, email := range []string{"ann@example.com", "dee@example.com"} {
		if u := live.User(t, email); !u.CallRecording || u.Name == "" || len(u.Licenses) != 1 {
			t.Errorf("%s: %+v", email, fieldsOf(u))
		}
	}
	clitest.WantLines(t, env.Stderr(), "2 rows: 2 edited")
}

// --resume after a run with a refused row sends only the rows not done:
// ann's name, changed back in between, is not changed again.
func TestEditCSV_ResumeSkipsTheRowsDone(t *testing.T) {
	live := teamOrg(t)
	path := livetest.WriteFile(t, "changes.csv", "email,name,licenses\nann@example.com,Ann Two,\ncy@example.com,,flow\n")
	env := live.Env(t)
	if err := editCSV(env, "--csv "+path); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("first run: err %v\n%s", err, env.Stderr())
	}
	ctx, op := t.Context(), live.Operator()
	if _, err := live.Svc.Activate(ctx, op, "cy@example.com", []string{"agent-dialer"}); err != nil { // cy's row is fixed
		t.Fatal(err)
	}
	name := "Ann Lee"
	if _, err := live.Svc.EditUser(ctx, op, "ann@example.com", workspace.UserEdit{Name: &name}); err != nil {
		t.Fatal(err)
	}
	env = live.Env(t)
	if err := editCSV(env, "--csv "+path+" --resume"); err != nil {
		t.Fatalf("resume: err %v\n%s", err, env.Stderr())
	}
	clitest.WantLines(t, env.Stderr(), "line 2 ann@example.com: skipped: done in an earlier run (--resume)", "line 3 cy@example.com: edited",
		"2 rows: 1 edited, 0 nothing to change, 1 skipped, 0 failed")
	if live.User(t, "ann@example.com").Name != "Ann Lee" || !slices.Equal(live.User(t, "cy@example.com").Licenses, []string{"flow"}) {
		t.Error("resume sent a row done before, or not the row left")
	}
}

// What a row sends: a cell given sets its field, a blank one sends
// nothing for it (unchanged), never an empty list.
func TestEditItem(t *testing.T) {
	rd, err := bulk.NewReader(strings.NewReader("email,name,roles,licenses,call_recording\n"+
		"Ann@Example.com,Ann Lee,manager;user,,off\n"+
		"bob@example.com,,,flow|agent-dialer,\n"), editVerb().Columns)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 2 {
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		it := editItem(rec)
		body, err := json.Marshal(it.Request)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(body))
		if it.Email != rec.Get("email") || it.Key == "" || it.Invalid != nil {
			t.Errorf("item %+v", it)
		}
	}
	want := []string{
		`{"user":"Ann@Example.com","name":"Ann Lee","roles":["manager","user"],"call_recording":false}`,
		`{"user":"bob@example.com","licenses":["flow","agent-dialer"]}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
