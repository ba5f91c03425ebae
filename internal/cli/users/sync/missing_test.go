package sync

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The workspace always keeps an active admin: a roster that makes Ada a
// plain user and leaves out Zed, the other admin, gets Zed's deactivation
// refused. A refused person not in the roster is a partial failure (exit
// 3) like a refused row, and needs attention.
func TestSync_MissingPersonRefused_ExitPartial(t *testing.T) {
	live := livetest.New(t)
	in := workspace.InviteInput{Name: "Zed Boss", Email: "zed@acme.example", Roles: []string{"admin"}, Licenses: []string{"flow"}}
	if _, err := live.Svc.AddUser(context.Background(), workspace.Operator(live.OrgID), in); err != nil {
		t.Fatal(err)
	}
	e := env(t, live)
	err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", "name,email,roles,licenses\nAda Admin,ada@acme.example,user,flow\n")+" --deactivate-missing --yes")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v), want %d\n%s", cmdutil.ExitCode(err), err, cmdutil.ExitPartial, e.Stderr())
	}
	if rows := tsv(e.Stdout()); len(rows) != 2 || rows[1][0] != "-" || rows[1][1] != "refused" || rows[1][2] != "zed@acme.example" {
		t.Errorf("rows:\n%s", e.Stdout())
	}
	for _, want := range []string{"1 not in the roster: 1 refused", "zed@acme.example: refused: "} {
		if !strings.Contains(e.Stderr(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.Stderr())
		}
	}
	// Ada is no admin any more: her token cannot read users.
	if u, err := live.Svc.GetUser(context.Background(), workspace.Operator(live.OrgID), "zed@acme.example"); err != nil || !u.Active {
		t.Errorf("zed: %+v, %v; want them still active", u, err)
	}
}

// The admin running the sync is never deactivated by it: left out of the
// roster with --deactivate-missing, they are left alone, and told why.
func TestSync_CallerNotInRoster_LeftAlone(t *testing.T) {
	live := livetest.New(t)
	e := env(t, live)
	err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\n")+" --deactivate-missing")
	if err != nil {
		t.Fatalf("exit %d (%v)\n%s", cmdutil.ExitCode(err), err, e.Stderr())
	}
	for _, want := range []string{"1 row: 1 invited; 1 not in the roster: 1 left alone", "ada@acme.example: not in roster: "} {
		if !strings.Contains(e.Stderr(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.Stderr())
		}
	}
	if u := user(t, live, "ada@acme.example"); !u.Active {
		t.Errorf("the caller was deactivated")
	}
}

// A dry run's summary speaks of what would happen to the people not in
// the roster.
func TestSummaryLine_DryRunWithDeactivateMissing(t *testing.T) {
	line := 2
	res := Result{DryRun: true, Rows: []Row{
		{Line: &line, Action: "unchanged"},
		{Action: "deactivate", Kind: "user"}, {Action: "deactivate", Kind: "user"},
		{Action: "revoke", Kind: "invite"},
	}}
	if got, want := summaryLine(res, true), "1 row: 1 unchanged; 3 not in the roster: 2 to deactivate, 1 invite to revoke"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	res.DryRun = false
	if got, want := summaryLine(res, true), "1 row: 1 unchanged; 3 not in the roster: 2 deactivated, 1 invite revoked"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// The apply after a confirmation names exactly the people the plan showed,
// and an empty list (not "everyone") when it showed nobody.
func TestOffboarded_TheConfirmedPeople(t *testing.T) {
	plan := Result{Rows: []Row{{Email: "Cy@acme.example", Action: "deactivate"}, {Email: "al@acme.example", Action: "unchanged"},
		{Email: "inv@acme.example", Action: "revoke"}}}
	if got := offboarded(plan); !slices.Equal(got, []string{"Cy@acme.example", "inv@acme.example"}) {
		t.Errorf("offboarded %q", got)
	}
	if got := offboarded(Result{}); got == nil || len(got) != 0 {
		t.Errorf("offboarded of an empty plan = %#v, want an empty, non-nil list", got)
	}
}
