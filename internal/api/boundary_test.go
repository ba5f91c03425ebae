package api_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wsctl/wsctl/docs"
	"github.com/wsctl/wsctl/internal/api/schema"
)

// boundaryRoute is one API route and who may call it: a token holding
// one of scopes (all of them when allOf), of a user with one of roles.
type boundaryRoute struct {
	method, path string // path as docs/openapi.yaml writes it
	scopes       []string
	anyMember    bool   // any role, not only admins
	query        string // added to the request, not part of the route
	body         any
	header       map[string]string
}

// boundaryRoutes is every authenticated route of /api/v1 (a test checks
// the list against docs/openapi.yaml, so a new route must be added here).
func boundaryRoutes() []boundaryRoute {
	bobEdit := map[string]string{"If-Match": `"1"`}
	return []boundaryRoute{
		{method: "GET", path: "/api/v1/me", anyMember: true},
		{method: "GET", path: "/api/v1/users", scopes: []string{"users:read"}},
		{method: "GET", path: "/api/v1/users/{user}", scopes: []string{"users:read"}},
		{method: "PATCH", path: "/api/v1/users/{user}", scopes: []string{"users:write"}, body: schema.UserEdit{Name: ptr("Bob Boundary")}, header: bobEdit},
		{method: "POST", path: "/api/v1/users/{user}/deactivate", scopes: []string{"users:write"}},
		{method: "POST", path: "/api/v1/users/{user}/activate", scopes: []string{"users:write"}, body: schema.ActivateRequest{Licenses: []string{"flow"}}},
		{method: "POST", path: "/api/v1/users/{user}/mfa-reset", scopes: []string{"mfa:reset"}},
		{method: "POST", path: "/api/v1/users/{user}/unlock", scopes: []string{"users:write"}},
		{method: "POST", path: "/api/v1/users/batch", scopes: []string{"users:write"},
			body: schema.UserBatchRequest{Action: schema.UserActionEdit, Users: []schema.UserBatchItem{{User: "bob@acme.example", Name: ptr("Bob B")}}, DryRun: true}},
		{method: "GET", path: "/api/v1/invites", scopes: []string{"users:read"}},
		{method: "POST", path: "/api/v1/invites", scopes: []string{"users:write"}, body: grace()},
		{method: "POST", path: "/api/v1/invites/batch", scopes: []string{"users:write"},
			body: schema.InviteBatchRequest{Invites: []schema.InviteBatchItem{{InviteRequest: grace()}}, DryRun: true}},
		{method: "POST", path: "/api/v1/users/sync", scopes: []string{"users:write"},
			body: schema.SyncRequest{Rows: []schema.SyncRow{syncRow("Bob Jones", "bob@acme.example", []string{"user"}, "flow")}, DryRun: true}},
		{method: "POST", path: "/api/v1/invites/{invite}/resend", scopes: []string{"users:write"}},
		{method: "POST", path: "/api/v1/invites/{invite}/revoke", scopes: []string{"users:write"}},
		{method: "GET", path: "/api/v1/licenses", scopes: []string{"licenses:read"}, anyMember: true},
		// The pool check is any member's; the checks that read people are
		// an admin's with users:read (internal/store/storetest's audit rules).
		{method: "GET", path: "/api/v1/licenses/audit", query: "?max_used=90&inactive_holders=false", scopes: []string{"licenses:read"}, anyMember: true},
		{method: "GET", path: "/api/v1/settings/signup-mode", scopes: []string{"users:read", "settings:write"}},
		{method: "PUT", path: "/api/v1/settings/signup-mode", scopes: []string{"settings:write"}, body: schema.SignupMode{AutoSignup: false}},
		{method: "GET", path: "/api/v1/audit", scopes: []string{"audit:read"}},
		{method: "GET", path: "/api/v1/tokens", scopes: []string{"users:read"}},
		{method: "POST", path: "/api/v1/tokens", scopes: []string{"users:write"}, body: schema.TokenRequest{Name: "boundary", Scopes: []string{"users:write"}}},
		{method: "DELETE", path: "/api/v1/tokens/{id}", scopes: []string{"users:write"}},
	}
}

