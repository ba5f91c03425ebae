package show

import (
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdShow_Args(t *testing.T) {
	env := clitest.NewEnv(t)
	err := clitest.Run(NewCmdShow(env.F, func(*ShowOptions) error { return nil }), "")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "email or an id") {
		t.Errorf("err %v", err)
	}
}

// Against a loopback stand-in; the real server is in the end-to-end suite.
func TestShowRun(t *testing.T) {
	user := schema.User{ID: "u1", Name: "Ann Lee", Email: "ann@example.com", Roles: []string{"admin"}, Licenses: []string{}, Active: true,
		CreatedAt: time.Now().Add(-50 * time.Hour), UpdatedAt: time.Now()}
	tests := []struct {
		name string
		tty  bool
		argv string
		want []string
	}{
		{name: "terminal", tty: true, argv: "ann@example.com", want: []string{"Name:", "Ann Lee", "Licenses:", "none", "Last sign-in:", "never", "2 days ago"}},
		{name: "piped", argv: "ann@example.com", want: []string{"name:\tAnn Lee\n", "licenses:\t\n", "active:\ttrue\n"}},
		{name: "json", argv: "ann@example.com -o json", want: []string{`"email": "ann@example.com"`, `"last_sign_in_at": null`, `"call_recording": false`}},
		{name: "jq", argv: "ann@example.com --jq .roles[0]", want: []string{"admin\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := clitest.NewServer(t)
			srv.JSON("GET", "/api/v1/users/ann@example.com", 200, user)
			env.F.Client = srv.ClientFunc()
			if err := clitest.Run(NewCmdShow(env.F, nil), tt.argv); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(env.Stdout(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, env.Stdout())
				}
			}
		})
	}
}
