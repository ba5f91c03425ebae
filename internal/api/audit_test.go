package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
)

func TestAudit_EveryChangeWritesOneEventWithItsRequestID_R14(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	before := len(e.audit(o.admin, "?limit=1000"))

	withID := func(c call, id string) call {
		if c.header == nil {
			c.header = map[string]string{}
		}
		c.header[schema.HeaderRequestID] = id
		c.token = o.admin
		return c
	}
	type change struct {
		id, action, target string
		call               call
		status             int
	}
	run := func(ch change) {
		t.Helper()
		a := e.send(withID(ch.call, ch.id)).want(t, ch.status)
		if got := a.header.Get(schema.HeaderRequestID); got != ch.id {
			t.Errorf("%s: X-Request-Id %q, want the caller's %q", ch.action, got, ch.id)
		}
	}
	changes := []change{
		{"r14-signup", "signup_mode.changed", "acme", call{method: http.MethodPut, path: "/api/v1/settings/signup-mode", body: schema.SignupMode{AutoSignup: false}}, http.StatusOK},
		{"r14-invite", "invite.created", "grace@navy.example", call{method: http.MethodPost, path: "/api/v1/invites", body: grace()}, http.StatusCreated},
		{"r14-resend", "invite.resent", "grace@navy.example", call{method: http.MethodPost, path: "/api/v1/invites/grace@navy.example/resend"}, http.StatusOK},
		{"r14-revoke", "invite.revoked", "grace@navy.example", call{method: http.MethodPost, path: "/api/v1/invites/grace@navy.example/revoke"}, http.StatusOK},
		{"r14-edit", "user.edited", bob.Email, patch("/api/v1/users/"+bob.ID, "", `"1"`, schema.UserEdit{CallRecording: ptr(true)}), http.StatusOK},
		{"r14-mfa", "user.mfa_reset", bob.Email, call{method: http.MethodPost, path: "/api/v1/users/" + bob.ID + "/mfa-reset"}, http.StatusOK},
		{"r14-deactivate", "user.deactivated", bob.Email, call{method: http.MethodPost, path: "/api/v1/users/" + bob.ID + "/deactivate"}, http.StatusOK},
		{"r14-activate", "user.activated", bob.Email, call{method: http.MethodPost, path: "/api/v1/users/" + bob.ID + "/activate", body: schema.ActivateRequest{Licenses: []string{"flow"}}}, http.StatusOK},
		{"r14-token", "token.created", "", call{method: http.MethodPost, path: "/api/v1/tokens", body: schema.TokenRequest{Name: "ci", Scopes: []string{"licenses:read"}}}, http.StatusCreated},
	}
	for _, ch := range changes {
		run(ch)
	}
	toks := decode[schema.Page[schema.Token]](t, e.get("/api/v1/tokens", o.admin)).Items
	ciToken := toks[len(toks)-1].ID
	revoke := change{"r14-token-revoke", "token.revoked", ciToken, call{method: http.MethodDelete, path: "/api/v1/tokens/" + ciToken}, http.StatusNoContent}
	run(revoke)
	changes = append(changes, revoke)

	// Reads write nothing.
	for _, path := range []string{"/api/v1/users", "/api/v1/users/" + bob.ID, "/api/v1/invites", "/api/v1/licenses", "/api/v1/settings/signup-mode", "/api/v1/tokens", "/api/v1/me"} {
		e.get(path, o.admin).want(t, http.StatusOK)
	}

	events := e.audit(o.admin, "?limit=1000")
	if len(events) != before+len(changes) {
		t.Errorf("%d new audit events for %d changes", len(events)-before, len(changes))
	}
	byRequest := map[string][]schema.AuditEvent{}
	for _, ev := range events {
		byRequest[ev.RequestID] = append(byRequest[ev.RequestID], ev)
	}
	for _, ch := range changes {
		got := byRequest[ch.id]
		if len(got) != 1 {
			t.Errorf("%s: %d events with request id %s, want 1", ch.action, len(got), ch.id)
			continue
		}
		ev := got[0]
		if ev.Action != ch.action || ev.Actor != o.adminEmail || (ch.target != "" && ev.Target != ch.target) {
			t.Errorf("%s: event %+v", ch.action, ev)
		}
	}
	for i := 1; i < len(events); i++ {
		if events[i].ID > events[i-1].ID {
			t.Errorf("events not newest first: %s after %s", events[i].ID, events[i-1].ID)
		}
	}
}

func TestAudit_AcceptWritesOneEvent_R14(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	inv := e.invite(o.admin, grace())
	link := e.signupToken(o, inv.Email)
	e.send(call{method: http.MethodPost, path: "/api/v1/invites/accept", body: schema.AcceptInviteRequest{Token: link, Name: "Grace Hopper", Email: inv.Email},
		header: map[string]string{schema.HeaderRequestID: "r14-accept"}}).want(t, http.StatusCreated)
	events := e.audit(o.admin, "?action=invite.accepted")
	if len(events) != 1 || events[0].Actor != inv.Email || events[0].Target != inv.Email {
		t.Fatalf("invite.accepted events %+v", events)
	}
	if events[0].RequestID != "r14-accept" {
		t.Errorf("request_id %q, want r14-accept", events[0].RequestID)
	}
}

func TestAudit_FiltersAndPages_R14(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"}) // by the operator
	start := time.Now().UTC().Add(-time.Minute)
	e.send(call{method: http.MethodPut, path: "/api/v1/settings/signup-mode", token: o.admin, body: schema.SignupMode{AutoSignup: false}}).want(t, http.StatusOK)
	e.invite(o.admin, grace())

	if evs := e.audit(o.admin, "?actor="+url.QueryEscape(o.adminEmail)); len(evs) != 2 {
		t.Errorf("%d events by the admin, want 2", len(evs))
	}
	if evs := e.audit(o.admin, "?actor=operator&action=user.added"); len(evs) != 1 || evs[0].Target != "bob@acme.example" {
		t.Errorf("operator's user.added events %+v", evs)
	}
	if evs := e.audit(o.admin, "?since="+url.QueryEscape(start.Format(time.RFC3339))); len(evs) != 4 {
		t.Errorf("%d events since a minute ago, want 4 (org.created, user.added, signup_mode.changed, invite.created)", len(evs))
	}
	if evs := e.audit(o.admin, "?since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339Nano))); len(evs) != 0 {
		t.Errorf("%d events in the future", len(evs))
	}
	for _, bad := range []string{"yesterday", "2025-13-01T00:00:00Z", "2025-01-01"} {
		p := e.send(call{method: http.MethodGet, path: "/api/v1/audit?since=" + url.QueryEscape(bad), token: o.admin, bad: true}).
			problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
		if p.Detail == "" {
			t.Error("no detail")
		}
	}

	all := e.audit(o.admin, "")
	var paged []string
	cursor := ""
	for range 10 {
		page := decode[schema.Page[schema.AuditEvent]](t, e.get("/api/v1/audit?limit=3&cursor="+cursor, o.admin).want(t, http.StatusOK))
		for _, ev := range page.Items {
			paged = append(paged, ev.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(paged) != len(all) {
		t.Fatalf("%d events over pages, %d in one", len(paged), len(all))
	}
	for i := range all {
		if paged[i] != all[i].ID {
			t.Fatalf("page order differs at %d", i)
		}
	}
}
