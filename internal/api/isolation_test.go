package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// allScopes is every scope a token can hold.
var allScopes = []string{"users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"}

func TestOtherOrgAdmin_ReadsAndChangesNothing_R13(t *testing.T) {
	e := newEnv(t)
	a := e.inviting("acme")
	bob := e.addUser(a, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	bobToken := e.token(a, bob.Email, "users:read")
	bobTokenID := decode[schema.Me](t, e.get("/api/v1/me", bobToken)).TokenID
	inv := e.invite(a.admin, schema.InviteRequest{Name: "Grace Hopper", Email: "grace@acme.example", Roles: []string{"user"}, Licenses: []string{"agent-dialer"}})
	auditBefore := len(e.audit(a.admin, ""))

	b := e.newOrg("bravo") // its admin holds every scope
	intruder := b.admin

	// Every route that names something, with the other org's ids and emails.
	type route struct {
		method, path string
		body         any
		header       map[string]string
	}
	var routes []route
	for _, ref := range []string{bob.ID, bob.Email, a.adminID, a.adminEmail} {
		u := "/api/v1/users/" + url.PathEscape(ref)
		routes = append(routes,
			route{method: http.MethodGet, path: u},
			route{method: http.MethodPatch, path: u, body: schema.UserEdit{Name: ptr("Hacked Name")}, header: map[string]string{"If-Match": `"1"`}},
			route{method: http.MethodPost, path: u + "/deactivate"},
			route{method: http.MethodPost, path: u + "/activate", body: schema.ActivateRequest{Licenses: []string{"flow"}}},
			route{method: http.MethodPost, path: u + "/mfa-reset"},
		)
	}
	for _, ref := range []string{inv.ID, inv.Email} {
		i := "/api/v1/invites/" + url.PathEscape(ref)
		routes = append(routes, route{method: http.MethodPost, path: i + "/resend"}, route{method: http.MethodPost, path: i + "/revoke"})
	}
	routes = append(routes, route{method: http.MethodDelete, path: "/api/v1/tokens/" + bobTokenID})

	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			ans := e.send(call{method: r.method, path: r.path, token: intruder, body: r.body, header: r.header})
			if ans.status != http.StatusNotFound && ans.status != http.StatusForbidden {
				t.Fatalf("status %d, want 404 or 403: %s", ans.status, ans.body)
			}
			if p := decode[schema.Problem](t, ans); strings.Contains(p.Detail, "acme") && !strings.Contains(r.path, "acme") {
				t.Errorf("the refusal names the other org: %q", p.Detail)
			}
		})
	}

	// Lists answer the caller's own org only: nothing of the other org shows.
	secrets := []string{a.id, bob.ID, bob.Email, a.adminID, a.adminEmail, inv.ID, inv.Email, bobTokenID}
	for _, path := range []string{
		"/api/v1/users?status=all", "/api/v1/users?search=acme", "/api/v1/invites?status=all",
		"/api/v1/audit", "/api/v1/tokens", "/api/v1/licenses", "/api/v1/me",
	} {
		ans := e.get(path, intruder).want(t, http.StatusOK)
		for _, s := range secrets {
			if bytes.Contains(ans.body, []byte(s)) {
				t.Errorf("GET %s shows %q of the other org", path, s)
			}
		}
	}
	if pools := e.pools(intruder); pools["flow"].Assigned != 0 || pools["agent-dialer"].Reserved != 0 {
		t.Errorf("the other org's usage shows in this org's pools: %+v", pools)
	}
	// A setting changes the caller's org only.
	e.send(call{method: http.MethodPut, path: "/api/v1/settings/signup-mode", token: intruder, body: schema.SignupMode{AutoSignup: false}}).want(t, http.StatusOK)

	// And the first org is as it was.
	u, tag := e.user(a.admin, bob.ID)
	if tag != `"1"` || !u.Active || u.Name != "Bob Jones" {
		t.Errorf("the other org's admin changed Bob: %s %+v", tag, u)
	}
	if pending := decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites", a.admin)); len(pending.Items) != 1 || pending.Items[0].ID != inv.ID {
		t.Errorf("pending invites of the first org: %+v", pending.Items)
	}
	e.get("/api/v1/me", bobToken).want(t, http.StatusOK)
	if mode := decode[schema.SignupMode](t, e.get("/api/v1/settings/signup-mode", a.admin)); mode.AutoSignup {
		t.Error("signup mode of the first org changed")
	}
	if n := len(e.audit(a.admin, "")); n != auditBefore {
		t.Errorf("%d audit events in the first org, were %d", n, auditBefore)
	}
}

