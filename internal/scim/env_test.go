package scim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/workspace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// onEachStore runs test once per store, a SQLite file and a real
// PostgreSQL (skipped outside CI when there is none, failed under
// CI=true), as a subtest named after it.
func onEachStore(t *testing.T, test func(t *testing.T, e *env)) {
	for _, d := range pgtest.Databases {
		t.Run(d.Name, func(t *testing.T) { test(t, newEnv(t, d.URL(t))) })
	}
}

// env is the real server over loopback: the domain over a store, the
// whole API handler (so /scim/v2 is mounted as workspaced serves it).
type env struct {
	t   *testing.T
	ctx context.Context
	svc *workspace.Service
	srv *httptest.Server
}

func newEnv(t *testing.T, url string) *env {
	t.Helper()
	ctx := context.Background()
	// Keys of the test's own: the default key file of a PostgreSQL
	// database would be in the data directory of whoever runs the tests.
	st, err := store.OpenWithKeys(ctx, url, secrets.Ephemeral())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	svc := workspace.NewService(st, workspace.WithBaseURL("https://ws.example.test"))
	srv := httptest.NewServer(api.New(svc, api.Options{}))
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, svc: svc, srv: srv}
}

// org is an org with its first admin (an /api/v1 token of every API
// scope) and a SCIM token that admin made, as docs/scim.md says.
type org struct {
	id         string
	adminEmail string
	admin      workspace.Principal
	adminToken string
	scim       string
}

func (e *env) newOrg(slug string) org {
	e.t.Helper()
	n, err := e.svc.CreateOrg(e.ctx, workspace.OrgInput{Slug: slug, Name: "Org " + slug, AdminName: "Ada Admin", AdminEmail: "ada@" + slug + ".example"})
	if err != nil {
		e.t.Fatalf("create org: %v", err)
	}
	admin, err := e.svc.Authenticate(e.ctx, n.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.svc.CreateToken(e.ctx, admin, workspace.TokenInput{Name: "okta", Scopes: []string{"scim"}}, "")
	if err != nil {
		e.t.Fatalf("an admin creates a scim token: %v", err)
	}
	return org{id: n.Org.ID, adminEmail: n.Admin.Email, admin: admin, adminToken: n.Secret, scim: tok.Secret}
}

// answer is what the server said.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; body is sent as is when a string, else as JSON.
func (e *env) do(method, path, token string, body any, header ...string) answer {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = strings.NewReader(string(data))
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// want fails unless the answer has status; it returns the body decoded.
func (a answer) want(t *testing.T, status int) resource {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if len(a.body) == 0 {
		return nil
	}
	if ct := a.header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type %q, want application/scim+json", ct)
	}
	var v resource
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode: %v: %s", err, a.body)
	}
	return v
}

// scimError checks that the answer is a SCIM error with status and scimType.
func (a answer) scimError(t *testing.T, status int, scimType string) string {
	t.Helper()
	v := a.want(t, status)
	if v.str("status") != itoa(status) || v.str("scimType") != scimType || v.str("detail") == "" {
		t.Fatalf("error body %s, want status %q scimType %q and a detail", a.body, itoa(status), scimType)
	}
	if s := v["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("error schemas %v", s)
	}
	return v.str("detail")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// resource is a decoded JSON object, read by dotted paths.
type resource map[string]any

func (r resource) get(path string) any {
	var v any = map[string]any(r)
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

func (r resource) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

// ext is our extension's attribute of a user resource.
func (r resource) ext(attr string) []string {
	m, _ := r["urn:wsctl:params:scim:schemas:extension:workspace:2.0:User"].(map[string]any)
	var out []string
	for _, v := range m[attr].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func (r resource) total() int { return int(r.get("totalResults").(float64)) }

// pool is the org's pool of product as the domain counts it.
func (e *env) pool(o org, product string) workspace.LicensePool {
	e.t.Helper()
	pools, err := e.svc.Pools(e.ctx, o.admin)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range pools {
		if p.Product == product {
			return p
		}
	}
	e.t.Fatalf("no pool %s", product)
	return workspace.LicensePool{}
}

func workspaceInactive() workspace.UserFilter {
	return workspace.UserFilter{Status: workspace.UsersInactive}
}
