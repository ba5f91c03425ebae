package show

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
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

// Against a loopback stand-in; the real server is in the end-to-end suite.
func TestShowRun_FailAbove(t *testing.T) {
	pools := []schema.LicensePool{
		{Product: "parallel-dialer", Name: "AI Parallel Dialer", Total: 3, Assigned: 2, Reserved: 1, Available: 0},
		{Product: "flow", Name: "Sales Flow", Total: 4, Assigned: 1, Reserved: 1, Available: 2},
	}
	tests := []struct {
		argv     string
		wantCode int
		wantErr  string
		wantOut  string
	}{
		{argv: "", wantOut: "parallel-dialer\tAI Parallel Dialer\t3\t2\t1\t0\nflow\tSales Flow\t4\t1\t1\t2\n"},
		{argv: "--fail-above 90", wantCode: cmdutil.ExitPartial, wantErr: "parallel-dialer is 100% used (3 of 3: 2 assigned, 1 reserved), above 90%"},
		{argv: "--fail-above 100"},
		{argv: "--fail-above 49", wantCode: cmdutil.ExitPartial, wantErr: "flow is 50% used"},
		{argv: "--product flow --fail-above 90", wantOut: "flow\tSales Flow\t4\t1\t1\t2\n"},
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
			if !strings.Contains(env.Stderr(), tt.wantErr) || !strings.Contains(env.Stdout(), tt.wantOut) {
				t.Errorf("stdout %q stderr %q", env.Stdout(), env.Stderr())
			}
		})
	}
}

func TestUsedShare(t *testing.T) {
	for _, tt := range []struct {
		p    schema.LicensePool
		want float64
	}{
		{schema.LicensePool{Total: 3, Assigned: 3}, 100},
		{schema.LicensePool{Total: 4, Assigned: 1, Reserved: 1}, 50},
		{schema.LicensePool{Total: 0}, 0},
	} {
		if got := UsedShare(tt.p); got != tt.want {
			t.Errorf("UsedShare(%+v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if UsedShare(schema.LicensePool{Total: 0, Assigned: 1}) <= 100 {
		t.Error("a pool of 0 holding licenses is over 100%")
	}
}