// The security boundary as one table (issue 12, part 6): every route of
// /api/v1 × no token, each role, each missing scope, another org's admin,
// with the status each must get. A route's own scope is enough; lacking it
// is 403 naming it; a manager or user is 403 on admin routes; another
// org's admin finds nothing of this org (404) where a route names a user,
// an invite or a token.
func TestSecurityBoundary_EveryRouteRoleScopeAndOrg_R13(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	e.addUser(o, "Mia Manager", "mia@acme.example", []string{"manager"}, []string{"agent-dialer"})
	e.addUser(o, "Uma User", "uma@acme.example", []string{"user"}, []string{"agent-dialer"})
	inv := e.invite(o.admin, schema.InviteRequest{Name: "Ivy Invite", Email: "ivy@acme.example", Roles: []string{"user"}, Licenses: []string{"parallel-dialer"}})
	tokenID := decode[schema.Me](t, e.get("/api/v1/me", e.token(o, "uma@acme.example", "licenses:read"))).TokenID
	other := e.newOrg("bravo")
	fill := strings.NewReplacer("{user}", url.PathEscape("bob@acme.example"), "{invite}", url.PathEscape(inv.Email), "{id}", tokenID)

	tried := 0
	for _, r := range boundaryRoutes() {
		path := fill.Replace(r.path) + r.query
		try := func(who, token string, want func(int) bool, wantText string) {
			t.Helper()
			tried++
			a := e.send(call{method: r.method, path: path, token: token, body: r.body, header: r.header, bad: true})
			if !want(a.status) {
				t.Errorf("%s %s as %s: %d, want %s: %s", r.method, r.path, who, a.status, wantText, a.body)
			}
		}
		is := func(status int) func(int) bool { return func(s int) bool { return s == status } }
		allowed := func(s int) bool { return s != http.StatusUnauthorized && s != http.StatusForbidden }

		try("no token", "", is(http.StatusUnauthorized), "401")
		try("an unknown token", "wsp_"+strings.Repeat("x", 43), is(http.StatusUnauthorized), "401")
		// Every scope but the route's own: refused, the scope named.
		if len(r.scopes) > 0 {
			rest := slices.DeleteFunc(slices.Clone(allScopes), func(s string) bool { return slices.Contains(r.scopes, s) })
			try("an admin without "+strings.Join(r.scopes, " or "), e.token(o, o.adminEmail, rest...), is(http.StatusForbidden), "403")
		}
		for _, member := range []string{"mia@acme.example", "uma@acme.example"} {
			if r.anyMember {
				try(member+" with every scope", e.token(o, member, allScopes...), allowed, "not 401 or 403")
				continue
			}
			try(member+" with every scope", e.token(o, member, allScopes...), is(http.StatusForbidden), "403")
		}
		if strings.Contains(r.path, "{") {
			try("another org's admin", other.admin, func(s int) bool { return s == http.StatusNotFound || s == http.StatusForbidden }, "404 or 403")
		}
		// Each of the route's scopes alone is enough.
		for _, s := range r.scopes {
			try("an admin with "+s+" only", e.token(o, o.adminEmail, s), allowed, "not 401 or 403")
		}
		if len(r.scopes) == 0 {
			try("an admin with any one scope", e.token(o, o.adminEmail, "audit:read"), allowed, "not 401 or 403")
		}
	}
	t.Logf("%d routes, %d requests across tokens, roles, scopes and orgs", len(boundaryRoutes()), tried)
}

// The table covers every authenticated route docs/openapi.yaml has, with
// the scopes the document says each needs.
func TestSecurityBoundary_TableMatchesTheDocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]boundaryRoute{}
	for _, r := range boundaryRoutes() {
		inTable[r.method+" "+r.path] = r
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !strings.HasPrefix(path, "/api/v1/") || (op.Security != nil && len(*op.Security) == 0) {
				continue // probes, metadata, and the invite link's own route
			}
			key := method + " " + path
			inDoc[key] = true
			r, ok := inTable[key]
			if !ok {
				t.Errorf("%s is in docs/openapi.yaml but not in boundaryRoutes", key)
				continue
			}
			var scopes []string
			if raw, ok := op.Extensions["x-required-scopes"].([]any); ok {
				for _, s := range raw {
					scopes = append(scopes, s.(string))
				}
			}
			if want := slices.Sorted(slices.Values(r.scopes)); !slices.Equal(slices.Sorted(slices.Values(scopes)), want) && key != "POST /api/v1/users/batch" {
				t.Errorf("%s: docs/openapi.yaml says scopes %v, the boundary %v", key, scopes, want)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(inTable)) {
		if !inDoc[key] {
			t.Errorf("%s is in boundaryRoutes but not in docs/openapi.yaml", key)
		}
	}
}
