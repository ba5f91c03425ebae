package activate

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdActivate_Flags(t *testing.T) {
	env := clitest.NewEnv(t)
	var got *ActivateOptions
	err := clitest.Run(NewCmdActivate(env.F, func(o *ActivateOptions) error { got = o; return nil }), "ann@example.com --license flow,parallel-dialer")
	if err != nil || got.User != "ann@example.com" || strings.Join(got.Licenses, " ") != "flow parallel-dialer" {
		t.Errorf("err %v opts %+v", err, got)
	}
	// R10: a license is required; without a terminal it cannot be asked for.
	err = clitest.Run(NewCmdActivate(env.F, func(*ActivateOptions) error { return nil }), "ann@example.com")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--license") {
		t.Errorf("err %v", err)
	}
}

// Against a loopback stand-in; the real server is in the end-to-end suite.
func TestActivateRun_PromptsForLicensesOnTerminal_R10(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true)
	srv := clitest.NewServer(t)
	srv.JSON("GET", "/api/v1/licenses", 200, schema.Page[schema.LicensePool]{Items: []schema.LicensePool{{Product: "flow", Total: 3, Available: 1}}})
	srv.JSON("POST", "/api/v1/users/ann@example.com/activate", 200, schema.User{Email: "ann@example.com", Active: true, Licenses: []string{"flow"}})
	env.F.Client = srv.ClientFunc()
	env.Prompter.ExpectMultiSelect("Licenses", []string{"flow (1 of 3 available)"})
	if err := clitest.Run(NewCmdActivate(env.F, nil), "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if reqs[len(reqs)-1].Body != `{"licenses":["flow"]}` || !strings.Contains(env.Stderr(), "Activated ann@example.com with licenses flow") {
		t.Errorf("body %s stderr %q", reqs[len(reqs)-1].Body, env.Stderr())
	}
}

// --csv takes neither USER nor --license: the file gives them per row.
func TestNewCmdActivate_CSVFlags(t *testing.T) {
	tests := []struct {
		argv     string
		wantCode int
		wantErr  string
	}{
		{argv: "--csv returning.csv"},
		{argv: "--csv - --dry-run"},
		{argv: "ann@example.com --csv returning.csv", wantCode: cmdutil.ExitUsage, wantErr: `USER "ann@example.com" cannot be used with --csv`},
		{argv: "--csv returning.csv --license flow", wantCode: cmdutil.ExitUsage, wantErr: "--license cannot be used with --csv"},
		{argv: "--csv returning.csv --report returning.csv", wantCode: cmdutil.ExitUsage, wantErr: "would overwrite the --csv file"},
		{argv: "ann@example.com --license flow --resume", wantCode: cmdutil.ExitUsage, wantErr: "--resume works only with --csv FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *ActivateOptions
			err := clitest.Run(NewCmdActivate(env.F, func(o *ActivateOptions) error { got = o; return nil }), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode || (err != nil && !strings.Contains(cmdutil.ErrorMessage(err), tt.wantErr)) {
				t.Fatalf("err %v, want exit %d with %q", err, tt.wantCode, tt.wantErr)
			}
			if tt.wantCode == 0 && (got.CSV.File == "" || got.User != "") {
				t.Errorf("opts %+v", got)
			}
		})
	}
}

// The server says when an activation changed nothing; wsctl does not claim
// it activated anyone.
func TestActivateRun_AlreadyActiveSaysSo_R10(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.JSON("POST", "/api/v1/users/ann@example.com/activate", 200, schema.User{Email: "ann@example.com", Active: true,
		Licenses: []string{"flow"}, Unchanged: "already active with these licenses"})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdActivate(env.F, nil), "ann@example.com --license flow"); err != nil {
		t.Fatal(err)
	}
	if env.Stderr() != "ann@example.com is already active with these licenses; nothing changed\n" {
		t.Errorf("stderr %q", env.Stderr())
	}
}
