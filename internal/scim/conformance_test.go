package scim_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The checks a SCIM conformance checker makes of the User resource
// (RFC 7643, RFC 7644), beyond what Okta and Entra ID send.

// people are the org's users besides its first admin, ada@acme.example.
func (e *env) people(o org) {
	e.t.Helper()
	for _, p := range []map[string]any{
		{"userName": "ann.lee@acme.example", "externalId": "Ext-1", "active": true, "name": map[string]string{"givenName": "Ann", "familyName": "Lee"}},
		{"userName": "bo_berg@acme.example", "externalId": "ext-2", "active": false, "name": map[string]string{"givenName": "Bo", "familyName": "Berg"}},
		{"userName": "boxberg@acme.example", "active": true, "name": map[string]string{"givenName": "Box", "familyName": "Berg"}},
	} {
		e.do("POST", "/scim/v2/Users", o.scim, p).want(e.t, http.StatusCreated)
	}
}

// userNames are the userNames of a list's resources, sorted.
func userNames(r resource) []string {
	var out []string
	for _, res := range r["Resources"].([]any) {
		out = append(out, resource(res.(map[string]any)).str("userName"))
	}
	slices.Sort(out)
	return out
}

func TestFilters_Operators_CaseInsensitiveNames_EscapedPatterns(t *testing.T) {
	found := []struct {
		filter string
		want   []string
	}{
		{`USERNAME eq "ANN.LEE@acme.example"`, []string{"ann.lee@acme.example"}},
		{`userName sw "bo_"`, []string{"bo_berg@acme.example"}}, // _ is no wildcard
		{`userName sw "%"`, nil},
		{`username co "BERG"`, []string{"bo_berg@acme.example", "boxberg@acme.example"}},
		{`userName ew "@acme.example" and Active eq true`, []string{"ada@acme.example", "ann.lee@acme.example", "boxberg@acme.example"}},
		{`userName ne "ada@acme.example"`, []string{"ann.lee@acme.example", "bo_berg@acme.example", "boxberg@acme.example"}},
		{`userName pr`, []string{"ada@acme.example", "ann.lee@acme.example", "bo_berg@acme.example", "boxberg@acme.example"}},
		{`externalId pr`, []string{"ann.lee@acme.example", "bo_berg@acme.example"}},
		{`externalId eq "Ext-1"`, []string{"ann.lee@acme.example"}},
		{`externalId eq "ext-1"`, nil}, // caseExact
		{`active eq false`, []string{"bo_berg@acme.example"}},
		{`displayName sw "b"`, []string{"bo_berg@acme.example", "boxberg@acme.example"}},
		{`emails[value co "lee" and type eq "work"]`, []string{"ann.lee@acme.example"}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "boxberg@acme.example"`, []string{"boxberg@acme.example"}},
	}
	refused := []string{
		`userName gt "a"`,
		`externalId co "x"`,
		`userName eq "a@acme.example" or userName eq "b@acme.example"`,
		`not (userName eq "a@acme.example")`,
		`active eq "yes"`,
		`userName eq "` + strings.Repeat("a", 321) + `"`,
		`meta.created gt "2020-01-01T00:00:00Z"`,
		`userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a" and userName eq "a"`,
	}
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		e.people(o)
		for _, c := range found {
			t.Run(c.filter, func(t *testing.T) {
				r := e.do("GET", filterPath(c.filter), o.scim, nil).want(t, http.StatusOK)
				if got := userNames(r); !slices.Equal(got, c.want) || r.total() != len(c.want) {
					t.Errorf("found %v (total %d), want %v", got, r.total(), c.want)
				}
			})
		}
		for _, f := range refused {
			t.Run("refused: "+f[:min(len(f), 40)], func(t *testing.T) {
				e.do("GET", filterPath(f), o.scim, nil).scimError(t, http.StatusBadRequest, "invalidFilter")
			})
		}
	})
}

