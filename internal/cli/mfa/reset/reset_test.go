package reset

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Against a loopback stand-in: on a terminal the server's dry run comes
// first, then the question, then the single route; --yes goes straight to
// the single route; without a terminal and --yes nothing is sent.
func TestResetRun_R12(t *testing.T) {
	const dryRun, apply = "POST /api/v1/users/batch", "POST /api/v1/users/ann@example.com/mfa-reset"
	tests := []struct {
		name       string
		argv       string
		tty        bool
		confirm    *bool
		wantCode   int
		wantRoutes []string
	}{
		{name: "refused without terminal", argv: "ann@example.com", wantCode: cmdutil.ExitUsage},
		{name: "--yes", argv: "ann@example.com --yes", wantRoutes: []string{apply}},
		{name: "confirmed", argv: "ann@example.com", tty: true, confirm: ptr(true), wantRoutes: []string{dryRun, apply}},
		{name: "declined", argv: "ann@example.com", tty: true, confirm: ptr(false), wantCode: 1, wantRoutes: []string{dryRun}},
		{name: "no user", argv: "", wantCode: cmdutil.ExitUsage},
		{name: "user and --csv", argv: "ann@example.com --csv lost.csv", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := clitest.NewServer(t)
			srv.Handle("POST", "/api/v1/users/batch", func(w http.ResponseWriter, r *http.Request) {
				if body := clitest.Body(r); body != `{"action":"mfa_reset","users":[{"user":"ann@example.com"}],"dry_run":true}` {
					t.Errorf("batch request %s; want a dry run of ann@example.com", body)
				}
				clitest.WriteJSON(w, 200, schema.UserBatchResponse{Action: "mfa_reset", DryRun: true,
					Results: []schema.UserBatchResult{{Status: schema.UserBatchMFAReset, User: &schema.User{Email: "ann@example.com"}}}})
			})
			srv.JSON("POST", "/api/v1/users/ann@example.com/mfa-reset", 200, schema.User{Email: "ann@example.com"})
			env.F.Client = srv.ClientFunc()
			if tt.confirm != nil {
				env.Prompter.ExpectConfirm("Reset MFA for ann@example.com?", *tt.confirm)
			}
			err := clitest.Run(NewCmdReset(env.F, nil), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			var got []string
			for _, r := range srv.Requests() {
				got = append(got, r.Method+" "+r.Path)
			}
			if strings.Join(got, "; ") != strings.Join(tt.wantRoutes, "; ") {
				t.Errorf("requests %q, want %q", got, tt.wantRoutes)
			}
			applied := len(tt.wantRoutes) > 0 && tt.wantRoutes[len(tt.wantRoutes)-1] == apply
			if applied != strings.Contains(env.Stderr(), "Reset MFA for ann@example.com") {
				t.Errorf("stderr %q", env.Stderr())
			}
		})
	}
}

// An unknown user is not worth a question: the server's dry run answers the
// row with its 404, which is the command's error.
func TestResetRun_UnknownUserIsNotConfirmed(t *testing.T) {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true) // the fake prompter fails the test on an unexpected question
	srv := clitest.NewServer(t)
	srv.JSON("POST", "/api/v1/users/batch", 200, schema.UserBatchResponse{Action: "mfa_reset", DryRun: true, Results: []schema.UserBatchResult{{
		Status: schema.BatchFailed, Error: &schema.Problem{Status: 404, Code: schema.CodeNotFound, Detail: "no user nobody@example.com"}}}})
	env.F.Client = srv.ClientFunc()
	err := clitest.Run(NewCmdReset(env.F, nil), "nobody@example.com")
	if cmdutil.ExitCode(err) != cmdutil.ExitError || cmdutil.ErrorMessage(err) != "reset the MFA of nobody@example.com: no user nobody@example.com" {
		t.Errorf("err %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want the dry run only", n)
	}
}

func ptr[T any](v T) *T { return &v }
