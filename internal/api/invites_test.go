package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

func grace() schema.InviteRequest {
	return schema.InviteRequest{Name: "Grace Hopper", Email: "grace@navy.example", Roles: []string{"user"}, Licenses: []string{"flow"}}
}

func TestInvite_EachMissingOrBadFieldIsNamed_R1(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	before := e.pools(o.admin)

	tests := []struct {
		name  string
		edit  func(*schema.InviteRequest)
		field string
	}{
		{"name missing", func(in *schema.InviteRequest) { in.Name = "" }, "name"},
		{"name blank", func(in *schema.InviteRequest) { in.Name = "   " }, "name"},
		{"name with a digit", func(in *schema.InviteRequest) { in.Name = "Grace H0pper" }, "name"},
		{"name with markup", func(in *schema.InviteRequest) { in.Name = "Grace <b>Hopper</b>" }, "name"},
		{"email missing", func(in *schema.InviteRequest) { in.Email = "" }, "email"},
		{"email without domain", func(in *schema.InviteRequest) { in.Email = "grace" }, "email"},
		{"email with display name", func(in *schema.InviteRequest) { in.Email = "Grace <grace@navy.example>" }, "email"},
		{"email without dot in domain", func(in *schema.InviteRequest) { in.Email = "grace@localhost" }, "email"},
		{"roles missing", func(in *schema.InviteRequest) { in.Roles = nil }, "roles"},
		{"roles empty", func(in *schema.InviteRequest) { in.Roles = []string{} }, "roles"},
		{"role unknown", func(in *schema.InviteRequest) { in.Roles = []string{"boss"} }, "roles"},
		{"licenses missing", func(in *schema.InviteRequest) { in.Licenses = nil }, "licenses"},
		{"licenses empty", func(in *schema.InviteRequest) { in.Licenses = []string{} }, "licenses"},
		{"license unknown", func(in *schema.InviteRequest) { in.Licenses = []string{"fax-machine"} }, "licenses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := grace()
			tt.edit(&in)
			a := e.send(call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, body: in, bad: true})
			p := a.problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField)
			if p.Field != tt.field {
				t.Errorf("field %q, want %q (detail %q)", p.Field, tt.field, p.Detail)
			}
		})
	}

	t.Run("every field absent names the first", func(t *testing.T) {
		a := e.send(call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, body: `{}`, bad: true})
		if p := a.problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "name" {
			t.Errorf("field %q, want name", p.Field)
		}
	})
	t.Run("a field of the wrong type is named", func(t *testing.T) {
		a := e.send(call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, bad: true,
			body: `{"name":"Grace Hopper","email":"grace@navy.example","roles":"user","licenses":["flow"]}`})
		if p := a.problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "roles" {
			t.Errorf("field %q, want roles", p.Field)
		}
	})

	if after := e.pools(o.admin); after["flow"] != before["flow"] {
		t.Errorf("refused invites changed the flow pool: %+v -> %+v", before["flow"], after["flow"])
	}
	if got := decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites?status=all", o.admin)); len(got.Items) != 0 {
		t.Errorf("refused invites left %d invites", len(got.Items))
	}
}

func TestInvite_EmailOfUserOrPendingInviteIsTaken_R1(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.invite(o.admin, grace())

	tests := []struct{ name, email string }{
		{"a user's email, in other case", strings.ToUpper(o.adminEmail)},
		{"a pending invite's email", "Grace@Navy.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := grace()
			in.Email = tt.email
			p := e.post("/api/v1/invites", o.admin, in).problem(t, http.StatusConflict, schema.CodeEmailTaken)
			if !strings.Contains(strings.ToLower(p.Detail), strings.ToLower(tt.email)) {
				t.Errorf("detail does not name the email: %q", p.Detail)
			}
		})
	}
}

func TestInvite_RefusedWhileSignupModeOn_R2(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme") // signup mode is on for a new org

	mode := decode[schema.SignupMode](t, e.get("/api/v1/settings/signup-mode", o.admin).want(t, http.StatusOK))
	if !mode.AutoSignup {
		t.Fatal("a new org should have signup mode on")
	}
	p := e.post("/api/v1/invites", o.admin, grace()).problem(t, http.StatusConflict, schema.CodeSignupModeOn)
	for _, want := range []string{"sign up on their own", "wsctl signup-mode off"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q does not say %q", p.Detail, want)
		}
	}
	if n := e.pools(o.admin)["flow"].Reserved; n != 0 {
		t.Errorf("a refused invite reserved %d licenses", n)
	}

	off := e.send(call{method: http.MethodPut, path: "/api/v1/settings/signup-mode", token: o.admin, body: schema.SignupMode{AutoSignup: false}})
	if got := decode[schema.SignupMode](t, off.want(t, http.StatusOK)); got.AutoSignup {
		t.Fatal("PUT auto_signup=false answered true")
	}
	e.invite(o.admin, grace())
}

