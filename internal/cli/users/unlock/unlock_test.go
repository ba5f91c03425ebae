package unlock

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdUnlock_Args(t *testing.T) {
	env := clitest.NewEnv(t)
	err := clitest.Run(NewCmdUnlock(env.F, func(*UnlockOptions) error { return nil }), "")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "email or an id") {
		t.Errorf("err %v", err)
	}
}

// Against a loopback stand-in; the real route is tested in internal/api.
func TestUnlockRun(t *testing.T) {
	user := schema.User{ID: "u1", Name: "Ann Lee", Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{}, Active: true}
	for _, tt := range []struct {
		argv, stdout, stderr string
	}{
		{argv: "ann@example.com", stderr: "ann@example.com can sign in again at once"},
		{argv: "ann@example.com -o json", stdout: `"email": "ann@example.com"`},
	} {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			srv := clitest.NewServer(t)
			srv.JSON("POST", "/api/v1/users/ann@example.com/unlock", 200, user)
			env.F.Client = srv.ClientFunc()
			if err := clitest.Run(NewCmdUnlock(env.F, nil), tt.argv); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(env.Stdout(), tt.stdout) || !strings.Contains(env.Stderr(), tt.stderr) {
				t.Errorf("stdout %q, stderr %q; want %q and %q", env.Stdout(), env.Stderr(), tt.stdout, tt.stderr)
			}
		})
	}
}
