package reset

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Against a loopback stand-in; the real server is in the end-to-end suite.
func TestResetRun_R12(t *testing.T) {
	tests := []struct {
		name     string
		argv     string
		tty      bool
		confirm  *bool
		wantCode int
		wantCall bool
	}{
		{name: "refused without terminal", argv: "ann@example.com", wantCode: cmdutil.ExitUsage},
		{name: "--yes", argv: "ann@example.com --yes", wantCall: true},
		{name: "confirmed", argv: "ann@example.com", tty: true, confirm: ptr(true), wantCall: true},
		{name: "declined", argv: "ann@example.com", tty: true, confirm: ptr(false), wantCode: 1},
		{name: "no user", argv: "", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := clitest.NewServer(t)
			srv.JSON("POST", "/api/v1/users/ann@example.com/mfa-reset", 200, schema.User{Email: "ann@example.com"})
			env.F.Client = srv.ClientFunc()
			if tt.confirm != nil {
				env.Prompter.ExpectConfirm("Reset MFA for ann@example.com?", *tt.confirm)
			}
			err := clitest.Run(NewCmdReset(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if (len(srv.Requests()) > 0) != tt.wantCall {
				t.Errorf("calls %+v", srv.Requests())
			}
			if tt.wantCall && !strings.Contains(env.Stderr(), "Reset MFA for ann@example.com") {
				t.Errorf("stderr %q", env.Stderr())
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
