package deactivate

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdDeactivate_Flags(t *testing.T) {
	tests := []struct {
		argv     string
		wantUser string
		wantFile string
		wantYes  bool
		wantCode int
		wantErr  string
	}{
		{argv: "ann@example.com", wantUser: "ann@example.com"},
		{argv: "ann@example.com --yes", wantUser: "ann@example.com", wantYes: true},
		{argv: "-y ann@example.com", wantUser: "ann@example.com", wantYes: true},
		{argv: "--csv leavers.csv", wantFile: "leavers.csv"},
		{argv: "--csv - --yes --report r.csv", wantFile: "-", wantYes: true},
		{argv: "", wantCode: cmdutil.ExitUsage, wantErr: "which user?"},
		{argv: "a b", wantCode: cmdutil.ExitUsage},
		{argv: "ann@example.com --csv leavers.csv", wantCode: cmdutil.ExitUsage, wantErr: `USER "ann@example.com" cannot be used with --csv`},
		{argv: "ann@example.com --dry-run", wantCode: cmdutil.ExitUsage, wantErr: "--dry-run works only with --csv FILE"},
		{argv: "--csv leavers.csv --dry-run --resume", wantCode: cmdutil.ExitUsage, wantErr: "--dry-run changes nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *DeactivateOptions
			err := clitest.Run(NewCmdDeactivate(env.F, func(o *DeactivateOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode || !strings.Contains(cmdutil.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err %v, want exit %d with %q", err, tt.wantCode, tt.wantErr)
				}
				return
			}
			if err != nil || got.User != tt.wantUser || got.CSV.File != tt.wantFile || got.Yes != tt.wantYes {
				t.Errorf("err %v opts %+v", err, got)
			}
		})
	}
}

// deactivateServer is a loopback stand-in for workspaced: the dry run of
// POST /users/batch answers planned for ann@example.com, and the single
// route deactivates her. Any other request fails the test.
func deactivateServer(t *testing.T, planned schema.UserBatchResult, applied schema.User) *clitest.Server {
	srv := clitest.NewServer(t)
	srv.Handle("POST", "/api/v1/users/batch", func(w http.ResponseWriter, r *http.Request) {
		if body := clitest.Body(r); body != `{"action":"deactivate","users":[{"user":"ann@example.com"}],"dry_run":true}` {
			t.Errorf("batch request %s; want a dry run of ann@example.com", body)
		}
		clitest.WriteJSON(w, 200, schema.UserBatchResponse{Action: "deactivate", DryRun: true, Results: []schema.UserBatchResult{planned}})
	})
	srv.JSON("POST", "/api/v1/users/ann@example.com/deactivate", 200, applied)
	return srv
}

var (
	wouldDeactivate = schema.UserBatchResult{Status: schema.UserBatchDeactivated, User: &schema.User{Email: "ann@example.com", Licenses: []string{}}}
	deactivated     = schema.User{Email: "ann@example.com", Licenses: []string{}}
)

// routes lists the requests a server received, "POST /api/v1/users/batch".
func routes(srv *clitest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// On a terminal, the server's dry run comes first, then the question, then
// the single route; --yes goes straight to the single route; without a
// terminal and --yes nothing is sent.
func TestDeactivateRun_Confirmation_R9(t *testing.T) {
	const dryRun, apply = "POST /api/v1/users/batch", "POST /api/v1/users/ann@example.com/deactivate"
	tests := []struct {
		name       string
		tty        bool
		argv       string
		answer     *bool
		wantRoutes []string
		wantCode   int
	}{
		{name: "no terminal, no --yes: refused", argv: "ann@example.com", wantCode: cmdutil.ExitUsage},
		{name: "no terminal, --yes", argv: "ann@example.com --yes", wantRoutes: []string{apply}},
		{name: "terminal, --yes", tty: true, argv: "ann@example.com --yes", wantRoutes: []string{apply}},
		{name: "terminal, confirmed", tty: true, argv: "ann@example.com", answer: ptr(true), wantRoutes: []string{dryRun, apply}},
		{name: "terminal, declined", tty: true, argv: "ann@example.com", answer: ptr(false), wantRoutes: []string{dryRun}, wantCode: cmdutil.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := deactivateServer(t, wouldDeactivate, deactivated)
			env.F.Client = srv.ClientFunc()
			if tt.answer != nil {
				env.Prompter.ExpectConfirm("Deactivate ann@example.com?", *tt.answer)
			}
			err := clitest.Run(NewCmdDeactivate(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if got := routes(srv); strings.Join(got, "; ") != strings.Join(tt.wantRoutes, "; ") {
				t.Errorf("requests %q, want %q", got, tt.wantRoutes)
			}
			applied := len(tt.wantRoutes) > 0 && tt.wantRoutes[len(tt.wantRoutes)-1] == apply
			if said := plain(env.Stderr()) == "Deactivated ann@example.com; their licenses are back in the pool and their sessions are revoked\n"; said != applied {
				t.Errorf("stderr %q", env.Stderr())
			}
		})
	}
}

// Someone the server would refuse (the last admin) is reported from its dry
// run, without a question; with --yes, from the single route's answer.
func TestDeactivateRun_LastAdmin_R9(t *testing.T) {
	const lastAdmin = "ann@example.com is the last active admin: make someone else admin first"
	for _, tty := range []bool{true, false} {
		env := clitest.NewEnv(t)
		env.IO.SetTTY(tty) // the fake prompter fails the test on an unexpected question
		srv := deactivateServer(t, schema.UserBatchResult{Status: schema.BatchFailed,
			Error: &schema.Problem{Status: 409, Code: schema.CodeLastAdmin, Detail: lastAdmin}}, schema.User{})
		srv.Handle("POST", "/api/v1/users/ann@example.com/deactivate", func(w http.ResponseWriter, r *http.Request) {
			clitest.Problem(w, 409, schema.CodeLastAdmin, lastAdmin)
		})
		env.F.Client = srv.ClientFunc()
		argv := "ann@example.com"
		if !tty {
			argv += " -y"
		}
		err := clitest.Run(NewCmdDeactivate(env.F, nil), argv)
		if cmdutil.ExitCode(err) != cmdutil.ExitError || cmdutil.ErrorMessage(err) != "deactivate ann@example.com: "+lastAdmin {
			t.Errorf("%s: err %v", argv, err)
		}
		if got := routes(srv); len(got) != 1 {
			t.Errorf("%s: requests %q, want one", argv, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// plain is stderr without the success mark a terminal gets.
func plain(stderr string) string { return strings.TrimPrefix(stderr, "✓ ") }

// The server says when a deactivation changed nothing (the user's
// "unchanged"); wsctl must not claim it deactivated them or released
// licenses, on stderr or in -o json.
func TestDeactivateRun_AlreadyInactiveSaysSo(t *testing.T) {
	for _, argv := range []string{"ann@example.com --yes", "ann@example.com --yes -o json"} {
		env := clitest.NewEnv(t)
		inactive := schema.User{ID: "u1", Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{}, Active: false, Unchanged: "already inactive"}
		srv := deactivateServer(t, wouldDeactivate, inactive)
		env.F.Client = srv.ClientFunc()
		if err := clitest.Run(NewCmdDeactivate(env.F, nil), argv); err != nil {
			t.Fatal(err)
		}
		if env.Stderr() != "ann@example.com is already inactive; nothing changed\n" {
			t.Errorf("%s: stderr %q", argv, env.Stderr())
		}
		if strings.HasSuffix(argv, "json") && (!strings.Contains(env.Stdout(), `"active": false`) || !strings.Contains(env.Stdout(), `"unchanged": "already inactive"`)) {
			t.Errorf("%s: stdout %q", argv, env.Stdout())
		}
	}
}

// Deactivating someone already inactive is not worth a question: the
// server's dry run says so, and nothing else is sent.
func TestDeactivateRun_AlreadyInactiveOnTerminalIsNotConfirmed(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true) // the fake prompter fails the test on an unexpected question
	srv := deactivateServer(t, schema.UserBatchResult{Status: schema.UserBatchUnchanged,
		User: &schema.User{Email: "ann@example.com", Unchanged: "already inactive"}}, deactivated)
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdDeactivate(env.F, nil), "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := routes(srv); len(got) != 1 || got[0] != "POST /api/v1/users/batch" {
		t.Errorf("requests %q, want the dry run only", got)
	}
	if plain(env.Stderr()) != "ann@example.com is already inactive; nothing changed\n" {
		t.Errorf("stderr %q", env.Stderr())
	}
}

// The user is never read first: a token with users:write but not
// users:read deactivates, and the message says what the server did.
func TestDeactivateRun_NeverReadsTheUser(t *testing.T) {
	for _, tty := range []bool{true, false} {
		env := clitest.NewEnv(t)
		env.IO.SetTTY(tty)
		srv := deactivateServer(t, wouldDeactivate, deactivated)
		srv.Handle("GET", "/api/v1/users/ann@example.com", func(w http.ResponseWriter, r *http.Request) {
			t.Error("the user was read")
			clitest.Problem(w, 403, schema.CodeForbidden, "this token lacks the users:read scope")
		})
		env.F.Client = srv.ClientFunc()
		argv := "ann@example.com --yes"
		if tty {
			argv = "ann@example.com"
			env.Prompter.ExpectConfirm("Deactivate ann@example.com?", true)
		}
		if err := clitest.Run(NewCmdDeactivate(env.F, nil), argv); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain(env.Stderr()), "Deactivated ann@example.com") {
			t.Errorf("stderr %q", env.Stderr())
		}
	}
}

// Someone unknown is not worth a question either: the server's dry run
// answers the row with its 404, which is the command's error.
func TestDeactivateRun_UnknownUserIsNotConfirmed(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true) // the fake prompter fails the test on an unexpected question
	srv := clitest.NewServer(t)
	srv.JSON("POST", "/api/v1/users/batch", 200, schema.UserBatchResponse{Action: "deactivate", DryRun: true, Results: []schema.UserBatchResult{{
		Status: schema.BatchFailed, Error: &schema.Problem{Status: 404, Code: schema.CodeNotFound, Detail: "no user nobody@example.com"}}}})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdDeactivate(env.F, nil), "nobody@example.com")
	if cmdutil.ExitCode(err) != cmdutil.ExitError || cmdutil.ErrorMessage(err) != "deactivate nobody@example.com: no user nobody@example.com" {
		t.Errorf("err %v", err)
	}
	if got := routes(srv); len(got) != 1 {
		t.Errorf("requests %q, want the dry run only", got)
	}
}
