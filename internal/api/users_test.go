package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

func patch(path, token, ifMatch string, body any) call {
	c := call{method: http.MethodPatch, path: path, token: token, body: body}
	if ifMatch != "" {
		c.header = map[string]string{"If-Match": ifMatch}
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestEditUser_ETagAndIfMatch_R8(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	path := "/api/v1/users/" + bob.ID

	u, tag := e.user(o.admin, bob.ID)
	if tag != `"1"` || u.Email != "bob@acme.example" {
		t.Fatalf("GET: ETag %s, user %+v", tag, u)
	}

	edit := schema.UserEdit{Name: ptr("Robert Jones"), AddRoles: []string{"manager"}, CallRecording: ptr(true)}
	a := e.send(patch(path, o.admin, tag, edit)).want(t, http.StatusOK)
	got := decode[schema.User](t, a)
	if a.header.Get("ETag") != `"2"` || got.Name != "Robert Jones" || !slices.Equal(got.Roles, []string{"manager", "user"}) || !got.CallRecording {
		t.Errorf("after edit: ETag %s, user %+v", a.header.Get("ETag"), got)
	}

	// A second admin still holding version 1 loses, clearly (R8).
	stale := schema.UserEdit{Name: ptr("Bobby Jones")}
	p := e.send(patch(path, o.admin, tag, stale)).problem(t, http.StatusPreconditionFailed, schema.CodeEditConflict)
	if !strings.Contains(p.Detail, "changed by someone else") {
		t.Errorf("detail %q", p.Detail)
	}
	if u, _ := e.user(o.admin, bob.ID); u.Name != "Robert Jones" {
		t.Errorf("a stale edit overwrote the name: %q", u.Name)
	}

	missing := e.send(call{method: http.MethodPatch, path: path, token: o.admin, body: stale, bad: true})
	missing.problem(t, http.StatusPreconditionRequired, schema.CodePreconditionNeeded)

	malformed := patch(path, o.admin, `W/"2"`, stale)
	malformed.bad = true
	e.send(malformed).problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)

	// Versions start at 1: "0" must not pass for "any version" and let an
	// edit overwrite another admin's unseen.
	zero := patch(path, o.admin, `"0"`, stale)
	zero.bad = true
	e.send(zero).problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)

	unknownField := patch(path, o.admin, `"2"`, `{"nmae":"Bob"}`)
	p = e.send(unknownField).problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
	if !strings.Contains(p.Detail, "nmae") {
		t.Errorf("detail %q does not name the unknown field", p.Detail)
	}
	badName := patch(path, o.admin, `"2"`, schema.UserEdit{Name: ptr("R2-D2")})
	if p := e.send(badName).problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "name" {
		t.Errorf("field %q", p.Field)
	}
}

func TestEditUser_LicensesObeyThePool_R8_R4(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Ann One", "ann@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Ben Two", "ben@acme.example", []string{"user"}, []string{"flow"})
	cat := e.addUser(o, "Cat Three", "cat@acme.example", []string{"user"}, []string{"agent-dialer"})

	_, tag := e.user(o.admin, cat.Email)
	a := e.send(patch("/api/v1/users/"+cat.Email, o.admin, tag, schema.UserEdit{AddLicenses: []string{"flow"}})).want(t, http.StatusOK)
	if u := decode[schema.User](t, a); !slices.Contains(u.Notices, "that was the last flow license: 3 of 3 in use") {
		t.Errorf("notices %q", u.Notices)
	}
	_, tag = e.user(o.admin, o.adminEmail)
	p := e.send(patch("/api/v1/users/"+o.adminID, o.admin, tag, schema.UserEdit{AddLicenses: []string{"flow"}})).
		problem(t, http.StatusConflict, schema.CodeLicenseExhausted)
	if p.Product != "flow" || *p.Used != 3 || *p.Total != 3 {
		t.Errorf("problem %+v", p)
	}
}

