package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The attacks of the security review (issue 12), each tried and refused.
// docs/SECURITY.md names the test of each threat.

// Finding 1: a token holding users:write but not every scope an admin has
// cannot make an admin by any route (invite, batch, edit, activate, sync),
// since the admin would sign in with every scope.
func TestAttack_NarrowTokenCannotMakeAnAdmin_R13(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	narrow := e.token(o, o.adminEmail, "users:read", "users:write")
	full := e.token(o, o.adminEmail, allScopes...)
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	cleo := e.addUser(o, "Cleo Admin", "cleo@acme.example", []string{"admin"}, []string{"flow"})
	e.post("/api/v1/users/"+cleo.ID+"/deactivate", full, nil).want(t, http.StatusOK)

	refused := func(what string, a answer) {
		t.Helper()
		p := a.problem(t, http.StatusForbidden, schema.CodeForbidden)
		if !strings.Contains(p.Detail, "admin") || !strings.Contains(p.Detail, "settings:write") {
			t.Errorf("%s: detail %q does not say that making an admin needs the missing scopes", what, p.Detail)
		}
	}
	adminInvite := schema.InviteRequest{Name: "Eve Hacker", Email: "eve@acme.example", Roles: []string{"admin"}, Licenses: []string{"agent-dialer"}}
	refused("invite", e.post("/api/v1/invites", narrow, adminInvite))
	refused("edit", e.send(call{method: http.MethodPatch, path: "/api/v1/users/" + bob.ID, token: narrow,
		body: schema.UserEdit{AddRoles: []string{"admin"}}, header: map[string]string{"If-Match": `"1"`}}))
	refused("activate an admin", e.post("/api/v1/users/"+cleo.ID+"/activate", narrow, schema.ActivateRequest{Licenses: []string{"flow"}}))

	// In a batch the row is refused and the others go on.
	batch := decode[schema.InviteBatchResponse](t, e.post("/api/v1/invites/batch", narrow, schema.InviteBatchRequest{Invites: []schema.InviteBatchItem{
		{InviteRequest: adminInvite},
		{InviteRequest: schema.InviteRequest{Name: "Una User", Email: "una@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}}},
	}}).want(t, http.StatusOK))
	if r := batch.Results[0]; r.Invite != nil || r.Error == nil || r.Error.Code != schema.CodeForbidden {
		t.Errorf("the admin row of a batch: %+v, want refused as forbidden", r)
	}
	if r := batch.Results[1]; r.Invite == nil {
		t.Errorf("the user row of a batch: %+v, want invited", r)
	}
	sync := e.sync(narrow, schema.SyncRequest{Rows: []schema.SyncRow{
		syncRow("Bob Jones", bob.Email, []string{"admin"}, "flow"),
		syncRow("Zed Admin", "zed@acme.example", []string{"admin"}, "flow"),
	}})
	for _, r := range sync.Rows {
		if r.Action != "refused" || r.Error == nil || r.Error.Code != schema.CodeForbidden {
			t.Errorf("sync row %s: %s (%s), want refused as forbidden", r.Email, r.Action, r.Reason)
		}
	}
	if u, _ := e.user(full, bob.ID); len(u.Roles) != 1 || u.Roles[0] != "user" {
		t.Errorf("bob's roles after the attempts: %v", u.Roles)
	}
	if u, _ := e.user(full, cleo.ID); u.Active {
		t.Error("the deactivated admin was activated by a narrow token")
	}

	// A narrow token still does what makes nobody an admin; a token with
	// every scope makes admins.
	e.send(call{method: http.MethodPatch, path: "/api/v1/users/" + bob.ID, token: narrow,
		body: schema.UserEdit{AddRoles: []string{"manager"}}, header: map[string]string{"If-Match": `"1"`}}).want(t, http.StatusOK)
	e.post("/api/v1/invites", full, adminInvite).want(t, http.StatusCreated)
	e.post("/api/v1/users/"+cleo.ID+"/activate", full, schema.ActivateRequest{Licenses: []string{"parallel-dialer"}}).want(t, http.StatusOK)
}

// Finding 12: a search of 100,000 characters was a 500 (SQLite refuses so
// long a LIKE pattern); it is a 422 naming the field, and the longest
// search allowed still works.
func TestAttack_HugeSearchIsRefusedNotAFailure(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	p := e.get("/api/v1/users?search="+strings.Repeat("a", 100_000), o.admin).problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField)
	if p.Field != "search" || !strings.Contains(p.Detail, "320") {
		t.Errorf("problem %+v, want the search field named with its limit", p)
	}
	e.get("/api/v1/users?search="+strings.Repeat("é", 320), o.admin).want(t, http.StatusOK)
	e.get("/api/v1/users?search="+strings.Repeat("é", 321), o.admin).problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField)
}

// Finding 5: an admin lifts what failed sign-ins put on a user; a narrow
// token cannot, and the change is audited.
func TestUnlock_AdminLiftsTheWait_R13_R14(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	acc := workspace.NewAccounts(e.svc)
	for range workspace.FreeSignInAttempts {
		_, _ = acc.CheckPassword(e.ctx, "acme", o.adminEmail, "wrong password!", "203.0.113.9")
	}
	var throttled *workspace.SignInThrottledError
	if _, err := acc.CheckPassword(e.ctx, "acme", o.adminEmail, "wrong password!", "203.0.113.9"); !errors.As(err, &throttled) {
		t.Fatalf("after the free attempts: %v, want a wait", err)
	}
	reader := e.token(o, o.adminEmail, "users:read")
	e.post("/api/v1/users/"+o.adminEmail+"/unlock", reader, nil).problem(t, http.StatusForbidden, schema.CodeForbidden)
	u := decode[schema.User](t, e.post("/api/v1/users/"+o.adminEmail+"/unlock", o.admin, nil).want(t, http.StatusOK))
	if u.Email != o.adminEmail {
		t.Errorf("unlocked %s", u.Email)
	}
	if _, err := acc.CheckPassword(e.ctx, "acme", o.adminEmail, "wrong password!", "203.0.113.9"); !errors.Is(err, workspace.ErrBadCredentials) {
		t.Errorf("after the unlock: %v, want the password checked", err)
	}
	if events := e.audit(o.admin, "?action=user.unlocked"); len(events) != 1 || events[0].Target != o.adminEmail {
		t.Errorf("audit events %+v, want one user.unlocked of %s", events, o.adminEmail)
	}
}
