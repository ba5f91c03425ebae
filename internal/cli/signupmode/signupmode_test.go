package signupmode

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdSignupMode_Args(t *testing.T) {
	tests := []struct {
		argv     string
		action   string
		yes      bool
		wantCode int
	}{
		{argv: "", action: "status"},
		{argv: "status", action: "status"},
		{argv: "on", action: "on"},
		{argv: "off --yes", action: "off", yes: true},
		{argv: "maybe", wantCode: cmdutil.ExitUsage},
		{argv: "on off", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *SignupModeOptions
			err := clitest.Run(NewCmdSignupMode(env.F, func(o *SignupModeOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || got.Action != tt.action || got.Yes != tt.yes {
				t.Errorf("err %v opts %+v", err, got)
			}
		})
	}
}

// Against a loopback stand-in; the real server is in the end-to-end suite.
func TestSignupModeRun_R3(t *testing.T) {
	tests := []struct {
		name     string
		argv     string
		tty      bool
		confirm  *bool
		wantCode int
		wantOut  string
		wantErr  string
		wantPut  string // body of the PUT, "" if none
	}{
		{name: "status piped", argv: "", wantOut: "on\n"},
		{name: "status json", argv: "status -o json", wantOut: "{\n  \"auto_signup\": true\n}\n"},
		{name: "status terminal", argv: "", tty: true, wantOut: "wsctl signup-mode off"},
		{name: "off without terminal or --yes is refused", argv: "off", wantCode: cmdutil.ExitUsage, wantErr: ""},
		{name: "off --yes", argv: "off --yes", wantOut: "off\n", wantErr: "Automatic sign-up is now off", wantPut: `{"auto_signup":false}`},
		{name: "on confirmed", argv: "on", tty: true, confirm: ptr(true), wantPut: `{"auto_signup":true}`},
		{name: "off declined", argv: "off", tty: true, confirm: ptr(false), wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := clitest.NewServer(t)
			srv.JSON("GET", "/api/v1/settings/signup-mode", 200, schema.SignupMode{AutoSignup: true})
			srv.Handle("PUT", "/api/v1/settings/signup-mode", func(w http.ResponseWriter, r *http.Request) {
				clitest.WriteJSON(w, 200, schema.SignupMode{AutoSignup: strings.Contains(clitest.Body(r), "true")})
			})
			env.F.Client = srv.ClientFunc()
			if tt.confirm != nil {
				env.Prompter.ExpectConfirm("Turn automatic sign-up", *tt.confirm)
			}
			err := clitest.Run(NewCmdSignupMode(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if !strings.Contains(env.Stdout(), tt.wantOut) || !strings.Contains(env.Stderr(), tt.wantErr) {
				t.Errorf("stdout %q stderr %q", env.Stdout(), env.Stderr())
			}
			var put string
			for _, r := range srv.Requests() {
				if r.Method == "PUT" {
					put = r.Body
				}
			}
			if put != tt.wantPut {
				t.Errorf("PUT body %q, want %q", put, tt.wantPut)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