func TestDeactivate_ReleasesLicensesAndRevokesTokens_R9(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow", "parallel-dialer"})
	bobToken := e.token(o, bob.Email, "users:read", "licenses:read")
	e.get("/api/v1/me", bobToken).want(t, http.StatusOK)
	if pool := e.pools(o.admin)["flow"]; pool.Assigned != 1 {
		t.Fatalf("flow pool %+v", pool)
	}

	u := decode[schema.User](t, e.post("/api/v1/users/"+bob.ID+"/deactivate", o.admin, nil).want(t, http.StatusOK))
	if u.Active || len(u.Licenses) != 0 {
		t.Errorf("deactivated user %+v", u)
	}
	for product, pool := range e.pools(o.admin) {
		if pool.Assigned != 0 || pool.Available != 3 {
			t.Errorf("%s pool after deactivation: %+v", product, pool)
		}
	}

	// At once: the next request with Bob's token is refused.
	a := e.get("/api/v1/me", bobToken)
	a.problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
	}

	// Deactivating again changes nothing and writes nothing.
	e.post("/api/v1/users/"+bob.Email+"/deactivate", o.admin, nil).want(t, http.StatusOK)
	if n := len(e.audit(o.admin, "?action=user.deactivated")); n != 1 {
		t.Errorf("%d user.deactivated events, want 1", n)
	}
}

func TestDeactivate_SelfRefusedAndLastAdminKept_R9(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	carol := e.addUser(o, "Carol Second", "carol@acme.example", []string{"admin"}, []string{"flow"})
	carolToken := e.token(o, carol.Email, "users:read", "users:write")

	p := e.post("/api/v1/users/"+o.adminEmail+"/deactivate", o.admin, nil).problem(t, http.StatusConflict, schema.CodeSelfDeactivation)
	if !strings.Contains(p.Detail, "another admin") {
		t.Errorf("detail %q", p.Detail)
	}

	// With two admins one may go; then the one left cannot stop being admin.
	e.post("/api/v1/users/"+o.adminID+"/deactivate", carolToken, nil).want(t, http.StatusOK)
	_, tag := e.user(carolToken, carol.ID)
	e.send(patch("/api/v1/users/"+carol.ID, carolToken, tag, schema.UserEdit{AddRoles: []string{"user"}, RemoveRoles: []string{"admin"}})).
		problem(t, http.StatusConflict, schema.CodeLastAdmin)
	if u, _ := e.user(carolToken, carol.ID); !slices.Contains(u.Roles, "admin") || !u.Active {
		t.Errorf("the last admin changed: %+v", u)
	}
	e.post("/api/v1/users/"+carol.ID+"/deactivate", carolToken, nil).problem(t, http.StatusConflict, schema.CodeSelfDeactivation)
}

