package show

import (
	"context"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdShow_Flags(t *testing.T) {
	tests := []struct {
		argv     string
		product  string
		above    float64
		has      bool
		wantCode int
	}{
		{argv: ""},
		{argv: "--product flow --fail-above 80", product: "flow", above: 80, has: true},
		{argv: "--fail-above 0", has: true},
		{argv: "--fail-above 101", wantCode: cmdutil.ExitUsage},
		{argv: "--fail-above lots", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *ShowOptions
			err := clitest.Run(NewCmdShow(env.F, func(o *ShowOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || got.Product != tt.product || got.FailAbove != tt.above || got.HasFailAbove != tt.has {
				t.Errorf("err %v opts %+v", err, got)
			}
		})
	}
}

// Against a loopback stand-in: the pools as GET /licenses lists them.
func TestShowRun(t *testing.T) {
	pools := []schema.LicensePool{
		{Product: "parallel-dialer", Name: "AI Parallel Dialer", Total: 3, Assigned: 2, Reserved: 1, Available: 0},
		{Product: "flow", Name: "Sales Flow", Total: 4, Assigned: 1, Reserved: 1, Available: 2},
	}
	tests := []struct {
		argv     string
		wantCode int
		wantOut  string
	}{
		{argv: "", wantOut: "parallel-dialer\tAI Parallel Dialer\t3\t2\t1\t0\nflow\tSales Flow\t4\t1\t1\t2\n"},
		{argv: "--product flow", wantOut: "flow\tSales Flow\t4\t1\t1\t2\n"},
		{argv: "--product nope", wantCode: 1},
		{argv: "-o json --product flow", wantOut: `"available": 2`},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			srv := clitest.NewServer(t)
			srv.JSON("GET", "/api/v1/licenses", 200, schema.Page[schema.LicensePool]{Items: pools})
			env.F.Client = srv.ClientFunc()
			err := clitest.Run(NewCmdShow(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if !strings.Contains(env.Stdout(), tt.wantOut) {
				t.Errorf("stdout %q stderr %q", env.Stdout(), env.Stderr())
			}
		})
	}
}

// --fail-above is the license audit's pool check, decided by the real
// server: parallel-dialer 3 of 3 (2 assigned, 1 reserved), flow 2 of 4,
// agent-dialer 0 of 3. A member's read-only token (licenses:read, not
// users:read, no admin role) may run it, as before.
func TestShowRun_FailAbove_ServerDecides(t *testing.T) {
	srv := livetest.New(t, map[string]int{"parallel-dialer": 3, "flow": 4, "agent-dialer": 3})
	srv.AddUser(t, "Ann Agent", "ann@acme.example", []string{"user"}, "parallel-dialer", "flow")
	srv.AddUser(t, "Bob Agent", "bob@acme.example", []string{"user"}, "parallel-dialer")
	admin, _ := srv.Client()
	if _, _, err := admin.Invite(context.Background(), schema.InviteRequest{Name: "Cat Agent", Email: "cat@acme.example",
		Roles: []string{"user"}, Licenses: []string{"parallel-dialer", "flow"}}, ""); err != nil {
		t.Fatal(err)
	}
	readOnly := srv.TokenClient(t, "ann@acme.example", "licenses:read")
	tests := []struct {
		argv     string
		wantCode int
		wantErr  string
		wantOut  string
	}{
		{argv: "--fail-above 90", wantCode: cmdutil.ExitPartial, wantErr: "parallel-dialer: 100% used (3 of 3: 2 assigned, 1 reserved), above 90%\n"},
		{argv: "--fail-above 100"},
		{argv: "--fail-above 49", wantCode: cmdutil.ExitPartial, wantErr: "flow: 50% used (2 of 4: 1 assigned, 1 reserved), above 49%\n"},
		{argv: "--product flow --fail-above 90", wantOut: "flow\tSales Flow\t4\t1\t1\t2\n"},
		{argv: "--product flow --fail-above 40", wantCode: cmdutil.ExitPartial, wantOut: "flow\tSales Flow\t4\t1\t1\t2\n", wantErr: "flow: 50% used"},
		{argv: "--product nope --fail-above 40", wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.F.Client = readOnly
			err := clitest.Run(NewCmdShow(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if !strings.Contains(env.Stderr(), tt.wantErr) || !strings.Contains(env.Stdout(), tt.wantOut) {
				t.Errorf("stdout %q stderr %q", env.Stdout(), env.Stderr())
			}
			if tt.wantCode == 0 && env.Stderr() != "" {
				t.Errorf("stderr %q, want nothing under the limit", env.Stderr())
			}
			if strings.Contains(tt.argv, "--product flow") && strings.Contains(env.Stderr()+env.Stdout(), "parallel-dialer") {
				t.Errorf("--product flow shows or fails on another pool: stdout %q stderr %q", env.Stdout(), env.Stderr())
			}
		})
	}
}