func TestScopes_LicensesReadTokenCannotInvite_R13(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	ci := e.token(o, o.adminEmail, "licenses:read") // an admin's token, but narrow

	e.get("/api/v1/licenses", ci).want(t, http.StatusOK)
	p := e.post("/api/v1/invites", ci, grace()).problem(t, http.StatusForbidden, schema.CodeForbidden)
	if !strings.Contains(p.Detail, "users:write") {
		t.Errorf("detail %q does not name the missing scope", p.Detail)
	}
	e.get("/api/v1/users", ci).problem(t, http.StatusForbidden, schema.CodeForbidden)
	e.get("/api/v1/audit", ci).problem(t, http.StatusForbidden, schema.CodeForbidden)

	// A token never gets wider than the one that makes it.
	e.post("/api/v1/tokens", ci, schema.TokenRequest{Name: "wider", Scopes: []string{"users:write"}}).
		problem(t, http.StatusForbidden, schema.CodeForbidden)
}

func TestRoles_ManagerReadsOnlyThemself_R13(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	mia := e.addUser(o, "Mia Manager", "mia@acme.example", []string{"manager"}, []string{"flow"})
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	manager := e.token(o, mia.Email, allScopes...)

	e.get("/api/v1/users", manager).problem(t, http.StatusForbidden, schema.CodeForbidden)
	if u, _ := e.user(manager, mia.ID); u.Email != mia.Email {
		t.Errorf("manager reading themself got %+v", u)
	}
	e.user(manager, "MIA@acme.example")
	// Another user and a user who does not exist look the same: forbidden.
	e.get("/api/v1/users/"+bob.ID, manager).problem(t, http.StatusForbidden, schema.CodeForbidden)
	e.get("/api/v1/users/nobody@acme.example", manager).problem(t, http.StatusForbidden, schema.CodeForbidden)
	e.get("/api/v1/licenses", manager).want(t, http.StatusOK)
	e.get("/api/v1/me", manager).want(t, http.StatusOK)

	// Only admins change anything, whatever the token's scopes.
	refused := []call{
		patch("/api/v1/users/"+mia.ID, manager, `"1"`, schema.UserEdit{Name: ptr("Mia Admin")}),
		patch("/api/v1/users/"+mia.ID, manager, `"1"`, schema.UserEdit{AddRoles: []string{"admin"}}),
		{method: http.MethodPost, path: "/api/v1/users/" + bob.ID + "/deactivate"},
		{method: http.MethodPost, path: "/api/v1/users/" + bob.ID + "/activate", body: schema.ActivateRequest{Licenses: []string{"flow"}}},
		{method: http.MethodPost, path: "/api/v1/users/" + bob.ID + "/mfa-reset"},
		{method: http.MethodGet, path: "/api/v1/invites"},
		{method: http.MethodPost, path: "/api/v1/invites", body: grace()},
		{method: http.MethodGet, path: "/api/v1/settings/signup-mode"},
		{method: http.MethodPut, path: "/api/v1/settings/signup-mode", body: schema.SignupMode{AutoSignup: true}},
		{method: http.MethodGet, path: "/api/v1/audit"},
		{method: http.MethodGet, path: "/api/v1/tokens"},
		{method: http.MethodPost, path: "/api/v1/tokens", body: schema.TokenRequest{Name: "mine", Scopes: []string{"users:read"}}},
	}
	for _, c := range refused {
		c.token = manager
		e.send(c).problem(t, http.StatusForbidden, schema.CodeForbidden)
	}
	if u, tag := e.user(o.admin, mia.ID); tag != `"1"` || u.Name != "Mia Manager" {
		t.Errorf("a manager changed themself: %s %+v", tag, u)
	}
}