// conformanceCase is one request a checker sends and what it expects;
// {id} is Ann's id, {pat} the id of the person the first case creates.
type conformanceCase struct {
	name     string
	method   string
	path     string
	body     string
	header   []string
	status   int
	scimType string // of an error
	check    func(t *testing.T, a answer, r resource)
}

const ext = "urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"

// hasOnly fails unless r's attributes are exactly keys.
func hasOnly(keys ...string) func(t *testing.T, a answer, r resource) {
	return func(t *testing.T, _ answer, r resource) {
		t.Helper()
		var got []string
		for k := range r {
			got = append(got, k)
		}
		slices.Sort(got)
		slices.Sort(keys)
		if !slices.Equal(got, keys) {
			t.Errorf("attributes %v, want %v", got, keys)
		}
	}
}

// firstResource applies check to a list's first resource.
func firstResource(check func(t *testing.T, a answer, r resource)) func(t *testing.T, a answer, r resource) {
	return func(t *testing.T, a answer, r resource) {
		t.Helper()
		items := r["Resources"].([]any)
		if len(items) == 0 {
			t.Fatalf("no resources: %v", r)
		}
		check(t, a, resource(items[0].(map[string]any)))
	}
}

func listOf(total, items, start int) func(t *testing.T, a answer, r resource) {
	return func(t *testing.T, _ answer, r resource) {
		t.Helper()
		if r.total() != total || len(r["Resources"].([]any)) != items || r.get("startIndex") != float64(start) {
			t.Errorf("totalResults %v, %d resources, startIndex %v; want %d, %d, %d", r.total(), len(r["Resources"].([]any)), r.get("startIndex"), total, items, start)
		}
	}
}

