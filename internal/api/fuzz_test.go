package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/openapitest"
	"github.com/wsctl/wsctl/internal/api/schema"
)

// Fuzzing (issue 12, part 5) against the whole handler over a real SQLite
// store: whatever a client sends, the answer is never a 5xx, always a
// JSON problem when refused, and always one docs/openapi.yaml describes
// (the validator of every answer). `make fuzz` runs each for a while;
// `go test` runs the seeds.

// fuzzRoutes are the routes that take a JSON body, by index.
var fuzzRoutes = []struct{ method, path string }{
	{http.MethodPost, "/api/v1/invites"},
	{http.MethodPost, "/api/v1/invites/batch"},
	{http.MethodPost, "/api/v1/users/batch"},
	{http.MethodPost, "/api/v1/users/sync"},
	{http.MethodPatch, "/api/v1/users/bob@acme.example"},
	{http.MethodPost, "/api/v1/users/bob@acme.example/activate"},
	{http.MethodPost, "/api/v1/tokens"},
	{http.MethodPut, "/api/v1/settings/signup-mode"},
	{http.MethodPost, "/api/v1/invites/accept"},
}

func FuzzAPIRequestBodies(f *testing.F) {
	seeds := []string{
		`{"name":"Ann Lee","email":"ann@acme.example","roles":["user"],"licenses":["flow"]}`,
		`{"invites":[{"name":"A","email":"a@acme.example","roles":["user"],"licenses":["flow"],"idempotency_key":"k"}],"dry_run":true}`,
		`{"action":"edit","users":[{"user":"bob@acme.example","edit":{"name":"Bob B"}}]}`,
		`{"rows":[{"name":"Bob","email":"bob@acme.example","roles":["admin"],"licenses":[]}],"deactivate_missing":true}`,
		`{"name":"Bob","add_roles":["manager"],"call_recording":true}`,
		`{"licenses":["flow","flow"]}`,
		`{"name":"ci","scopes":["licenses:read"],"expires_in":-1}`,
		`{"auto_signup":"yes"}`,
		`{"token":"wsi_x","name":"Eve","password":"a long enough password"}`,
		`[`, `null`, `{"name":1e999}`, `{"invites":null}`, "\x00\xff",
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	e := newEnv(f)
	o := e.inviting("acme")
	e.addUser(o, "Bob Jones", "bob@acme.example", []string{"user"}, []string{"flow"})
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		e.useT(t)
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		header := map[string]string{"If-Match": `"1"`, "Idempotency-Key": "fuzz"}
		a := e.send(call{method: r.method, path: r.path, token: o.admin, body: string(body), header: header, bad: true})
		checkFuzzAnswer(t, r.method+" "+r.path, a)
	})
}

// FuzzListQuery sends any query string to the lists.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{
		"status=all&role=admin&license=flow&search=ann&limit=2",
		"cursor=dXNlcnM6eA&limit=1000",
		"limit=0", "limit=99999999999999999999", "cursor=%ff", "search=%00", "status=&role=",
		"since=2026-01-01T00:00:00Z&actor=ada@acme.example&action=user.edited",
		"since=yesterday", "search=" + strings.Repeat("a%25_", 100),
	} {
		for path := range 3 {
			f.Add(uint8(path), q)
		}
	}
	e := newEnv(f)
	o := e.inviting("acme")
	paths := []string{"/api/v1/users", "/api/v1/invites", "/api/v1/audit"}
	f.Fuzz(func(t *testing.T, path uint8, query string) {
		e.useT(t)
		p := paths[int(path)%len(paths)]
		if _, err := url.Parse(p + "?" + query); err != nil || strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return // no client can send it: a request line with it is refused before any handler
		}
		a := e.send(call{method: http.MethodGet, path: p + "?" + query, token: o.admin, bad: true})
		checkFuzzAnswer(t, "GET "+p+"?"+query, a)
	})
}

// useT makes e report to one fuzz input's t: the env is made once for a
// fuzz target, its inputs each have their own t.
func (e *env) useT(t *testing.T) {
	e.t = t
	e.loose = &http.Client{Transport: openapitest.New(t).ResponsesOnly(http.DefaultTransport)}
}

func checkFuzzAnswer(t *testing.T, what string, a answer) {
	t.Helper()
	if a.status >= 500 {
		t.Fatalf("%s: %d %s", what, a.status, a.body)
	}
	if a.status >= 400 {
		var p schema.Problem
		if err := json.Unmarshal(a.body, &p); err != nil || p.Code == "" || p.Detail == "" {
			t.Fatalf("%s: %d without a problem document: %s", what, a.status, a.body)
		}
	}
}
