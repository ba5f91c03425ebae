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
			srv.JSON("POST", "/api/v1/users/ann@example.com/deactivate", 200, schema.User{Email: "ann@example.com"})
			env.F.Client = srv.ClientFunc()
			if tt.answer != nil {
				env.Prompter.ExpectConfirm("Deactivate ann@example.com?", *tt.answer)
			}
			err := clitest.Run(NewCmdDeactivate(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if called := len(srv.Requests()) > 0; called != tt.wantCall {
				t.Errorf("server called: %v, want %v", called, tt.wantCall)
			}
			if tt.wantCall && !strings.Contains(env.Stderr(), "Deactivated ann@example.com") {
				t.Errorf("stderr %q", env.Stderr())
			}
		})
	}
}

func TestDeactivateRun_LastAdmin_R9(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
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