func TestActivate_NeedsAnAvailableLicense_R10(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	bobToken := e.token(o, bob.Email, "users:read")
	e.post("/api/v1/users/"+bob.ID+"/deactivate", o.admin, nil).want(t, http.StatusOK)
	path := "/api/v1/users/" + bob.ID + "/activate"

	e.send(call{method: http.MethodPost, path: path, token: o.admin, body: schema.ActivateRequest{Licenses: []string{}}, bad: true}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeLicenseRequired)
	e.send(call{method: http.MethodPost, path: path, token: o.admin, body: `{}`, bad: true}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeLicenseRequired)
	if p := e.post(path, o.admin, schema.ActivateRequest{Licenses: []string{"telex"}}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "licenses" {
		t.Errorf("field %q", p.Field)
	}

	for _, email := range []string{"x1@acme.example", "x2@acme.example", "x3@acme.example"} {
		e.addUser(o, "Filler Person", email, []string{"user"}, []string{"parallel-dialer"})
	}
	if p := e.post(path, o.admin, schema.ActivateRequest{Licenses: []string{"parallel-dialer"}}).
		problem(t, http.StatusConflict, schema.CodeLicenseExhausted); p.Product != "parallel-dialer" {
		t.Errorf("product %q", p.Product)
	}

	u := decode[schema.User](t, e.post(path, o.admin, schema.ActivateRequest{Licenses: []string{"flow"}}).want(t, http.StatusOK))
	if !u.Active || !slices.Equal(u.Licenses, []string{"flow"}) {
		t.Errorf("activated user %+v", u)
	}
	// The same request again changes nothing and says so; asking for another
	// license of an active user is a conflict.
	if again := decode[schema.User](t, e.post(path, o.admin, schema.ActivateRequest{Licenses: []string{"flow"}}).want(t, http.StatusOK)); again.Unchanged == "" || !again.UpdatedAt.Equal(u.UpdatedAt) {
		t.Errorf("activating again = %+v, want unchanged", again)
	}
	e.post(path, o.admin, schema.ActivateRequest{Licenses: []string{"agent-dialer"}}).problem(t, http.StatusConflict, schema.CodeAlreadyActive)
	// Tokens revoked by the deactivation stay revoked (R9).
	e.get("/api/v1/me", bobToken).problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
}

func TestListUsers_ActiveByDefaultWithFiltersAndPages_R11(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme") // admin ada@acme.example
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Carol Carter", "carol@acme.example", []string{"manager"}, []string{"parallel-dialer"})
	dave := e.addUser(o, "Dave Gone", "dave@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Erin Both", "erin@acme.example", []string{"manager", "user"}, []string{"agent-dialer"})
	e.post("/api/v1/users/"+dave.ID+"/deactivate", o.admin, nil).want(t, http.StatusOK)

	emails := func(query string) []string {
		t.Helper()
		page := decode[schema.Page[schema.User]](t, e.get("/api/v1/users"+query, o.admin).want(t, http.StatusOK))
		if page.NextCursor != "" {
			t.Errorf("%s: next_cursor %q on a short list", query, page.NextCursor)
		}
		out := []string{}
		for _, u := range page.Items {
			out = append(out, strings.TrimSuffix(u.Email, "@acme.example"))
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"ada", "bob", "carol", "erin"}},
		{"?status=active", []string{"ada", "bob", "carol", "erin"}},
		{"?status=inactive", []string{"dave"}},
		{"?status=all", []string{"ada", "bob", "carol", "dave", "erin"}},
		{"?role=manager", []string{"carol", "erin"}},
		{"?role=admin", []string{"ada"}},
		{"?license=flow", []string{"bob"}},
		{"?license=flow&status=all", []string{"bob"}}, // deactivation released Dave's license
		{"?search=CART", []string{"carol"}},
		{"?search=acme.example&role=user", []string{"bob", "erin"}},
		{"?search=nobody", []string{}},
	}
	for _, tt := range tests {
		if got := emails(tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("GET /api/v1/users%s = %v, want %v", tt.query, got, tt.want)
		}
	}

	var paged []string
	cursor, pages := "", 0
	for {
		pages++
		page := decode[schema.Page[schema.User]](t, e.get("/api/v1/users?status=all&limit=2&cursor="+cursor, o.admin).want(t, http.StatusOK))
		for _, u := range page.Items {
			paged = append(paged, strings.TrimSuffix(u.Email, "@acme.example"))
		}
		if page.NextCursor == "" || pages > 5 {
			break
		}
		cursor = page.NextCursor
	}
	if want := []string{"ada", "bob", "carol", "dave", "erin"}; !slices.Equal(paged, want) || pages != 3 {
		t.Errorf("paged %v in %d pages, want %v in 3", paged, pages, want)
	}

	for _, bad := range []string{"?status=gone", "?role=boss", "?limit=0", "?limit=1001", "?limit=ten", "?cursor=%21%21"} {
		e.send(call{method: http.MethodGet, path: "/api/v1/users" + bad, token: o.admin, bad: true}).
			problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
	}
	// A cursor of another list is refused rather than misread.
	audit := decode[schema.Page[schema.AuditEvent]](t, e.get("/api/v1/audit?limit=1", o.admin))
	e.get("/api/v1/users?cursor="+audit.NextCursor, o.admin).problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
}

func TestResetMFA_ClearsEnrollment_R12(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	bob := e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	noMFAScope := e.token(o, o.adminEmail, "users:read", "users:write")

	e.post("/api/v1/users/"+bob.ID+"/mfa-reset", noMFAScope, nil).problem(t, http.StatusForbidden, schema.CodeForbidden)

	u := decode[schema.User](t, e.post("/api/v1/users/"+bob.ID+"/mfa-reset", o.admin, nil).want(t, http.StatusOK))
	if u.MFAEnrolled {
		t.Error("mfa_enrolled still true after a reset")
	}
	events := e.audit(o.admin, "?action=user.mfa_reset")
	if len(events) != 1 || events[0].Target != bob.Email {
		t.Errorf("mfa reset events %+v", events)
	}
	if _, tag := e.user(o.admin, bob.ID); tag != `"2"` {
		t.Errorf("ETag after reset %s: the reset must bump the version so that stale edits lose (R8)", tag)
	}
}

func TestMe_AnyValidToken(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	tok := e.token(o, "bob@acme.example", "licenses:read")
	me := decode[schema.Me](t, e.get("/api/v1/me", tok).want(t, http.StatusOK))
	if me.User.Email != "bob@acme.example" || me.OrgSlug != "acme" || me.OrgName != "Org acme" ||
		!slices.Equal(me.Scopes, []string{"licenses:read"}) || me.TokenID == "" {
		t.Errorf("me %+v", me)
	}
}
