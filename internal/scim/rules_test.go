package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wsctl/wsctl/internal/workspace"
)

// person is a POST body for email with licenses, active.
func person(email string, licenses ...string) map[string]any {
	if licenses == nil {
		licenses = []string{}
	}
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": email, "active": true,
		"name": map[string]string{"givenName": "Pat", "familyName": "Doe"},
		"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User": map[string]any{"licenses": licenses},
	}
}

func deactivate() string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`
}

func TestPost_PoolFull_409NamingProduct_NeverOverUnderConcurrency_R4(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		const n = 8 // against a pool of 3
		var wg sync.WaitGroup
		statuses := make([]answer, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do("POST", "/scim/v2/Users", o.scim, person(fmt.Sprintf("p%d@acme.example", i), "parallel-dialer"))
			}()
		}
		wg.Wait()
		created := 0
		for _, a := range statuses {
			switch a.status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				detail := a.scimError(t, http.StatusConflict, "")
				if !strings.Contains(detail, "no parallel-dialer license left: 3 of 3 in use") {
					t.Errorf("409 detail %q does not name the product and the counts", detail)
				}
			default:
				t.Errorf("status %d: %s", a.status, a.body)
			}
		}
		if p := e.pool(o, "parallel-dialer"); created != 3 || p.Used() != 3 {
			t.Errorf("created %d, pool %+v; want 3 of 3", created, p)
		}
		// A PATCH taking one more is refused the same way.
		id := e.do("POST", "/scim/v2/Users", o.scim, person("q@acme.example")).want(t, 201).str("id")
		e.do("PATCH", "/scim/v2/Users/"+id, o.scim, `{"Operations":[{"op":"add","path":"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User:licenses","value":["parallel-dialer"]}]}`).
			scimError(t, http.StatusConflict, "")
	})
}

func TestDeactivate_ReleasesLicenses_EndsTokens_KeepsLastAdmin_R9(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		u := e.do("POST", "/scim/v2/Users", o.scim, person("pat@acme.example", "flow")).want(t, 201)
		_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.id), "pat@acme.example", "pat's", []string{"users:read"})
		if err != nil {
			t.Fatal(err)
		}
		if a := e.do("GET", "/api/v1/me", secret, nil); a.status != http.StatusOK {
			t.Fatalf("the person's token: %d", a.status)
		}
		e.do("PATCH", "/scim/v2/Users/"+u.str("id"), o.scim, deactivate()).want(t, 200)
		if p := e.pool(o, "flow"); p.Used() != 0 {
			t.Errorf("flow pool after deactivation %+v, want the license released", p)
		}
		if a := e.do("GET", "/api/v1/me", secret, nil); a.status != http.StatusUnauthorized {
			t.Errorf("the deactivated person's token still works: %d", a.status)
		}
		// The token's own user, the only admin, is neither deactivated nor deleted.
		admins := e.do("GET", filterPath(`userName eq "`+o.adminEmail+`"`), o.scim, nil).want(t, 200)
		adminID := admins["Resources"].([]any)[0].(map[string]any)["id"].(string)
		e.do("PATCH", "/scim/v2/Users/"+adminID, o.scim, deactivate()).scimError(t, http.StatusConflict, "")
		e.do("DELETE", "/scim/v2/Users/"+adminID, o.scim, nil).scimError(t, http.StatusConflict, "")
		// Another admin's token cannot take away the last active admin either.
		benIn := map[string]any{"userName": "ben@acme.example", "displayName": "Ben", "active": true,
			"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User": map[string]any{"roles": []string{"admin"}}}
		// A scim token alone cannot make an admin (R13: an admin holds
		// every API scope); one that also holds them all can.
		e.do("POST", "/scim/v2/Users", o.scim, benIn).scimError(t, http.StatusForbidden, "")
		full, err := e.svc.CreateToken(e.ctx, o.admin, workspace.TokenInput{Name: "okta with admins", Scopes: append([]string{"scim"}, scopeNames(workspace.APIScopes)...)}, "")
		if err != nil {
			t.Fatal(err)
		}
		ben := e.do("POST", "/scim/v2/Users", full.Secret, benIn).want(t, 201)
		_, benSecret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.id), "ben@acme.example", "ben scim", []string{"scim"})
		if err != nil {
			t.Fatal(err)
		}
		e.do("DELETE", "/scim/v2/Users/"+adminID, benSecret, nil).want(t, 204)    // Ben stays an active admin
		e.do("DELETE", "/scim/v2/Users/"+ben.str("id"), o.scim, nil).want(t, 401) // Ada's token ended with her (R9)
	})
}

func TestActivate_NeedsALicense_R10(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		u := e.do("POST", "/scim/v2/Users", o.scim, map[string]any{"userName": "pat@acme.example", "displayName": "Pat", "active": false}).want(t, 201)
		if u.get("active") != false {
			t.Fatalf("POST active false made %v", u.get("active"))
		}
		id := u.str("id")
		detail := e.do("PATCH", "/scim/v2/Users/"+id, o.scim, `{"Operations":[{"op":"replace","path":"active","value":true}]}`).
			scimError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(detail, "license") {
			t.Errorf("detail %q does not say a license is needed", detail)
		}
		e.do("PUT", "/scim/v2/Users/"+id, o.scim, person("pat@acme.example", "flow")).want(t, 200)
		if p := e.pool(o, "flow"); p.Assigned != 1 {
			t.Errorf("flow %+v", p)
		}
	})
}

// A person without a license is made active only when the identity
// provider says active true (as automatic sign-up makes one, R7); when it
// says nothing, the license decides (R10).
func TestPost_ActiveOmitted_ActiveOnlyWithALicense_R10(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		ext := "urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"
		for _, tc := range []struct {
			email    string
			licenses []string
			active   any // nil: not sent
			want     bool
		}{
			{"no-license@acme.example", nil, nil, false},
			{"licensed@acme.example", []string{"flow"}, nil, true},
			{"told-active@acme.example", nil, true, true},
			{"told-inactive@acme.example", []string{"flow"}, false, false},
		} {
			body := map[string]any{"userName": tc.email, "displayName": "Pat", ext: map[string]any{"licenses": tc.licenses}}
			if tc.active != nil {
				body["active"] = tc.active
			}
			u := e.do("POST", "/scim/v2/Users", o.scim, body).want(t, 201)
			if u.get("active") != tc.want {
				t.Errorf("%s: active %v, want %v", tc.email, u.get("active"), tc.want)
			}
		}
		if p := e.pool(o, "flow"); p.Assigned != 1 {
			t.Errorf("flow %+v: only the licensed, active person holds one", p)
		}
	})
}

func TestOtherOrgsIDs404_TokensWithoutScim403_NoTokens401_R13(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		acme, globex := e.newOrg("acme"), e.newOrg("globex")
		id := e.do("POST", "/scim/v2/Users", acme.scim, person("pat@acme.example")).want(t, 201).str("id")
		for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			var body any
			if m == "PUT" {
				body = person("pat@acme.example")
			} else if m == "PATCH" {
				body = deactivate()
			}
			e.do(m, "/scim/v2/Users/"+id, globex.scim, body).scimError(t, http.StatusNotFound, "")
		}
		// The first admin's token holds every /api/v1 scope, not scim.
		e.do("GET", "/scim/v2/Users", acme.adminToken, nil).scimError(t, http.StatusForbidden, "")
		// An identity provider's admin pastes a token; wsctl's sign-in is no help to them.
		for _, secret := range []string{"", "wsp_nonsense"} {
			detail := e.do("GET", "/scim/v2/Users", secret, nil).scimError(t, http.StatusUnauthorized, "")
			if !strings.Contains(detail, "--scope scim") || strings.Contains(detail, "auth login") {
				t.Errorf("401 with token %q says %q", secret, detail)
			}
		}
		// A scim token opens nothing of /api/v1.
		if a := e.do("GET", "/api/v1/users", acme.scim, nil); a.status != http.StatusForbidden {
			t.Errorf("GET /api/v1/users with a scim token: %d", a.status)
		}
		// A manager with a scim token is no admin.
		e.do("POST", "/scim/v2/Users", acme.scim, map[string]any{"userName": "max@acme.example", "displayName": "Max", "active": true,
			"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User": map[string]any{"roles": []string{"manager"}}}).want(t, 201)
		_, mgr, err := e.svc.IssueToken(e.ctx, workspace.Operator(acme.id), "max@acme.example", "max", []string{"scim"})
		if err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/scim/v2/Users", mgr, nil).scimError(t, http.StatusForbidden, "")
		if _, err := e.svc.CreateToken(e.ctx, workspace.Principal{OrgID: acme.id, Roles: []workspace.Role{workspace.RoleAdmin},
			Scopes: []workspace.Scope{workspace.ScopeUsersRead}}, workspace.TokenInput{Name: "x", Scopes: []string{"scim"}}, ""); workspace.CodeOf(err) != "forbidden" {
			t.Errorf("an admin token without users:write made a scim token: %v", err)
		}
	})
}

func TestEveryChangeWritesItsAuditEvent_R14(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		id := e.do("POST", "/scim/v2/Users", o.scim, person("pat@acme.example", "flow")).want(t, 201).str("id")
		e.do("PATCH", "/scim/v2/Users/"+id, o.scim, `{"Operations":[{"op":"replace","path":"displayName","value":"Pat Doe Jr."}]}`).want(t, 200)
		e.do("PATCH", "/scim/v2/Users/"+id, o.scim, deactivate()).want(t, 200)
		e.do("DELETE", "/scim/v2/Users/"+id, o.scim, nil).want(t, 204)
		// Refused changes leave no event.
		e.do("PATCH", "/scim/v2/Users/"+id, o.scim, deactivate()).want(t, 404)
		e.do("POST", "/scim/v2/Users", o.scim, map[string]any{"userName": "x@acme.example", "displayName": "X 2"}).scimError(t, 400, "invalidValue")
		events, _, err := e.svc.ListAudit(e.ctx, o.admin, workspace.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(events) - 1; i >= 0; i-- {
			if events[i].Target == "pat@acme.example" {
				got = append(got, events[i].Action+" by "+events[i].Actor)
			}
		}
		want := []string{"user.provisioned by " + o.adminEmail, "user.edited by " + o.adminEmail,
			"user.deactivated by " + o.adminEmail, "user.deprovisioned by " + o.adminEmail}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("events %v, want %v", got, want)
		}
	})
}

func TestUniqueness_Revival_Names_Filters_ETags(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		id := e.do("POST", "/scim/v2/Users", o.scim, person("pat@acme.example", "flow")).want(t, 201).str("id")
		// R1: the email of a user (any case) is taken.
		e.do("POST", "/scim/v2/Users", o.scim, person("PAT@acme.example")).scimError(t, http.StatusConflict, "uniqueness")
		other := e.do("POST", "/scim/v2/Users", o.scim, person("sam@acme.example")).want(t, 201).str("id")
		e.do("PATCH", "/scim/v2/Users/"+other, o.scim, `{"Operations":[{"op":"replace","path":"userName","value":"pat@acme.example"}]}`).
			scimError(t, http.StatusConflict, "uniqueness")
		// R1: a name of other characters is refused, naming the attribute.
		detail := e.do("PATCH", "/scim/v2/Users/"+id, o.scim, `{"Operations":[{"op":"replace","path":"name.givenName","value":"P4t"}]}`).
			scimError(t, http.StatusBadRequest, "invalidValue")
		if !strings.HasPrefix(detail, "name.givenName:") {
			t.Errorf("detail %q does not name name.givenName", detail)
		}
		// If-Match: a stale version is 412 (R8).
		e.do("PATCH", "/scim/v2/Users/"+id, o.scim, deactivate(), "If-Match", `W/"99"`).scimError(t, http.StatusPreconditionFailed, "")
		// Filters the domain does not answer are invalidFilter.
		e.do("GET", filterPath(`userName gt "pat"`), o.scim, nil).scimError(t, http.StatusBadRequest, "invalidFilter")
		e.do("GET", filterPath(`title eq "x"`), o.scim, nil).scimError(t, http.StatusBadRequest, "invalidFilter")
		e.do("GET", filterPath(`userName eq`), o.scim, nil).scimError(t, http.StatusBadRequest, "invalidFilter")
		if r := e.do("GET", filterPath(`emails[type eq "work" and value eq "PAT@acme.example"]`), o.scim, nil).want(t, 200); r.total() != 1 {
			t.Errorf("emails value path found %d", r.total())
		}
		if r := e.do("GET", "/scim/v2/Users?startIndex=2&count=1", o.scim, nil).want(t, 200); r.total() != 3 || r.get("itemsPerPage") != 1.0 || r.get("startIndex") != 2.0 {
			t.Errorf("page: %v", r)
		}
		if r := e.do("GET", "/scim/v2/Users?count=0", o.scim, nil).want(t, 200); r.total() != 3 || len(r["Resources"].([]any)) != 0 {
			t.Errorf("count=0: %v", r)
		}
		// DELETE, then POST again: the same user, revived with its license (R10, R4).
		e.do("DELETE", "/scim/v2/Users/"+id, o.scim, nil).want(t, 204)
		e.do("POST", "/scim/v2/Users", o.scim, person("pat@acme.example")).scimError(t, http.StatusBadRequest, "invalidValue")
		again := e.do("POST", "/scim/v2/Users", o.scim, person("pat@acme.example", "flow")).want(t, 201)
		if again.str("id") != id || again.get("active") != true || e.pool(o, "flow").Assigned != 1 {
			t.Errorf("revival: %v, pool %+v", again, e.pool(o, "flow"))
		}
		// Groups are not supported; discovery says what is.
		if r := e.do("GET", "/scim/v2/Groups", o.scim, nil).want(t, 200); r.total() != 0 {
			t.Errorf("groups %v", r)
		}
		e.do("POST", "/scim/v2/Groups", o.scim, `{"displayName":"Sales"}`).scimError(t, http.StatusNotImplemented, "")
		spc := e.do("GET", "/scim/v2/ServiceProviderConfig", "", nil).want(t, 200)
		if spc.get("patch.supported") != true || spc.get("bulk.supported") != false || spc.get("filter.maxResults") != 1000.0 {
			t.Errorf("ServiceProviderConfig %v", spc)
		}
		if rt := e.do("GET", "/scim/v2/ResourceTypes", "", nil).want(t, 200); rt.total() != 1 {
			t.Errorf("ResourceTypes %v", rt)
		}
		e.do("GET", "/scim/v2/Schemas/urn:wsctl:params:scim:schemas:extension:workspace:2.0:User", "", nil).want(t, 200)
	})
}

func scopeNames(scopes []workspace.Scope) []string {
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	return names
}
