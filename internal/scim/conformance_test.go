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
		{"userName": "ann.lee@acme.example", "externalId": "Ext-1", "name": map[string]string{"givenName": "Ann", "familyName": "Lee"}},
		{"userName": "bo_berg@acme.example", "externalId": "ext-2", "active": false, "name": map[string]string{"givenName": "Bo", "familyName": "Berg"}},
		{"userName": "boxberg@acme.example", "name": map[string]string{"givenName": "Box", "familyName": "Berg"}},
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
