package openapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wsctl/wsctl/docs"
	"github.com/wsctl/wsctl/internal/api/schema"
)

// recordingTB is a testing.TB whose Errorf is captured instead of failing the
// test, so the validator's own failures can be asserted.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errors)
}

// fakeServer answers a few routes, some right and some wrong, over real loopback HTTP.
func fakeServer(t *testing.T) *httptest.Server {
	t.Helper()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	user := schema.User{
		ID: "u1", Name: "Ada Lovelace", Email: "ada@example.com",
		Roles: []string{"admin"}, Licenses: []string{"parallel-dialer"},
		Active: true, CreatedAt: now, UpdatedAt: now,
	}
	writeJSON := func(w http.ResponseWriter, contentType string, status int, v any) {
		w.Header().Set("X-Request-Id", "req-1")
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/json", http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1")
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = io.WriteString(w, "# TYPE up gauge\nup 1\n")
	})
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1")
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(docs.OpenAPI)
	})
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, "application/problem+json", http.StatusUnauthorized, schema.Problem{
				Type: "about:blank", Title: "Unauthorized", Status: 401,
				Detail: "sign in with 'wsctl auth login'", Code: schema.CodeUnauthenticated,
			})
			return
		}
		// token_id is required but missing.
		writeJSON(w, "application/json", http.StatusOK, map[string]any{
			"user": user, "org": "acme", "org_name": "Acme", "scopes": []string{"users:read"},
		})
	})
	mux.HandleFunc("GET /api/v1/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		// 409 with a 404 code: the code does not belong to the status.
		writeJSON(w, "application/problem+json", http.StatusConflict, schema.Problem{
			Type: "about:blank", Title: "Conflict", Status: 409, Detail: "x", Code: schema.CodeNotFound,
		})
	})
	mux.HandleFunc("POST /api/v1/invites", func(w http.ResponseWriter, r *http.Request) {
		var req schema.InviteRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Email == "" {
			// Proves the body reached the server despite being read for validation.
			http.Error(w, "body lost", http.StatusTeapot)
			return
		}
		if len(req.Licenses) == 0 {
			writeJSON(w, "application/problem+json", http.StatusUnprocessableEntity, schema.Problem{
				Type: "about:blank", Title: "Invalid field", Status: 422,
				Detail: "an invite needs at least one license (R1)", Code: schema.CodeInvalidField, Field: "licenses",
			})
			return
		}
		writeJSON(w, "application/json", http.StatusCreated, schema.Invite{
			ID: "i1", Name: req.Name, Email: req.Email, Roles: req.Roles, Licenses: req.Licenses,
			Status: "pending", ExpiresAt: now.Add(7 * 24 * time.Hour), CreatedAt: now,
		})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/json", http.StatusTeapot, map[string]string{"status": "ready"})
	})
	mux.HandleFunc("GET /api/v1/licenses", func(w http.ResponseWriter, r *http.Request) {
		// No X-Request-Id.
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"items":[],"next_cursor":""}`)
	})
	mux.HandleFunc("GET /api/v1/audit", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/json", http.StatusOK, schema.Page[schema.AuditEvent]{Items: []schema.AuditEvent{
			{
				ID: "a1", At: now, Actor: "ada@example.com", Action: "invite.create", Target: "grace@example.com",
				Before: json.RawMessage("null"), After: json.RawMessage(`{"status":"pending"}`), RequestID: "req-0",
			},
			{
				ID: "a2", At: now, Actor: "ada@example.com", Action: "user.deactivated", Target: "grace@example.com",
				Before: json.RawMessage(`{"active":true}`), RequestID: "req-0", // After nil: marshals as null
			},
		}})
	})
	mux.HandleFunc("GET /nowhere", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/json", http.StatusOK, map[string]string{})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server listens on %s, want 127.0.0.1", srv.URL)
	}
	return srv
}

func TestTransport_ReportsEveryMismatch(t *testing.T) {
	srv := fakeServer(t)
	const inviteBody = `{"name":"Grace Hopper","email":"grace@example.com","roles":["user"],"licenses":["flow"]}`
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		token    bool
		wantBody string   // a substring the caller must still read
		want     []string // substrings of the reported errors; none when empty
	}{
		{name: "valid health", method: "GET", path: "/healthz", wantBody: `"ok"`},
		{name: "metrics body not validated", method: "GET", path: "/metrics", wantBody: "up 1"},
		{name: "yaml body not validated", method: "GET", path: "/openapi.yaml", wantBody: "openapi: 3.0.3"},
		{name: "valid problem", method: "GET", path: "/api/v1/me", wantBody: "unauthenticated"},
		{name: "valid write", method: "POST", path: "/api/v1/invites", body: inviteBody, token: true, wantBody: "grace@example.com"},
		{name: "any JSON before and after", method: "GET", path: "/api/v1/audit?since=2025-01-01T00:00:00Z&limit=10", token: true, wantBody: "a2"},
		{
			name: "undocumented status", method: "GET", path: "/readyz",
			want: []string{"GET /readyz -> 418", "status is not supported"},
		},
		{
			name: "missing response header", method: "GET", path: "/api/v1/licenses", token: true,
			want: []string{"GET /api/v1/licenses -> 200", `"X-Request-Id" missing`},
		},
		{
			name: "bad query parameter", method: "GET", path: "/api/v1/audit?limit=5000", token: true,
			want: []string{"GET /api/v1/audit?limit=5000 -> 200", "request does not match", "limit"},
		},
		{
			name: "missing required field", method: "GET", path: "/api/v1/me", token: true,
			wantBody: `"org":"acme"`,
			want:     []string{"GET /api/v1/me -> 200", "response does not match", "token_id"},
		},
		{
			name: "unknown path", method: "GET", path: "/nowhere",
			want: []string{"GET /nowhere -> 200", "route not in docs/openapi.yaml"},
		},
		{
			name: "code of another status", method: "GET", path: "/api/v1/users/ada@example.com", token: true,
			want: []string{"GET /api/v1/users/ada@example.com -> 409", "response does not match"},
		},
		{
			name: "bad request", method: "POST", path: "/api/v1/invites", token: true,
			body:     `{"name":"Grace Hopper","email":"grace@example.com","roles":["user"],"licenses":[]}`,
			wantBody: "invalid_field",
			want:     []string{"POST /api/v1/invites -> 422", "request does not match", "licenses"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			client := &http.Client{Transport: New(rec).Transport(nil)}

			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.token {
				req.Header.Set("Authorization", "Bearer test")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), tt.wantBody) {
				t.Errorf("caller read %q, want it to contain %q", got, tt.wantBody)
			}

			reported := rec.reported()
			if len(tt.want) == 0 {
				if len(reported) > 0 {
					t.Errorf("valid exchange reported:\n%s", strings.Join(reported, "\n"))
				}
				return
			}
			all := strings.Join(reported, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("reported %q, want it to contain %q", all, w)
				}
			}
		})
	}
}

func TestResponsesOnly_AcceptsBadRequestsButNotBadAnswers(t *testing.T) {
	srv := fakeServer(t)
	rec := &recordingTB{TB: t}
	client := &http.Client{Transport: New(rec).ResponsesOnly(nil)}

	// licenses is empty: a bad request, sent on purpose.
	bad := `{"name":"Grace Hopper","email":"grace@example.com","roles":["user"],"licenses":[]}`
	req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/api/v1/invites", strings.NewReader(bad))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.reported(); len(got) > 0 {
		t.Errorf("ResponsesOnly reported a request:\n%s", strings.Join(got, "\n"))
	}

	req, _ = http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer test")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.reported(); len(got) != 1 || !strings.Contains(got[0], "token_id") {
		t.Errorf("ResponsesOnly reported %q, want one error about token_id", got)
	}
}

func TestTransport_ConcurrentUse(t *testing.T) {
	srv := fakeServer(t)
	rec := &recordingTB{TB: t}
	client := &http.Client{Transport: New(rec).Transport(nil)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/healthz")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if got := rec.reported(); len(got) > 0 {
		t.Errorf("reported:\n%s", strings.Join(got, "\n"))
	}
}

func TestDocument_LoadsAndValidates(t *testing.T) {
	doc := New(t).Document()
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if _, _, err := load([]byte("openapi: 3.0.3\ninfo: {}\npaths: {}\n")); err == nil {
		t.Error("load accepted a document without info.title and info.version")
	}
}

// The document's Problem.code enum lists every code constant of schema.go.
func TestDocument_ProblemCodes(t *testing.T) {
	codes := []string{
		schema.CodeInvalidField, schema.CodeInvalidRequest, schema.CodeEmailTaken,
		schema.CodeSignupModeOn, schema.CodeLicenseExhausted, schema.CodeTotalBelowUsed,
		schema.CodeNotFound, schema.CodeSelfDeactivation, schema.CodeLastAdmin,
		schema.CodeLicenseRequired, schema.CodeAlreadyActive, schema.CodeInviteNotPending,
		schema.CodeInviteInvalid, schema.CodeEditConflict, schema.CodePreconditionNeeded,
		schema.CodeForbidden, schema.CodeUnauthenticated, schema.CodeIdempotencyReused,
		schema.CodeRateLimited, schema.CodeInternal, schema.CodeUnavailable, schema.CodeOverloaded,
		schema.CodeMethodNotAllowed,
	}
	doc := New(t).Document()
	var enum []string
	for _, v := range doc.Components.Schemas["Problem"].Value.Properties["code"].Value.Enum {
		enum = append(enum, fmt.Sprint(v))
	}
	slices.Sort(codes)
	slices.Sort(enum)
	if !slices.Equal(codes, enum) {
		t.Errorf("Problem.code enum = %v, want %v", enum, codes)
	}
}

// Every object schema has exactly the JSON fields of its Go type, and requires
// exactly those without omitempty or omitzero.
func TestDocument_SchemasMatchGoTypes(t *testing.T) {
	types := map[string]any{
		"User":                schema.User{},
		"Invite":              schema.Invite{},
		"LicensePool":         schema.LicensePool{},
		"AuditEvent":          schema.AuditEvent{},
		"SignupMode":          schema.SignupMode{},
		"Token":               schema.Token{},
		"TokenCreated":        schema.TokenCreated{},
		"Me":                  schema.Me{},
		"UserPage":            schema.Page[schema.User]{},
		"InvitePage":          schema.Page[schema.Invite]{},
		"LicensePoolPage":     schema.Page[schema.LicensePool]{},
		"LicenseAudit":        schema.LicenseAudit{},
		"LicenseFinding":      schema.LicenseFinding{},
		"LicenseCheck":        schema.LicenseCheck{},
		"AuditEventPage":      schema.Page[schema.AuditEvent]{},
		"TokenPage":           schema.Page[schema.Token]{},
		"InviteRequest":       schema.InviteRequest{},
		"AcceptInviteRequest": schema.AcceptInviteRequest{},
		"UserEdit":            schema.UserEdit{},
		"ActivateRequest":     schema.ActivateRequest{},
		"TokenRequest":        schema.TokenRequest{},
		"Problem":             schema.Problem{},
		"UserBatchRequest":    schema.UserBatchRequest{},
		"UserBatchItem":       schema.UserBatchItem{},
		"UserBatchResponse":   schema.UserBatchResponse{},
		"UserBatchResult":     schema.UserBatchResult{},
		"SyncRequest":         schema.SyncRequest{},
		"SyncRow":             schema.SyncRow{},
		"SyncResponse":        schema.SyncResponse{},
		"SyncRowResult":       schema.SyncRowResult{},
		"SyncMissing":         schema.SyncMissing{},
		"SyncSummary":         schema.SyncSummary{},
	}
	doc := New(t).Document()
	for name, v := range types {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("components.schemas has no %s", name)
			continue
		}
		gotFields, gotRequired := schemaFields(ref.Value)
		wantFields, wantRequired := jsonFields(reflect.TypeOf(v))
		if !slices.Equal(gotFields, wantFields) {
			t.Errorf("%s properties = %v, want %v", name, gotFields, wantFields)
		}
		if !slices.Equal(gotRequired, wantRequired) {
			t.Errorf("%s required = %v, want %v", name, gotRequired, wantRequired)
		}
	}
}

// schemaFields gives the sorted property names and required names of an
// object schema, merging allOf.
func schemaFields(s *openapi3.Schema) (fields, required []string) {
	for name := range s.Properties {
		fields = append(fields, name)
	}
	required = append(required, s.Required...)
	for _, part := range s.AllOf {
		f, r := schemaFields(part.Value)
		fields = append(fields, f...)
		required = append(required, r...)
	}
	slices.Sort(fields)
	slices.Sort(required)
	return slices.Compact(fields), slices.Compact(required)
}

// jsonFields gives the sorted JSON names of a struct's fields, and of those the
// ones always present (neither omitempty nor omitzero), following embedded structs like encoding/json.
func jsonFields(t reflect.Type) (fields, required []string) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			fs, rs := jsonFields(f.Type)
			fields = append(fields, fs...)
			required = append(required, rs...)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, name)
		if o := strings.Split(opts, ","); !slices.Contains(o, "omitempty") && !slices.Contains(o, "omitzero") {
			required = append(required, name)
		}
	}
	slices.Sort(fields)
	slices.Sort(required)
	return fields, required
}