func TestSignupMode_PutNeedsTheField_R2(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	a := e.send(call{method: http.MethodPut, path: "/api/v1/settings/signup-mode", token: o.admin, body: `{}`, bad: true})
	if p := a.problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "auto_signup" {
		t.Errorf("field %q, want auto_signup", p.Field)
	}
	if mode := decode[schema.SignupMode](t, e.get("/api/v1/settings/signup-mode", o.admin)); !mode.AutoSignup {
		t.Error("an empty PUT turned signup mode off")
	}
}

func TestInvite_LastLicenseNoticeThenExhausted_R4(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")

	for i := 1; i <= 3; i++ {
		in := grace()
		in.Email = fmt.Sprintf("person%d@navy.example", i)
		inv := e.invite(o.admin, in)
		last := slices.Contains(inv.Notices, "that was the last flow license: 3 of 3 in use")
		if last != (i == 3) {
			t.Errorf("invite %d: notices %q", i, inv.Notices)
		}
	}
	pool := e.pools(o.admin)["flow"]
	if pool.Reserved != 3 || pool.Available != 0 || pool.Total != 3 {
		t.Errorf("flow pool after 3 invites: %+v", pool)
	}

	in := grace()
	in.Email = "person4@navy.example"
	p := e.post("/api/v1/invites", o.admin, in).problem(t, http.StatusConflict, schema.CodeLicenseExhausted)
	if p.Product != "flow" || p.Used == nil || *p.Used != 3 || p.Total == nil || *p.Total != 3 {
		t.Errorf("problem product=%q used=%v total=%v", p.Product, p.Used, p.Total)
	}
	if !strings.Contains(p.Detail, "no flow license left: 3 of 3 in use") {
		t.Errorf("detail %q", p.Detail)
	}
}

func TestInvite_ConcurrentInvitesNeverExceedThePool_R4(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")

	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in := grace()
			in.Email = fmt.Sprintf("racer%d@navy.example", i)
			in.Licenses = []string{"parallel-dialer"}
			statuses[i] = e.post("/api/v1/invites", o.admin, in).status
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 3 {
		t.Errorf("%d invites created for 3 licenses", created)
	}
	if pool := e.pools(o.admin)["parallel-dialer"]; pool.Reserved != 3 || pool.Available != 0 {
		t.Errorf("pool %+v", pool)
	}
}

func TestInvite_AcceptMakesAnActiveUserAndTheLinkIsSingleUse_R6(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	in := schema.InviteRequest{Name: "Grace Hopper", Email: "grace@navy.example", Roles: []string{"manager", "user"}, Licenses: []string{"flow", "agent-dialer"}}
	inv := e.invite(o.admin, in)
	if inv.Status != "pending" || e.pools(o.admin)["flow"].Reserved != 1 {
		t.Fatalf("invite %+v, pools %+v", inv, e.pools(o.admin))
	}
	if n := e.outboxTo(o, "grace@navy.example"); n != 1 {
		t.Fatalf("%d emails queued, want 1", n)
	}
	link := e.signupToken(o, "grace@navy.example")

	wrongEmail := e.post("/api/v1/invites/accept", "", schema.AcceptInviteRequest{Token: link, Name: "Grace Hopper", Email: "mallory@navy.example"})
	if p := wrongEmail.problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "email" {
		t.Errorf("field %q, want email", p.Field)
	}

	a := e.post("/api/v1/invites/accept", "", schema.AcceptInviteRequest{Token: link, Name: "Grace B. Hopper", Email: "grace@navy.example"})
	u := decode[schema.User](t, a.want(t, http.StatusCreated))
	if !u.Active || u.Name != "Grace B. Hopper" || !slices.Equal(u.Roles, []string{"manager", "user"}) ||
		!slices.Equal(u.Licenses, []string{"agent-dialer", "flow"}) {
		t.Errorf("accepted user %+v", u)
	}
	pool := e.pools(o.admin)["flow"]
	if pool.Assigned != 1 || pool.Reserved != 0 {
		t.Errorf("flow pool after accept: %+v (the reservation should have become the assignment)", pool)
	}
	accepted := decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites?status=accepted", o.admin))
	if len(accepted.Items) != 1 || accepted.Items[0].ID != inv.ID {
		t.Errorf("accepted invites %+v", accepted.Items)
	}

	again := e.post("/api/v1/invites/accept", "", schema.AcceptInviteRequest{Token: link, Name: "Grace Hopper", Email: "grace@navy.example"})
	again.problem(t, http.StatusGone, schema.CodeInviteInvalid)
	unknown := e.post("/api/v1/invites/accept", "", schema.AcceptInviteRequest{Token: "wsi_nonsense", Name: "Grace Hopper", Email: "grace@navy.example"})
	unknown.problem(t, http.StatusGone, schema.CodeInviteInvalid)
}

