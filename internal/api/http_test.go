package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/docs"
	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/api/schema"
)

func TestAuth_MissingUnknownOrRevokedTokenIs401_R9(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")

	tests := []struct {
		name, header, challenge string
	}{
		{"no header", "", `Bearer realm="workspaced"`},
		{"another scheme", "Basic YWRhOnB3", `Bearer realm="workspaced"`},
		{"empty bearer", "Bearer ", `Bearer realm="workspaced"`},
		{"unknown token", "Bearer wsp_not-a-real-token", `Bearer realm="workspaced", error="invalid_token"`},
		{"not our token format", "Bearer eyJhbGciOi", `Bearer realm="workspaced", error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := call{method: http.MethodGet, path: "/api/v1/me"}
			if tt.header != "" {
				c.header = map[string]string{"Authorization": tt.header}
			}
			a := e.send(c)
			a.problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
			if got := a.header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
		})
	}

	// A revoked token is refused on its very next request.
	created := decode[schema.TokenCreated](t, e.post("/api/v1/tokens", o.admin, schema.TokenRequest{Name: "ci audit", Scopes: []string{"licenses:read"}}).want(t, http.StatusCreated))
	if !strings.HasPrefix(created.Secret, "wsp_") || created.ID == "" {
		t.Fatalf("created token %+v", created.Token)
	}
	e.get("/api/v1/licenses", created.Secret).want(t, http.StatusOK)
	e.send(call{method: http.MethodDelete, path: "/api/v1/tokens/" + created.ID, token: o.admin}).want(t, http.StatusNoContent)
	e.get("/api/v1/licenses", created.Secret).problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
	// Revoking twice changes nothing; an unknown id is 404.
	e.send(call{method: http.MethodDelete, path: "/api/v1/tokens/" + created.ID, token: o.admin}).want(t, http.StatusNoContent)
	e.send(call{method: http.MethodDelete, path: "/api/v1/tokens/tok_nothing", token: o.admin}).problem(t, http.StatusNotFound, schema.CodeNotFound)

	toks := decode[schema.Page[schema.Token]](t, e.get("/api/v1/tokens", o.admin).want(t, http.StatusOK))
	var found bool
	for _, tok := range toks.Items {
		if tok.ID == created.ID {
			found = tok.RevokedAt != nil
		}
	}
	if !found || bytes.Contains(e.get("/api/v1/tokens", o.admin).body, []byte(created.Secret)) {
		t.Errorf("token list: revoked token not marked, or a secret shows: %+v", toks.Items)
	}
}

func TestTokens_IdempotencyKeyCreatesOnce(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	key := map[string]string{schema.HeaderIdempotencyKey: "ci-setup-1"}
	req := schema.TokenRequest{Name: "ci audit", Scopes: []string{"licenses:read"}}
	first := decode[schema.TokenCreated](t, e.send(call{method: http.MethodPost, path: "/api/v1/tokens", token: o.admin, body: req, header: key}).want(t, http.StatusCreated))

	// The replay cannot show the secret again: only its hash is kept.
	r := e.send(call{method: http.MethodPost, path: "/api/v1/tokens", token: o.admin, body: req, header: key}).want(t, http.StatusOK)
	if r.header.Get(schema.HeaderIdempotentReplay) != "true" {
		t.Errorf("replay without %s: true", schema.HeaderIdempotentReplay)
	}
	if replay := decode[schema.TokenCreated](t, r); replay.ID != first.ID || replay.Secret != "" {
		t.Errorf("replay %+v, first id %s", replay, first.ID)
	}
	wider := req
	wider.Scopes = []string{"licenses:read", "users:read"}
	e.send(call{method: http.MethodPost, path: "/api/v1/tokens", token: o.admin, body: wider, header: key}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeIdempotencyReused)
	if n := len(decode[schema.Page[schema.Token]](t, e.get("/api/v1/tokens", o.admin)).Items); n != 2 {
		t.Errorf("%d tokens, want 2 (the first admin's and one new)", n)
	}
	other := req
	other.Name = "something else"
	e.send(call{method: http.MethodPost, path: "/api/v1/tokens", token: o.admin, body: other, header: key}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeIdempotencyReused)

	if p := e.post("/api/v1/tokens", o.admin, schema.TokenRequest{Name: " ", Scopes: []string{"licenses:read"}}).
		problem(t, http.StatusUnprocessableEntity, schema.CodeInvalidField); p.Field != "name" {
		t.Errorf("field %q", p.Field)
	}
}

func TestRateLimit_429WithRetryAfter(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.RateLimit, o.RateBurst = 0.5, 2 })
	o := e.newOrg("acme")
	other := e.token(o, o.adminEmail, "licenses:read")

	e.get("/api/v1/me", o.admin).want(t, http.StatusOK)
	e.get("/api/v1/me", o.admin).want(t, http.StatusOK)
	a := e.get("/api/v1/me", o.admin)
	a.problem(t, http.StatusTooManyRequests, schema.CodeRateLimited)
	if secs, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 seconds at 0.5 requests per second", a.header.Get("Retry-After"))
	}

	// Each token has its own bucket; probes are never limited.
	e.get("/api/v1/licenses", other).want(t, http.StatusOK)
	for range 5 {
		e.get("/healthz", "").want(t, http.StatusOK)
	}

	// Requests without a token are limited by address.
	accept := call{method: http.MethodPost, path: "/api/v1/invites/accept", body: schema.AcceptInviteRequest{Token: "wsi_x", Name: "Grace Hopper", Email: "grace@navy.example"}}
	e.send(accept).want(t, http.StatusGone)
	e.send(accept).want(t, http.StatusGone)
	e.send(accept).problem(t, http.StatusTooManyRequests, schema.CodeRateLimited)
}

func TestRateLimit_ZeroDisables(t *testing.T) {
	e := newEnv(t) // Options.RateLimit 0
	o := e.newOrg("acme")
	for range 300 {
		e.get("/api/v1/me", o.admin).want(t, http.StatusOK)
	}
}

func TestRequestID_HonouredOrGenerated(t *testing.T) {
	e := newEnv(t)
	e.newOrg("acme")
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"a uuid", "3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b", true},
		{"a trace id", "trace:abc.123_x", true},
		{"with spaces", "hello world", false},
		{"too long", strings.Repeat("a", 200), false},
		{"a log injection", "x\u2028level=ERROR", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.send(call{method: http.MethodGet, path: "/api/v1/me", header: map[string]string{schema.HeaderRequestID: tt.sent}})
			p := a.problem(t, http.StatusUnauthorized, schema.CodeUnauthenticated)
			got := a.header.Get(schema.HeaderRequestID)
			if (got == tt.sent) != tt.kept {
				t.Errorf("sent %q, got %q; kept=%v", tt.sent, got, tt.kept)
			}
			if p.RequestID != got {
				t.Errorf("problem request_id %q, header %q", p.RequestID, got)
			}
			if seen[got] {
				t.Errorf("request id %q given twice", got)
			}
			seen[got] = true
		})
	}
}

func TestJSON_StrictDecoding(t *testing.T) {
	e := newEnv(t, func(o *api.Options) { o.MaxBodyBytes = 512 })
	o := e.inviting("acme")
	tests := []struct {
		name, body, contentType, detail string
	}{
		{"malformed", `{"name": "Grace"`, "", "malformed JSON"},
		{"not JSON", `name=Grace`, "", "malformed JSON"},
		{"unknown field", `{"name":"Grace Hopper","email":"g@navy.example","roles":["user"],"licenses":["flow"],"team":"x"}`, "", `unknown field "team"`},
		{"two objects", `{"name":"Grace Hopper"} {"name":"Ada"}`, "", "nothing after it"},
		{"an array", `[1,2]`, "", "must be a JSON object"},
		{"empty", ``, "", "JSON body is required"},
		{"too large", `{"name":"` + strings.Repeat("a", 600) + `"}`, "", "larger than 512 bytes"},
		{"form content type", `{}`, "application/x-www-form-urlencoded", "must be JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := call{method: http.MethodPost, path: "/api/v1/invites", token: o.admin, body: tt.body, bad: true}
			if tt.contentType != "" {
				c.header = map[string]string{"Content-Type": tt.contentType}
			}
			p := e.send(c).problem(t, http.StatusBadRequest, schema.CodeInvalidRequest)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", p.Detail, tt.detail)
			}
		})
	}
}

func TestProbes_HealthReadyMetricsOpenAPI(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")

	if h := decode[map[string]string](t, e.get("/healthz", "").want(t, http.StatusOK)); h["status"] != "ok" {
		t.Errorf("healthz %v", h)
	}
	if r := decode[map[string]string](t, e.get("/readyz", "").want(t, http.StatusOK)); r["status"] != "ready" {
		t.Errorf("readyz %v", r)
	}
	spec := e.get("/openapi.yaml", "").want(t, http.StatusOK)
	if !bytes.Equal(spec.body, docs.OpenAPI) || !strings.HasPrefix(spec.header.Get("Content-Type"), "application/yaml") {
		t.Errorf("openapi.yaml: %d bytes, Content-Type %q", len(spec.body), spec.header.Get("Content-Type"))
	}

	e.get("/api/v1/me", o.admin).want(t, http.StatusOK)
	e.get("/api/v1/users/nobody@acme.example", o.admin).want(t, http.StatusNotFound)
	metrics := string(e.get("/metrics", "").want(t, http.StatusOK).body)
	for _, want := range []string{
		`workspaced_http_requests_total{route="GET /api/v1/me",status="200"} 1`,
		`workspaced_http_requests_total{route="GET /api/v1/users/{user}",status="404"} 1`,
		`workspaced_http_request_duration_seconds_bucket{route="GET /readyz",le=`,
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, "nobody@acme.example") {
		t.Error("/metrics labels hold a raw path")
	}
}

func TestProbes_ReadyzFailsWithoutDatabase(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("acme")
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.get("/readyz", "").problem(t, http.StatusServiceUnavailable, schema.CodeUnavailable)
	e.get("/healthz", "").want(t, http.StatusOK)

	// Any other failure is a generic 500; the cause is only in the log.
	a := e.get("/api/v1/me", o.admin)
	p := a.problem(t, http.StatusInternalServerError, schema.CodeInternal)
	if strings.Contains(p.Detail, "closed") || strings.Contains(p.Detail, "sql") {
		t.Errorf("a 500 leaks its cause: %q", p.Detail)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"request_id":"`+p.RequestID+`"`) || !strings.Contains(logs, "database is closed") {
		t.Errorf("the log lacks the cause under request id %s:\n%s", p.RequestID, logs)
	}
}

func TestLogs_OneLinePerRequestAndNoSecrets(t *testing.T) {
	e := newEnv(t)
	o := e.inviting("acme")
	e.invite(o.admin, grace())
	link := e.signupToken(o, grace().Email)
	e.post("/api/v1/invites/accept", "", schema.AcceptInviteRequest{Token: link, Name: "Grace Hopper", Email: grace().Email}).want(t, http.StatusCreated)
	e.send(call{method: http.MethodGet, path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer wsp_guessed-secret"}})
	created := decode[schema.TokenCreated](t, e.post("/api/v1/tokens", o.admin, schema.TokenRequest{Name: "x", Scopes: []string{"licenses:read"}}))
	e.get("/api/v1/me", created.Secret).want(t, http.StatusOK)
	e.get("/healthz", "").want(t, http.StatusOK) // its log line is written after the last answer above

	logs := e.logs.String()
	for _, secret := range []string{o.admin, link, "wsp_guessed-secret", created.Secret} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret is in the log: %s", secret)
		}
	}
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) < 5 {
		t.Fatalf("%d access log lines", len(lines))
	}
	first := lines[0]
	for _, k := range []string{"method", "route", "status", "duration", "request_id"} {
		if _, ok := first[k]; !ok {
			t.Errorf("access log line lacks %s: %v", k, first)
		}
	}
	if first["route"] != "POST /api/v1/invites" || first["status"] != float64(201) {
		t.Errorf("first access log line %v", first)
	}
}

func TestRoutes_UnknownPathAndMethodAreProblems(t *testing.T) {
	e := newEnv(t)
	// Not through the validator: these routes are not in docs/openapi.yaml by definition.
	do := func(method, path string) (*http.Response, schema.Problem) {
		req, _ := http.NewRequest(method, e.srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p schema.Problem
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp, p
	}
	resp, p := do(http.MethodGet, "/api/v1/nothing")
	if resp.StatusCode != http.StatusNotFound || p.Code != schema.CodeNotFound || p.RequestID == "" {
		t.Errorf("unknown path: %d %+v", resp.StatusCode, p)
	}
	resp, p = do(http.MethodDelete, "/api/v1/users")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" || p.RequestID == "" {
		t.Errorf("wrong method: %d Allow %q %+v", resp.StatusCode, resp.Header.Get("Allow"), p)
	}
	resp, _ = do(http.MethodGet, "/api/v1/users/x/deactivate")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET on a POST route: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
