package scim_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// idpRequest is one request shaped exactly as an identity provider's
// provisioning sends it, with what the answer must say. {okta} and
// {entra} in path stand for the ids the POSTs answered.
type idpRequest struct {
	name   string
	method string
	path   string
	body   string
	status int
	check  func(t *testing.T, r resource)
	keep   string // remember the answer's id under this name
}

// filterPath is /Users with a filter, escaped as the providers escape it.
func filterPath(filter string, extra ...string) string {
	q := "filter=" + url.QueryEscape(filter)
	for _, e := range extra {
		q += "&" + e
	}
	return "/scim/v2/Users?" + q
}

const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

// oktaRequests follow Okta's "SCIM 2.0 protocol reference" (Okta and SCIM
// Version 2.0), section "SCIM User operations"; each row names its part.
var oktaRequests = []idpRequest{
	// Create Users: "Determine if the User object exists" — a userName query.
	{name: "okta/create: does the user exist", method: "GET",
		path:   filterPath(`userName eq "ann.lee@acme.example"`, "startIndex=1", "count=100"),
		status: 200, check: func(t *testing.T, r resource) { wantTotal(t, r, 0) }},
	// Create Users: "Create the User" — Okta's POST body, password included.
	{name: "okta/create: POST /Users", method: "POST", path: "/scim/v2/Users", body: `{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"],
		"userName":"ann.lee@acme.example",
		"name":{"givenName":"Ann","familyName":"Lee"},
		"emails":[{"primary":true,"value":"ann.lee@acme.example","type":"work"}],
		"displayName":"Ann Lee","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
		"groups":[],"password":"1mz050nq","active":true,
		"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User":{"roles":["user"],"licenses":["flow"]}}`,
		status: 201, keep: "okta", check: func(t *testing.T, r resource) {
			wantUser(t, r, "ann.lee@acme.example", "Ann Lee", true, "flow")
			if r.str("externalId") != "00ujl29u0le5T6Aj10h7" {
				t.Errorf("externalId %q", r.str("externalId"))
			}
		}},
	// Retrieve Users: "Retrieve a specific User" — GET by the id Okta keeps.
	{name: "okta/retrieve: GET /Users/{id}", method: "GET", path: "/scim/v2/Users/{okta}", status: 200,
		check: func(t *testing.T, r resource) { wantUser(t, r, "ann.lee@acme.example", "Ann Lee", true, "flow") }},
	// Retrieve Users: "Retrieve all Users" (import) — paged with startIndex and count.
	{name: "okta/retrieve: list all users", method: "GET", path: "/scim/v2/Users?startIndex=1&count=100", status: 200,
		check: func(t *testing.T, r resource) { wantTotal(t, r, 2) }}, // Ann and the first admin
	// Retrieve Users: "Retrieve a specific User" by userName, as on each update.
	{name: "okta/retrieve: userName filter", method: "GET",
		path: filterPath(`userName eq "ann.lee@acme.example"`, "startIndex=1", "count=100"), status: 200,
		check: func(t *testing.T, r resource) { wantTotal(t, r, 1) }},
	// Update a specific User (PUT): the whole profile, a new given name and one more license.
	{name: "okta/update: PUT /Users/{id}", method: "PUT", path: "/scim/v2/Users/{okta}", body: `{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"],
		"id":"{okta}","userName":"ann.lee@acme.example",
		"name":{"givenName":"Annie","familyName":"Lee"},
		"emails":[{"primary":true,"value":"ann.lee@acme.example","type":"work"}],
		"active":true,"groups":[],
		"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User":{"roles":["manager"],"licenses":["flow","agent-dialer"]}}`,
		status: 200, check: func(t *testing.T, r resource) {
			wantUser(t, r, "ann.lee@acme.example", "Annie Lee", true, "agent-dialer", "flow")
			if roles := r.ext("roles"); !slices.Equal(roles, []string{"manager"}) {
				t.Errorf("roles %v", roles)
			}
		}},
	// Update a specific User (PATCH): "deactivate" — value object, no path.
	{name: "okta/update: PATCH deactivate", method: "PATCH", path: "/scim/v2/Users/{okta}",
		body:   `{` + patchOp + `,"Operations":[{"op":"replace","value":{"active":false}}]}`,
		status: 200, check: func(t *testing.T, r resource) { wantUser(t, r, "ann.lee@acme.example", "Annie Lee", false) }},
	// Update a specific User (PATCH): "reactivate" — refused without a license (R10)…
	{name: "okta/update: PATCH reactivate without a license", method: "PATCH", path: "/scim/v2/Users/{okta}",
		body: `{` + patchOp + `,"Operations":[{"op":"replace","value":{"active":true}}]}`, status: 400},
	// …and done when the license comes in the same request.
	{name: "okta/update: PATCH reactivate with a license", method: "PATCH", path: "/scim/v2/Users/{okta}",
		body: `{` + patchOp + `,"Operations":[{"op":"replace","value":{"active":true,
			"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User":{"licenses":["flow"]}}}]}`,
		status: 200, check: func(t *testing.T, r resource) { wantUser(t, r, "ann.lee@acme.example", "Annie Lee", true, "flow") }},
}