func TestInvite_ResendInvalidatesTheOldLink_R6(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	inv := e.invite(o.admin, grace())
	old := e.signupToken(o, inv.Email)

	resent := decode[schema.Invite](t, e.post("/api/v1/invites/"+inv.ID+"/resend", o.admin, nil).want(t, http.StatusOK))
	if resent.ID != inv.ID || resent.Status != "pending" {
		t.Errorf("resent %+v", resent)
	}
	if n := e.outboxTo(o, inv.Email); n != 2 {
		t.Errorf("%d emails queued after a resend, want 2", n)
	}
	fresh := e.signupToken(o, inv.Email)
	if fresh == old {
		t.Fatal("resend kept the same link")
	}
	accept := schema.AcceptInviteRequest{Name: "Grace Hopper", Email: inv.Email}
	accept.Token = old
	e.post("/api/v1/invites/accept", "", accept).problem(t, http.StatusGone, schema.CodeInviteInvalid)
	accept.Token = fresh
	e.post("/api/v1/invites/accept", "", accept).want(t, http.StatusCreated)

	e.post("/api/v1/invites/"+inv.ID+"/resend", o.admin, nil).problem(t, http.StatusConflict, schema.CodeInviteNotPending)
}

func TestInvite_RevokeFreesTheLicensesAndKillsTheLink_R6(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	in := grace()
	in.Licenses = []string{"parallel-dialer", "flow"}
	inv := e.invite(o.admin, in)
	link := e.signupToken(o, inv.Email)
	if pools := e.pools(o.admin); pools["parallel-dialer"].Reserved != 1 || pools["flow"].Reserved != 1 {
		t.Fatalf("pools after invite %+v", pools)
	}

	// {invite} may be the email of the pending invite.
	revoked := decode[schema.Invite](t, e.post("/api/v1/invites/"+inv.Email+"/revoke", o.admin, nil).want(t, http.StatusOK))
	if revoked.Status != "revoked" {
		t.Errorf("status %q", revoked.Status)
	}
	for product, pool := range e.pools(o.admin) {
		if pool.Reserved != 0 || pool.Available != 3 {
			t.Errorf("%s pool after revoke: %+v", product, pool)
		}
	}
	e.post("/api/v1/invites/accept", "", schema.AcceptInviteRequest{Token: link, Name: "Grace Hopper", Email: inv.Email}).
		problem(t, http.StatusGone, schema.CodeInviteInvalid)
	e.post("/api/v1/invites/"+inv.ID+"/revoke", o.admin, nil).problem(t, http.StatusConflict, schema.CodeInviteNotPending)
	e.post("/api/v1/invites/"+inv.Email+"/revoke", o.admin, nil).problem(t, http.StatusNotFound, schema.CodeNotFound)

	pending := decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites", o.admin))
	if len(pending.Items) != 0 {
		t.Errorf("pending invites after revoke: %+v", pending.Items)
	}
	all := decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites?status=revoked", o.admin))
	if len(all.Items) != 1 || all.Items[0].ID != inv.ID {
		t.Errorf("revoked invites: %+v", all.Items)
	}
}

func TestInvite_ListPagesThroughEveryInvite(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	var want []string
	for i := range 5 {
		in := grace()
		in.Email = fmt.Sprintf("p%d@navy.example", i)
		in.Licenses = []string{[]string{"flow", "agent-dialer", "parallel-dialer"}[i%3]}
		want = append(want, e.invite(o.admin, in).ID)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		page := decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites?limit=2&cursor="+cursor, o.admin).want(t, http.StatusOK))
		for _, inv := range page.Items {
			got = append(got, inv.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged ids %v, want %v", got, want)
	}
	e.send(call{method: http.MethodGet, path: "/api/v1/invites?status=lost", token: o.admin, bad: true}).
		problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
}

func TestInvite_IdempotencyKeyReplaysTheFirstInvite(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	key := map[string]string{schema.HeaderIdempotencyKey: "csv-row-7"}
	first := e.send(call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, body: grace(), header: key}).want(t, http.StatusCreated)
	if first.header.Get(schema.HeaderIdempotentReplay) != "" {
		t.Error("a first creation is marked as a replay")
	}
	replay := e.send(call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, body: grace(), header: key}).want(t, http.StatusOK)
	if replay.header.Get(schema.HeaderIdempotentReplay) != "true" {
		t.Errorf("%s: %q", schema.HeaderIdempotentReplay, replay.header.Get(schema.HeaderIdempotentReplay))
	}
	if a, b := decode[schema.Invite](t, first), decode[schema.Invite](t, replay); a.ID != b.ID {
		t.Errorf("replay answered invite %s, the first was %s", b.ID, a.ID)
	}

	if n := len(decode[schema.Page[schema.Invite]](t, e.get("/api/v1/invites?status=all", o.admin)).Items); n != 1 {
		t.Errorf("%d invites, want 1", n)
	}
	if n := e.outboxTo(o, grace().Email); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
	if n := len(e.audit(o.admin, "?action=invite.created")); n != 1 {
		t.Errorf("%d invite.created events, want 1", n)
	}
	if pool := e.pools(o.admin)["flow"]; pool.Reserved != 1 {
		t.Errorf("flow reserved %d, want 1", pool.Reserved)
	}

	other := grace()
	other.Email = "someone.else@navy.example"
	e.send(call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, body: other, header: key}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeIdempotencyReused)
}
