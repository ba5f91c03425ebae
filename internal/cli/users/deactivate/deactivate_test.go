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
		wantYes  bool
		wantCode int
	}{
		{argv: "ann@example.com"},
		{argv: "ann@example.com --yes", wantYes: true},
		{argv: "-y ann@example.com", wantYes: true},
		{argv: "", wantCode: cmdutil.ExitUsage},
		{argv: "a b", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *DeactivateOptions
			err := clitest.Run(NewCmdDeactivate(env.F, func(o *DeactivateOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || got.User != "ann@example.com" || got.Yes != tt.wantYes {
				t.Errorf("err %v opts %+v", err, got)
			}
		})
	}
}

// Behaviour against a loopback stand-in server; the real workspaced is
// exercised by the end-to-end suite.
func TestDeactivateRun_Confirmation_R9(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		argv     string
		answer   *bool
		wantCall bool
		wantCode int
	}{
		{name: "no terminal, no --yes: refused", argv: "ann@example.com", wantCode: cmdutil.ExitUsage},
		{name: "no terminal, --yes", argv: "ann@example.com --yes", wantCall: true},
		{name: "terminal, confirmed", tty: true, argv: "ann@example.com", answer: ptr(true), wantCall: true},
		{name: "terminal, declined", tty: true, argv: "ann@example.com", answer: ptr(false), wantCode: cmdutil.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := clitest.NewServer(t)
			srv.JSON("GET", "/api/v1/users/ann@example.com", 200, schema.User{Email: "ann@example.com", Licenses: []string{"flow"}, Active: true})
			srv.JSON("POST", "/api/v1/users/ann@example.com/deactivate", 200, schema.User{Email: "ann@example.com"})
			env.F.Client = srv.ClientFunc()
			if tt.answer != nil {
				env.Prompter.ExpectConfirm("Deactivate ann@example.com?", *tt.answer)
			}
			err := clitest.Run(NewCmdDeactivate(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			deactivated := false
			for _, r := range srv.Requests() {
				deactivated = deactivated || r.Method == "POST"
			}
			if deactivated != tt.wantCall {
				t.Errorf("deactivated: %v, want %v", deactivated, tt.wantCall)
			}
			if tt.name == "no terminal, no --yes: refused" && len(srv.Requests()) > 0 {
				t.Errorf("server called before refusing: %+v", srv.Requests())
			}
			if tt.wantCall && !strings.Contains(env.Stderr(), "Deactivated ann@example.com; their licenses are back in the pool (flow)") {
				t.Errorf("stderr %q", env.Stderr())
			}
		})
	}
}

func TestDeactivateRun_LastAdmin_R9(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.JSON("GET", "/api/v1/users/ann@example.com", 200, schema.User{Email: "ann@example.com", Active: true})
	srv.Handle("POST", "/api/v1/users/ann@example.com/deactivate", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 409, schema.CodeLastAdmin, "ann@example.com is the last active admin: make someone else admin first")
	})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdDeactivate(env.F, nil), "ann@example.com -y")
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(cmdutil.ErrorMessage(err), "last active admin") {
		t.Errorf("err %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// The server answers a deactivation of someone already inactive with the user
// unchanged; wsctl must not claim it deactivated them or released licenses.
func TestDeactivateRun_AlreadyInactiveSaysSo(t *testing.T) {
	for _, argv := range []string{"ann@example.com --yes", "ann@example.com --yes -o json"} {
		env := clitest.NewEnv(t)
		srv := clitest.NewServer(t)
		inactive := schema.User{ID: "u1", Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{}, Active: false}
		srv.JSON("GET", "/api/v1/users/ann@example.com", 200, inactive)
		srv.JSON("POST", "/api/v1/users/ann@example.com/deactivate", 200, inactive)
		env.F.Client = srv.ClientFunc()
		if err := clitest.Run(NewCmdDeactivate(env.F, nil), argv); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(env.Stderr(), "Deactivated") || strings.Contains(env.Stderr(), "back in the pool") ||
			!strings.Contains(env.Stderr(), "ann@example.com is already inactive") {
			t.Errorf("%s: stderr %q", argv, env.Stderr())
		}
		if strings.HasSuffix(argv, "json") && !strings.Contains(env.Stdout(), `"active": false`) {
			t.Errorf("%s: stdout %q", argv, env.Stdout())
		}
	}
}

// Deactivating someone already inactive is not worth a question.
func TestDeactivateRun_AlreadyInactiveOnTerminalIsNotConfirmed(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true) // the fake prompter fails the test on an unexpected question
	srv := clitest.NewServer(t)
	srv.JSON("GET", "/api/v1/users/ann@example.com", 200, schema.User{Email: "ann@example.com", Active: false})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdDeactivate(env.F, nil), "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("unexpected %s %s", r.Method, r.Path)
		}
	}
}

// A token with users:write but not users:read cannot read the user first:
// the deactivation still goes, and the message claims no more than it knows.
func TestDeactivateRun_WithoutReadScope(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/users/ann@example.com", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 403, schema.CodeForbidden, "this token lacks the users:read scope")
	})
	srv.JSON("POST", "/api/v1/users/ann@example.com/deactivate", 200, schema.User{Email: "ann@example.com"})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdDeactivate(env.F, nil), "ann@example.com --yes"); err != nil {
		t.Fatal(err)
	}
	if env.Stderr() != "ann@example.com is inactive; any licenses they held are back in the pool\n" {
		t.Errorf("stderr %q", env.Stderr())
	}
}

func TestDeactivateRun_UnknownUserIsNotConfirmed(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true) // the fake prompter fails the test on an unexpected question
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/users/nobody@example.com", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 404, schema.CodeNotFound, "no user nobody@example.com")
	})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdDeactivate(env.F, nil), "nobody@example.com")
	if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(cmdutil.ErrorMessage(err), "no user nobody@example.com") {
		t.Errorf("err %v", err)
	}
}