// entraRequests follow Microsoft Entra ID's "Tutorial: Develop and plan
// provisioning for a SCIM endpoint", section "User Operations" (and the
// PATCH forms its provisioning service is documented to send).
var entraRequests = []idpRequest{
	// Test connection / "Get User by query - Zero results": a random userName.
	{name: "entra/get user by query: zero results", method: "GET",
		path:   filterPath(`userName eq "non-existent user 2819c223-7f76-453a-919d-413861904646"`),
		status: 200, check: func(t *testing.T, r resource) { wantTotal(t, r, 0) }},
	// "Create User": both schemas, externalId, enterprise attributes (not kept), meta.
	{name: "entra/create user", method: "POST", path: "/scim/v2/Users", body: `{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName":"Bo.Berg@acme.example","active":true,
		"emails":[{"primary":true,"type":"work","value":"Bo.Berg@acme.example"}],
		"meta":{"resourceType":"User"},
		"name":{"formatted":"Bo Berg","familyName":"Berg","givenName":"Bo"},
		"roles":[],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"ad0bc2a4"}}}`,
		status: 201, keep: "entra", check: func(t *testing.T, r resource) {
			wantUser(t, r, "Bo.Berg@acme.example", "Bo Berg", true)
			if roles := r.ext("roles"); !slices.Equal(roles, []string{"user"}) {
				t.Errorf("default roles %v, want [user]", roles)
			}
		}},
	// "Get User".
	{name: "entra/get user", method: "GET", path: "/scim/v2/Users/{entra}", status: 200,
		check: func(t *testing.T, r resource) { wantUser(t, r, "Bo.Berg@acme.example", "Bo Berg", true) }},
	// "Get User by query": userName, compared without case.
	{name: "entra/get user by query", method: "GET", path: filterPath(`userName eq "bo.berg@acme.example"`), status: 200,
		check: func(t *testing.T, r resource) { wantTotal(t, r, 1) }},
	// Matching on externalId, when the mapping says so.
	{name: "entra/get user by externalId", method: "GET", path: filterPath(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`), status: 200,
		check: func(t *testing.T, r resource) { wantTotal(t, r, 1) }},
	// "Update User [Multi-valued properties]": Replace, capitalised, with a value filter path.
	{name: "entra/update multi-valued: Replace emails[type eq work].value and name.familyName", method: "PATCH", path: "/scim/v2/Users/{entra}",
		body: `{` + patchOp + `,"Operations":[
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"bo.lind@acme.example"},
			{"op":"Replace","path":"name.familyName","value":"Lind"}]}`,
		status: 200, check: func(t *testing.T, r resource) { wantUser(t, r, "bo.lind@acme.example", "Bo Lind", true) }},
	// The same attributes as "Add", which the provisioning service sends too.
	{name: "entra/update: Add emails[type eq work].value and name.givenName", method: "PATCH", path: "/scim/v2/Users/{entra}",
		body: `{` + patchOp + `,"Operations":[
			{"op":"Add","path":"emails[type eq \"work\"].value","value":"bob.lind@acme.example"},
			{"op":"Add","path":"name.givenName","value":"Bob"},
			{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Field"}]}`,
		status: 200, check: func(t *testing.T, r resource) { wantUser(t, r, "bob.lind@acme.example", "Bob Lind", true) }},
	// "Update User [Single-valued properties]": userName and displayName.
	{name: "entra/update single-valued: Replace userName, displayName", method: "PATCH", path: "/scim/v2/Users/{entra}",
		body: `{` + patchOp + `,"Operations":[
			{"op":"Replace","path":"userName","value":"robert.lind@acme.example"},
			{"op":"Replace","path":"displayName","value":"Robert Lind"}]}`,
		status: 200, check: func(t *testing.T, r resource) { wantUser(t, r, "robert.lind@acme.example", "Robert Lind", true) }},
	// Our extension's attributes by path, as an attribute mapping sends them.
	{name: "entra/update: Add the extension's licenses", method: "PATCH", path: "/scim/v2/Users/{entra}",
		body: `{` + patchOp + `,"Operations":[
			{"op":"Add","path":"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User:licenses","value":"parallel-dialer"}]}`,
		status: 200, check: func(t *testing.T, r resource) {
			wantUser(t, r, "robert.lind@acme.example", "Robert Lind", true, "parallel-dialer")
		}},
	// "Disable User": active as the string "False".
	{name: "entra/disable user: Replace active \"False\"", method: "PATCH", path: "/scim/v2/Users/{entra}",
		body:   `{` + patchOp + `,"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		status: 200, check: func(t *testing.T, r resource) { wantUser(t, r, "robert.lind@acme.example", "Robert Lind", false) }},
	// Enabling again, with a license in a value object (strings for booleans).
	{name: "entra/enable user: Replace value object", method: "PATCH", path: "/scim/v2/Users/{entra}",
		body: `{` + patchOp + `,"Operations":[{"op":"Replace","value":{"active":"True",
			"urn:wsctl:params:scim:schemas:extension:workspace:2.0:User:licenses":["flow"]}}]}`,
		status: 200, check: func(t *testing.T, r resource) {
			wantUser(t, r, "robert.lind@acme.example", "Robert Lind", true, "flow")
		}},
	// "Delete User".
	{name: "entra/delete user", method: "DELETE", path: "/scim/v2/Users/{entra}", status: 204},
	{name: "entra/deleted: GET is 404", method: "GET", path: "/scim/v2/Users/{entra}", status: 404},
	{name: "entra/deleted: query finds nothing", method: "GET", path: filterPath(`userName eq "robert.lind@acme.example"`), status: 200,
		check: func(t *testing.T, r resource) { wantTotal(t, r, 0) }},
}

// TestIdPRequests_OktaAndEntra sends the requests of both guides in order,
// on both stores; every rule they meet is the domain's (R4, R9, R10).
func TestIdPRequests_OktaAndEntra(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		ids := map[string]string{}
		for _, rq := range slices.Concat(oktaRequests, entraRequests) {
			t.Run(rq.name, func(t *testing.T) {
				path, body := rq.path, rq.body
				for k, v := range ids {
					path, body = strings.ReplaceAll(path, "{"+k+"}", v), strings.ReplaceAll(body, "{"+k+"}", v)
				}
				var sent any
				if body != "" {
					sent = body
				}
				a := e.do(rq.method, path, o.scim, sent)
				got := a.want(t, rq.status)
				if rq.keep != "" {
					ids[rq.keep] = got.str("id")
				}
				if rq.check != nil {
					rq.check(t, got)
				}
			})
		}
		// The deleted person is still a user to wsctl: inactive (R11).
		users, _, err := e.svc.ListUsers(e.ctx, o.admin, workspaceInactive())
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 1 || users[0].Email != "robert.lind@acme.example" || users[0].Active {
			t.Errorf("wsctl users list --inactive = %+v, want the deleted person", users)
		}
	})
}

func wantTotal(t *testing.T, r resource, n int) {
	t.Helper()
	if r.total() != n || len(r["Resources"].([]any)) != min(n, 100) {
		t.Errorf("totalResults %d (%d resources), want %d", r.total(), len(r["Resources"].([]any)), n)
	}
	if s := r["schemas"].([]any); s[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
		t.Errorf("schemas %v", s)
	}
}

func wantUser(t *testing.T, r resource, userName, name string, active bool, licenses ...string) {
	t.Helper()
	if r.str("userName") != userName || r.str("displayName") != name || r.get("active") != active {
		t.Errorf("user %s %q active %v, want %s %q active %v", r.str("userName"), r.str("displayName"), r.get("active"), userName, name, active)
	}
	if got := r.ext("licenses"); !slices.Equal(got, licenses) && !(len(got) == 0 && len(licenses) == 0) {
		t.Errorf("licenses %v, want %v", got, licenses)
	}
	if r.str("meta.version") == "" || !strings.HasPrefix(r.str("meta.location"), "https://ws.example.test/scim/v2/Users/") {
		t.Errorf("meta %v", r["meta"])
	}
	_ = http.StatusOK
}
