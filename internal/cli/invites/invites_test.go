package invites

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// These drive the invites commands through their noun, against a loopback
// stand-in server; the real workspaced is exercised by the end-to-end suite.

func inviteServer(t *testing.T) *clitest.Server {
	srv := clitest.NewServer(t)
	inv := schema.Invite{ID: "i1", Name: "Ann", Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{"flow"}, Status: "pending",
		ExpiresAt: time.Now().Add(7 * 24 * time.Hour), CreatedAt: time.Now()}
	srv.JSON("GET", "/api/v1/invites", 200, schema.Page[schema.Invite]{Items: []schema.Invite{inv}})
	srv.JSON("POST", "/api/v1/invites/ann@example.com/resend", 200, inv)
	revoked := inv
	revoked.Status = "revoked"
	srv.JSON("POST", "/api/v1/invites/ann@example.com/revoke", 200, revoked)
	srv.Handle("POST", "/api/v1/invites/bob@example.com/resend", func(w http.ResponseWriter, r *http.Request) {
		clitest.Problem(w, 409, schema.CodeInviteNotPending, "the invite of bob@example.com was accepted")
	})
	return srv
}

func TestInvites(t *testing.T) {
	tests := []struct {
		name       string
		argv       string
		tty        bool
		confirm    *bool
		wantCode   int
		wantOut    string
		wantErr    string
		wantPath   string
		wantNoCall bool
	}{
		{name: "list default pending", argv: "list", wantOut: "ann@example.com\tAnn\tuser\tflow\tpending\t", wantPath: "GET /api/v1/invites?limit=500&status=pending"},
		{name: "list all as json", argv: "list --status all -o json", wantOut: `"status": "pending"`, wantPath: "GET /api/v1/invites?limit=500&status=all"},
		{name: "list bad status", argv: "list --status old", wantCode: cmdutil.ExitUsage, wantNoCall: true},
		{name: "resend", argv: "resend ann@example.com", wantErr: "Resent the invite to ann@example.com", wantPath: "POST /api/v1/invites/ann@example.com/resend"},
		{name: "resend not pending", argv: "resend bob@example.com", wantCode: 1},
		{name: "revoke without terminal or --yes", argv: "revoke ann@example.com", wantCode: cmdutil.ExitUsage, wantNoCall: true},
		{name: "revoke --yes", argv: "revoke ann@example.com --yes", wantErr: "Revoked the invite of ann@example.com", wantPath: "POST /api/v1/invites/ann@example.com/revoke"},
		{name: "revoke confirmed", argv: "revoke ann@example.com", tty: true, confirm: ptr(true), wantPath: "POST /api/v1/invites/ann@example.com/revoke"},
		{name: "revoke declined", argv: "revoke ann@example.com", tty: true, confirm: ptr(false), wantCode: 1, wantNoCall: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := clitest.NewEnv(t)
			env.IO.SetTTY(tt.tty)
			srv := inviteServer(t)
			env.F.Client = srv.ClientFunc()
			if tt.confirm != nil {
				env.Prompter.ExpectConfirm("Revoke the invite of ann@example.com?", *tt.confirm)
			}
			err := clitest.Run(NewCmdInvites(env.F), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Fatalf("err %v, want exit %d", err, tt.wantCode)
			}
			if !strings.Contains(env.Stdout(), tt.wantOut) || !strings.Contains(env.Stderr(), tt.wantErr) {
				t.Errorf("stdout %q stderr %q", env.Stdout(), env.Stderr())
			}
			reqs := srv.Requests()
			if tt.wantNoCall && len(reqs) > 0 {
				t.Errorf("server called: %+v", reqs)
			}
			if tt.wantPath != "" && (len(reqs) == 0 || reqs[0].Method+" "+reqs[0].Path != tt.wantPath) {
				t.Errorf("requests %+v, want %s", reqs, tt.wantPath)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
