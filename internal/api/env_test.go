package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/api/openapitest"
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// env is the real thing over loopback: a SQLite store in a temporary
// directory, the domain service, and the API handler behind httptest.
// Every request and answer goes through the openapitest validator.
type env struct {
	t      testing.TB
	ctx    context.Context
	store  workspace.Store
	svc    *workspace.Service
	srv    *httptest.Server
	strict *http.Client // checks requests and answers against docs/openapi.yaml
	loose  *http.Client // checks answers only, for requests that are bad on purpose
	logs   *lockedBuffer
}

func newEnv(t testing.TB, opts ...func(*api.Options)) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "workspace.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc := workspace.NewService(store)
	logs := &lockedBuffer{}
	o := api.Options{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, f := range opts {
		f(&o)
	}
	srv := httptest.NewServer(api.New(svc, o))
	t.Cleanup(srv.Close)
	v := openapitest.New(t)
	return &env{
		t: t, ctx: ctx, store: store, svc: svc, srv: srv, logs: logs,
		strict: &http.Client{Transport: v.Transport(http.DefaultTransport)},
		loose:  &http.Client{Transport: v.ResponsesOnly(http.DefaultTransport)},
	}
}

// org is an organization made by the operator, with its first admin.
type org struct {
	id, slug   string
	adminID    string
	adminEmail string
	admin      string // the first admin's API token (every scope)
}

// newOrg creates an org; signup mode is on, as for any new org.
func (e *env) newOrg(slug string) org {
	e.t.Helper()
	n, err := e.svc.CreateOrg(e.ctx, workspace.OrgInput{Slug: slug, Name: "Org " + slug,
		AdminName: "Ada Admin", AdminEmail: "ada@" + slug + ".example"})
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	return org{id: n.Org.ID, slug: slug, adminID: n.Admin.ID, adminEmail: n.Admin.Email, admin: n.Secret}
}

// inviting creates an org with signup mode off, so that invites are allowed (R2).
func (e *env) inviting(slug string) org {
	e.t.Helper()
	o := e.newOrg(slug)
	if err := e.svc.SetSignupMode(e.ctx, workspace.Operator(o.id), false); err != nil {
		e.t.Fatalf("signup mode off: %v", err)
	}
	return o
}

// addUser imports an active user as the operator does (workspaced user add).
func (e *env) addUser(o org, name, email string, roles, licenses []string) workspace.User {
	e.t.Helper()
	out, err := e.svc.AddUser(e.ctx, workspace.Operator(o.id), workspace.InviteInput{Name: name, Email: email, Roles: roles, Licenses: licenses})
	if err != nil {
		e.t.Fatalf("add user %s: %v", email, err)
	}
	return out.Value
}

// token issues an API token for a user of o with the given scopes.
func (e *env) token(o org, email string, scopes ...string) string {
	e.t.Helper()
	_, secret, err := e.svc.IssueToken(e.ctx, workspace.Operator(o.id), email, "test token", scopes)
	if err != nil {
		e.t.Fatalf("issue token for %s: %v", email, err)
	}
	return secret
}

// signupToken is the token of the newest signup link emailed to email (R6).
func (e *env) signupToken(o org, email string) string {
	e.t.Helper()
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.id))
	if err != nil {
		e.t.Fatalf("outbox: %v", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To != email {
			continue
		}
		_, rest, ok := strings.Cut(msgs[i].Text, "/signup?token=")
		if !ok {
			e.t.Fatalf("no signup link in the email to %s:\n%s", email, msgs[i].Text)
		}
		tok, err := url.QueryUnescape(strings.Fields(rest)[0])
		if err != nil {
			e.t.Fatalf("signup link: %v", err)
		}
		return tok
	}
	e.t.Fatalf("no email to %s in the outbox", email)
	return ""
}

// outboxTo counts the emails queued for email.
func (e *env) outboxTo(o org, email string) int {
	e.t.Helper()
	msgs, err := e.svc.Outbox(e.ctx, workspace.Operator(o.id))
	if err != nil {
		e.t.Fatalf("outbox: %v", err)
	}
	n := 0
	for _, m := range msgs {
		if m.To == email {
			n++
		}
	}
	return n
}

// call is one HTTP request to the server under test.
type call struct {
	method, path string
	token        string
	body         any // JSON-encoded; a string is sent as is
	header       map[string]string
	// bad marks a request that breaks docs/openapi.yaml on purpose (a
	// missing field, a missing If-Match): only the answer is validated.
	bad bool
}

// answer is what came back.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) send(c call) answer {
	e.t.Helper()
	var body io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(e.ctx, c.method, e.srv.URL+c.path, body)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	client := e.strict
	if c.bad {
		client = e.loose
	}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", c.method, c.path, err)
	}
	if resp.Header.Get(schema.HeaderRequestID) == "" {
		e.t.Errorf("%s %s: no %s header", c.method, c.path, schema.HeaderRequestID)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

func (e *env) get(path, token string) answer {
	e.t.Helper()
	return e.send(call{method: http.MethodGet, path: path, token: token})
}

func (e *env) post(path, token string, body any) answer {
	e.t.Helper()
	return e.send(call{method: http.MethodPost, path: path, token: token, body: body})
}

// want fails the test unless the answer has the status.
func (a answer) want(t testing.TB, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body: %s", a.status, status, a.body)
	}
	return a
}

// problem checks that the answer is a problem document with status and code.
func (a answer) problem(t testing.TB, status int, code string) schema.Problem {
	t.Helper()
	a.want(t, status)
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := decode[schema.Problem](t, a)
	if p.Code != code || p.Status != status {
		t.Fatalf("problem %s/%d, want %s/%d: %s", p.Code, p.Status, code, status, p.Detail)
	}
	if p.RequestID == "" || p.RequestID != a.header.Get(schema.HeaderRequestID) {
		t.Errorf("problem request_id %q, header %q", p.RequestID, a.header.Get(schema.HeaderRequestID))
	}
	if p.Detail == "" {
		t.Errorf("problem %s has no detail", code)
	}
	return p
}

func decode[T any](t testing.TB, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %T: %v; body: %s", v, err, a.body)
	}
	return v
}

// Shorthands for the API's resources.

func (e *env) user(token, ref string) (schema.User, string) {
	e.t.Helper()
	a := e.get("/api/v1/users/"+url.PathEscape(ref), token).want(e.t, http.StatusOK)
	return decode[schema.User](e.t, a), a.header.Get("ETag")
}

func (e *env) pools(token string) map[string]schema.LicensePool {
	e.t.Helper()
	page := decode[schema.Page[schema.LicensePool]](e.t, e.get("/api/v1/licenses", token).want(e.t, http.StatusOK))
	out := map[string]schema.LicensePool{}
	for _, p := range page.Items {
		out[p.Product] = p
	}
	return out
}

func (e *env) invite(token string, in schema.InviteRequest) schema.Invite {
	e.t.Helper()
	return decode[schema.Invite](e.t, e.post("/api/v1/invites", token, in).want(e.t, http.StatusCreated))
}

func (e *env) audit(token, query string) []schema.AuditEvent {
	e.t.Helper()
	return decode[schema.Page[schema.AuditEvent]](e.t, e.get("/api/v1/audit"+query, token).want(e.t, http.StatusOK)).Items
}

// lockedBuffer collects log output written from server goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