var conformanceCases = []conformanceCase{
	// POST: 201, Location is meta.location, an ETag; names in any case
	// (RFC 7643 §2.1); id and meta sent are read-only and ignored;
	// application/json is JSON too; an unknown schema URN is ignored.
	{name: "POST: 201 with Location and ETag, attribute names in any case", method: "POST", path: "/scim/v2/Users",
		header: []string{"Content-Type", "application/json"},
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:params:scim:schemas:extension:other:2.0:User"],
			"id":"mine","meta":{"version":"W/\"9\""},"USERNAME":"pat@acme.example","Active":true,
			"Name":{"GivenName":"Pat","familyname":"Doe"},"` + ext + `":{"Licenses":["flow"]}}`,
		status: 201, check: func(t *testing.T, a answer, r resource) {
			if loc := a.header.Get("Location"); loc == "" || loc != r.str("meta.location") || r.str("id") == "mine" {
				t.Errorf("Location %q, meta.location %q, id %q", loc, r.str("meta.location"), r.str("id"))
			}
			if a.header.Get("ETag") != r.str("meta.version") || r.str("meta.version") != `W/"1"` {
				t.Errorf("ETag %q, meta.version %q", a.header.Get("ETag"), r.str("meta.version"))
			}
			if r.str("userName") != "pat@acme.example" || r.str("name.familyName") != "Doe" || r.ext("licenses")[0] != "flow" {
				t.Errorf("created %v", r)
			}
		}},
	{name: "POST: a body that is not JSON is invalidSyntax", method: "POST", path: "/scim/v2/Users", body: `userName=pat`, status: 400, scimType: "invalidSyntax"},
	{name: "POST: a body of another media type is invalidSyntax", method: "POST", path: "/scim/v2/Users", body: `{}`,
		header: []string{"Content-Type", "text/plain"}, status: 400, scimType: "invalidSyntax"},
	{name: "POST: no userName is invalidValue", method: "POST", path: "/scim/v2/Users", body: `{"name":{"givenName":"Al","familyName":"Ng"}}`, status: 400, scimType: "invalidValue"},

	// GET: ETag; If-None-Match of the same version is 304.
	{name: "GET: ETag", method: "GET", path: "/scim/v2/Users/{pat}", status: 200, check: func(t *testing.T, a answer, r resource) {
		if a.header.Get("ETag") != `W/"1"` {
			t.Errorf("ETag %q", a.header.Get("ETag"))
		}
	}},
	{name: "GET: If-None-Match of the version is 304", method: "GET", path: "/scim/v2/Users/{pat}", header: []string{"If-None-Match", `W/"1"`}, status: 304},
	{name: "GET: If-None-Match of another version is 200", method: "GET", path: "/scim/v2/Users/{pat}", header: []string{"If-None-Match", `W/"7"`}, status: 200},

	// attributes and excludedAttributes (RFC 7644 §3.4.2.5): id and schemas always.
	{name: "GET: attributes", method: "GET", path: "/scim/v2/Users/{pat}?attributes=USERNAME,name.givenName," + ext + ":licenses", status: 200,
		check: func(t *testing.T, a answer, r resource) {
			hasOnly("id", "schemas", "userName", "name", ext)(t, a, r)
			if len(r["name"].(map[string]any)) != 1 || r.ext("licenses")[0] != "flow" {
				t.Errorf("sub-attributes %v", r)
			}
		}},
	{name: "GET: attributes with the core schema's URN", method: "GET", path: "/scim/v2/Users/{pat}?attributes=urn:ietf:params:scim:schemas:core:2.0:User:emails.value", status: 200,
		check: func(t *testing.T, a answer, r resource) {
			hasOnly("id", "schemas", "emails")(t, a, r)
			if e := r["emails"].([]any)[0].(map[string]any); len(e) != 1 || e["value"] != "pat@acme.example" {
				t.Errorf("emails %v", r["emails"])
			}
		}},
	{name: "GET: excludedAttributes never takes id or schemas", method: "GET", path: "/scim/v2/Users/{pat}?excludedAttributes=id,schemas,meta,emails,name,displayName,active,userName," + ext, status: 200,
		check: hasOnly("id", "schemas")},
	{name: "list: attributes apply to each resource", method: "GET", path: "/scim/v2/Users?attributes=userName&filter=" + `userName%20eq%20%22pat@acme.example%22`, status: 200,
		check: firstResource(hasOnly("id", "schemas", "userName"))},
	{name: "PATCH: attributes apply to the answer, which has an ETag", method: "PATCH", path: "/scim/v2/Users/{pat}?attributes=active",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"ACTIVE","value":true}]}`, status: 200,
		check: func(t *testing.T, a answer, r resource) {
			hasOnly("id", "schemas", "active")(t, a, r)
			if a.header.Get("ETag") == "" {
				t.Error("no ETag")
			}
		}},

	// .search (RFC 7644 §3.4.3), at /Users and at the root.
	{name: "POST /Users/.search", method: "POST", path: "/scim/v2/Users/.search",
		body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["userName"],"filter":"userName sw \"PAT\"","startIndex":1,"count":10}`,
		status: 200, check: func(t *testing.T, a answer, r resource) {
			listOf(1, 1, 1)(t, a, r)
			firstResource(hasOnly("id", "schemas", "userName"))(t, a, r)
		}},
	{name: "POST /.search", method: "POST", path: "/scim/v2/.search", body: `{"filter":"userName pr","count":0}`, status: 200, check: listOf(2, 0, 1)},
	{name: ".search: sortBy is refused, sort being unsupported", method: "POST", path: "/scim/v2/Users/.search", body: `{"sortBy":"userName"}`, status: 400, scimType: "invalidValue"},
	{name: ".search: a body that is not JSON", method: "POST", path: "/scim/v2/Users/.search", body: `filter=userName`, status: 400, scimType: "invalidSyntax"},
	{name: "GET: sortBy is refused", method: "GET", path: "/scim/v2/Users?sortBy=userName", status: 400, scimType: "invalidValue"},

	// count and startIndex (RFC 7644 §3.4.2.4).
	{name: "paging: startIndex below 1 is 1", method: "GET", path: "/scim/v2/Users?startIndex=-5", status: 200, check: listOf(2, 2, 1)},
	{name: "paging: a negative count is 0", method: "GET", path: "/scim/v2/Users?count=-1", status: 200, check: listOf(2, 0, 1)},
	{name: "paging: a huge count is the most a page holds", method: "GET", path: "/scim/v2/Users?count=99999999999999999999", status: 200, check: listOf(2, 2, 1)},
	{name: "paging: a huge startIndex is past the end", method: "GET", path: "/scim/v2/Users?startIndex=99999999999999999999", status: 200, check: listOf(2, 0, 2147483647)},
	{name: "paging: a count that is no number", method: "GET", path: "/scim/v2/Users?count=ten", status: 400, scimType: "invalidValue"},

	// PUT and PATCH.
	{name: "PUT: no userName is invalidValue", method: "PUT", path: "/scim/v2/Users/{pat}", body: `{"name":{"givenName":"Pat","familyName":"Doe"},"active":true}`, status: 400, scimType: "invalidValue"},
	{name: "PUT: id and meta are read-only, ignored; ETag", method: "PUT", path: "/scim/v2/Users/{pat}",
		body:   `{"id":"other","meta":{"created":"2001-01-01T00:00:00Z"},"userName":"pat@acme.example","name":{"givenName":"Pat","familyName":"Roe"},"active":true}`,
		status: 200, check: func(t *testing.T, a answer, r resource) {
			if !strings.HasPrefix(r.str("id"), "usr") || r.str("id") == "other" || strings.HasPrefix(r.str("meta.created"), "2001") || r.str("displayName") != "Pat Roe" {
				t.Errorf("after PUT %v", r)
			}
			if a.header.Get("ETag") != r.str("meta.version") {
				t.Errorf("ETag %q", a.header.Get("ETag"))
			}
		}},
	{name: "PATCH: changing id is mutability", method: "PATCH", path: "/scim/v2/Users/{pat}",
		body: `{"Operations":[{"op":"replace","path":"id","value":"other"}]}`, status: 400, scimType: "mutability"},
	{name: "PATCH: remove licenses[value eq …] removes that one", method: "PATCH", path: "/scim/v2/Users/{pat}",
		body:   `{"Operations":[{"op":"add","path":"` + ext + `:licenses","value":["agent-dialer"]},{"op":"remove","path":"` + ext + `:licenses[value eq \"flow\"]"}]}`,
		status: 200, check: func(t *testing.T, _ answer, r resource) {
			if got := r.ext("licenses"); !slices.Equal(got, []string{"agent-dialer"}) {
				t.Errorf("licenses %v, want [agent-dialer]", got)
			}
		}},
	{name: "PATCH: a value filter other than value eq on licenses is invalidPath", method: "PATCH", path: "/scim/v2/Users/{pat}",
		body: `{"Operations":[{"op":"replace","path":"` + ext + `:licenses[value sw \"a\"]","value":"flow"}]}`, status: 400, scimType: "invalidPath"},
	{name: "PATCH: remove emails[type eq work] is mutability", method: "PATCH", path: "/scim/v2/Users/{pat}",
		body: `{"Operations":[{"op":"remove","path":"emails[type eq \"work\"]"}]}`, status: 400, scimType: "mutability"},

	// Unsupported: what RFC 7644 answers.
	{name: "Bulk is 501", method: "POST", path: "/scim/v2/Bulk", body: `{"Operations":[]}`, status: 501},
	{name: "/Me is 501", method: "GET", path: "/scim/v2/Me", status: 501},
	{name: "creating a group is 501", method: "POST", path: "/scim/v2/Groups", body: `{"displayName":"Sales"}`, status: 501},
	{name: "GET /Groups is an empty list", method: "GET", path: "/scim/v2/Groups", status: 200, check: listOf(0, 0, 1)},
	{name: "GET /Groups/{id} is 404", method: "GET", path: "/scim/v2/Groups/g1", status: 404},
	{name: "a filter on /Schemas is 403", method: "GET", path: "/scim/v2/Schemas?filter=id%20pr", status: 403},
	{name: "a filter on /ResourceTypes is 403", method: "GET", path: "/scim/v2/ResourceTypes?filter=id%20pr", status: 403},
}

func TestConformance_UserResource_RFC7644(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		o := e.newOrg("acme")
		var pat string
		for _, c := range conformanceCases {
			t.Run(c.name, func(t *testing.T) {
				path := strings.ReplaceAll(c.path, "{pat}", pat)
				var body any
				if c.body != "" {
					body = c.body
				}
				a := e.do(c.method, path, o.scim, body, c.header...)
				if c.status >= 400 {
					a.scimError(t, c.status, c.scimType)
					return
				}
				r := a.want(t, c.status)
				if pat == "" && c.status == 201 {
					pat = r.str("id")
				}
				if c.check != nil {
					c.check(t, a, r)
				}
			})
		}
	})
}

// TestDiscovery_Complete checks what a checker reads of the discovery
// endpoints (RFC 7643 §5-7): every field of ServiceProviderConfig, every
// characteristic of every attribute, each schema and resource type by id.
func TestDiscovery_Complete(t *testing.T) {
	onEachStore(t, func(t *testing.T, e *env) {
		spc := e.do("GET", "/scim/v2/ServiceProviderConfig", "", nil).want(t, http.StatusOK)
		for path, want := range map[string]any{
			"patch.supported": true, "bulk.supported": false, "bulk.maxOperations": 0.0, "bulk.maxPayloadSize": 0.0,
			"filter.supported": true, "filter.maxResults": 1000.0, "changePassword.supported": false,
			"sort.supported": false, "etag.supported": true,
		} {
			if got := spc.get(path); got != want {
				t.Errorf("ServiceProviderConfig %s = %v, want %v", path, got, want)
			}
		}
		if spc.str("documentationUri") == "" {
			t.Error("no documentationUri")
		}
		schemes := spc["authenticationSchemes"].([]any)
		for _, field := range []string{"type", "name", "description", "primary"} {
			if _, ok := schemes[0].(map[string]any)[field]; !ok || len(schemes) != 1 {
				t.Errorf("authenticationSchemes %v lacks %s", schemes, field)
			}
		}

		list := e.do("GET", "/scim/v2/Schemas", "", nil).want(t, http.StatusOK)
		for _, s := range list["Resources"].([]any) {
			id := resource(s.(map[string]any)).str("id")
			one := e.do("GET", "/scim/v2/Schemas/"+id, "", nil).want(t, http.StatusOK)
			checkAttributes(t, id, one["attributes"].([]any))
		}
		e.do("GET", "/scim/v2/Schemas/urn:example:nothing", "", nil).scimError(t, http.StatusNotFound, "")
		if rt := e.do("GET", "/scim/v2/ResourceTypes/User", "", nil).want(t, http.StatusOK); rt.str("endpoint") != "/Users" || rt.str("schema") != "urn:ietf:params:scim:schemas:core:2.0:User" {
			t.Errorf("ResourceTypes/User %v", rt)
		}
		e.do("GET", "/scim/v2/ResourceTypes/Group", "", nil).scimError(t, http.StatusNotFound, "")
	})
}

// checkAttributes fails for an attribute lacking one of its
// characteristics, or a complex one without sub-attributes.
func checkAttributes(t *testing.T, schema string, attrs []any) {
	t.Helper()
	for _, a := range attrs {
		attr := a.(map[string]any)
		for _, field := range []string{"name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness"} {
			if v, ok := attr[field]; !ok || v == "" {
				t.Errorf("%s: attribute %v lacks %s", schema, attr["name"], field)
			}
		}
		if attr["type"] == "complex" {
			subs, _ := attr["subAttributes"].([]any)
			if len(subs) == 0 {
				t.Errorf("%s: complex attribute %v has no subAttributes", schema, attr["name"])
			}
			checkAttributes(t, schema, subs)
		}
	}
}
