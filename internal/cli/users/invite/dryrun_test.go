package invite

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// licensesServer answers GET /licenses with the default catalog, and GET
// /users and /invites with no one; it fails
// the test on anything else: a dry run sends nothing.
func licensesServer(t *testing.T) *clitest.Server {
	srv := clitest.NewServer(t)
	srv.JSON("GET", "/api/v1/licenses", 200, schema.Page[schema.LicensePool]{Items: []schema.LicensePool{
		{Product: "parallel-dialer", Total: 3}, {Product: "agent-dialer", Total: 3}, {Product: "flow", Total: 3},
	}})
	srv.JSON("GET", "/api/v1/users", 200, schema.Page[schema.User]{Items: []schema.User{}})
	srv.JSON("GET", "/api/v1/invites", 200, schema.Page[schema.Invite]{Items: []schema.Invite{}})
	return srv
}

// The dry run judges rows with the domain's own R1 rule, so it agrees with
// the server: barbara@acme is refused; a decomposed "Zoë" (e + U+0308) and
// the role "User" are accepted; product names are checked against the
// server's catalog.
func TestInviteCSV_DryRunAgreesWithTheServer_R1(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := licensesServer(t)
	env.F.Client = srv.ClientFunc()
	file := "name,email,roles,licenses\n" +
		"Barbara,barbara@acme,user,flow\n" +
		"Zoe\u0308 Park,zoe@example.com,User,flow\n" +
		"Ann,ann@example.com,user,dialer\n" +
		"Bob,bob@example.com,user,Parallel-Dialer\n"
	err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", file)+" --dry-run")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err %v, want exit 3", err)
	}
	plan := env.Stdout()
	for _, want := range []string{"2\tinvalid\tbarbara@acme", "3\tinvite\tzoe@example.com", "4\tinvalid\tann@example.com", "5\tinvite\tbob@example.com"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if !strings.Contains(env.Stderr(), `unknown product "dialer"`) || !strings.Contains(env.Stderr(), "2 rows would be sent, 2 invalid") {
		t.Errorf("stderr:\n%s", env.Stderr())
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("a dry run sent %s %s", r.Method, r.Path)
		}
	}
}

// Without a server to ask, the dry run checks everything else and says that
// product names were not checked.
func TestInviteCSV_DryRunWithoutServerSkipsProductCheck(t *testing.T) {
	env := clitest.NewEnv(t)
	env.F.Client = func() (*client.Client, error) { return nil, errors.New("not signed in") }
	file := "name,email,roles,licenses\nAnn,ann@example.com,user,dialer\n"
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", file)+" --dry-run"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if !strings.Contains(env.Stderr(), "license names, license pools, users and pending invites were not checked") || !strings.Contains(env.Stderr(), "not signed in") {
		t.Errorf("stderr:\n%s", env.Stderr())
	}
}

func TestInviteCSV_DryRunWithUnreachableServer(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/licenses", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 403, schema.CodeForbidden, "this token lacks the licenses:read scope")
	})
	env.F.Client = srv.ClientFunc()
	file := "name,email,roles,licenses\nAnn,ann@example.com,user,flow\n"
	if err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "p.csv", file)+" --dry-run"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Stderr(), "license names, license pools, users and pending invites were not checked") {
		t.Errorf("stderr:\n%s", env.Stderr())
	}
}

// The summary lists the failed lines only when the failures are about rows;
// --resume (the file's journal) continues after any failure.
func TestInviteCSV_NextStepFitsTheFailure(t *testing.T) {
	tests := []struct {
		name       string
		refuse     *schema.Problem
		flags      string
		wantCode   int
		wantNext   string
		wantAbsent []string
	}{
		{name: "row failures without a report: run the file again", flags: "",
			wantCode: cmdutil.ExitPartial, wantNext: "Failed lines: 4; fix them and run 'wsctl users invite --csv ",
			wantAbsent: []string{"--report"}},
		{name: "row failures with a report: resume", flags: "--report REPORT",
			wantCode: cmdutil.ExitPartial, wantNext: "--resume' to send only the rows not done yet"},
		{name: "signup mode on stops the run: no row to fix", refuse: &schema.Problem{Status: 409, Code: schema.CodeSignupModeOn, Detail: "invites are refused while users can sign up on their own"},
			wantCode: cmdutil.ExitError, wantNext: "run the same command with --resume", wantAbsent: []string{"Failed lines", "--report"}},
		{name: "forbidden stops the run", refuse: &schema.Problem{Status: 403, Code: schema.CodeForbidden, Detail: "only admins can do this"}, flags: "--report REPORT",
			wantCode: cmdutil.ExitAuth, wantAbsent: []string{"Failed lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			srv := newInviteServer(t)
			if tt.refuse != nil {
				for _, e := range []string{"ann@example.com", "bob@example.com", "last@example.com"} {
					srv.refuse[e] = *tt.refuse
				}
			}
			env.F.Client = srv.ClientFunc()
			report := writeFile(t, "report.csv", "")
			flags := strings.ReplaceAll(tt.flags, "REPORT", report)
			err := clitest.Run(NewCmdInvite(env.F, nil), "--csv "+writeFile(t, "people.csv", people)+" "+flags)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			stderr := env.Stderr()
			if !strings.Contains(stderr, strings.ReplaceAll(tt.wantNext, "REPORT", report)) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantNext, stderr)
			}
			for _, absent := range tt.wantAbsent {
				if strings.Contains(stderr, absent) && !strings.Contains(flags, absent) {
					t.Errorf("stderr has %q:\n%s", absent, stderr)
				}
			}
		})
	}
}

func TestInviteHelp_DocumentsTheRowReportOfMachineOutput(t *testing.T) {
	cmd := NewCmdInvite(clitest.NewEnv(t).F, nil)
	for _, want := range []string{"-o json", "line, email, status, error", "invite"} {
		if !strings.Contains(cmd.Long, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
