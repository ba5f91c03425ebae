package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// These tests run the client against a loopback httptest server programmed
// per test; the real workspaced is exercised by the end-to-end suite.

type recorded struct {
	method, uri string
	header      http.Header
	body        string
}

func newServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) (*Client, *[]recorded) {
	t.Helper()
	var reqs []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs = append(reqs, recorded{r.Method, r.URL.RequestURI(), r.Header.Clone(), string(b)})
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, "s3cret-token", srv.Client())
	c.UserAgent = "wsctl/9.9.9"
	return c, &reqs
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func TestClient_SendsAuthUserAgentAndQuery(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, schema.Page[schema.User]{Items: []schema.User{{Email: "ann@example.com"}}})
	})
	page, err := c.ListUsers(context.Background(), ListUsersParams{Status: "all", Role: "admin", Search: "ann lee", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].Email != "ann@example.com" {
		t.Errorf("items = %+v", page.Items)
	}
	r := (*reqs)[0]
	if r.method != "GET" || r.uri != "/api/v1/users?limit=50&role=admin&search=ann+lee&status=all" {
		t.Errorf("request = %s %s", r.method, r.uri)
	}
	if got := r.header.Get("Authorization"); got != "Bearer s3cret-token" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.header.Get("User-Agent"); got != "wsctl/9.9.9" {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestClient_EditUser_SendsIfMatchAndReturnsETag_R8(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"8"`)
		writeJSON(w, 200, schema.User{Email: "ann@example.com"})
	})
	name := "Ann"
	_, etag, err := c.EditUser(context.Background(), "ann@example.com", `"7"`, schema.UserEdit{Name: &name, AddLicenses: []string{"flow"}})
	if err != nil {
		t.Fatal(err)
	}
	r := (*reqs)[0]
	if r.method != "PATCH" || r.uri != "/api/v1/users/ann@example.com" {
		t.Errorf("request = %s %s", r.method, r.uri)
	}
	if r.header.Get("If-Match") != `"7"` || etag != `"8"` {
		t.Errorf("If-Match = %q, new etag = %q", r.header.Get("If-Match"), etag)
	}
	if r.body != `{"name":"Ann","add_licenses":["flow"]}` {
		t.Errorf("body = %s", r.body)
	}
}

func TestClient_Invite_IdempotencyKeyAndReplay(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(schema.HeaderIdempotentReplay, "true")
		writeJSON(w, 200, schema.Invite{Email: "ann@example.com"})
	})
	_, replayed, err := c.Invite(context.Background(), schema.InviteRequest{Name: "Ann", Email: "ann@example.com", Roles: []string{"user"}}, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if !replayed {
		t.Error("replayed = false")
	}
	r := (*reqs)[0]
	if r.header.Get("Idempotency-Key") != "key-1" {
		t.Errorf("Idempotency-Key = %q", r.header.Get("Idempotency-Key"))
	}
	if !strings.Contains(r.body, `"licenses":[]`) {
		t.Errorf("absent licenses must be sent as [], body = %s", r.body)
	}
}

func TestClient_APIError(t *testing.T) {
	used, total := 3, 3
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantMsg    string
		wantCode   string
		wantRetry  time.Duration
		wantReqID  string
		wantStatus int
	}{
		{
			name:   "problem document",
			status: 409,
			body: mustJSON(schema.Problem{Status: 409, Code: schema.CodeLicenseExhausted, Detail: "no parallel-dialer license left: 3 of 3 in use",
				Product: "parallel-dialer", Used: &used, Total: &total}),
			header:   map[string]string{"Content-Type": "application/problem+json", "X-Request-Id": "req-1"},
			wantMsg:  "no parallel-dialer license left: 3 of 3 in use",
			wantCode: schema.CodeLicenseExhausted, wantReqID: "req-1", wantStatus: 409,
		},
		{
			name: "rate limited", status: 429,
			body:    mustJSON(schema.Problem{Status: 429, Code: schema.CodeRateLimited, Detail: "slow down"}),
			header:  map[string]string{"Retry-After": "7"},
			wantMsg: "slow down", wantCode: schema.CodeRateLimited, wantRetry: 7 * time.Second, wantStatus: 429,
		},
		{
			name: "not json", status: 502, body: "bad gateway from proxy\nmore",
			wantMsg: "bad gateway from proxy", wantStatus: 502,
		},
		{
			name: "empty body", status: 500,
			wantMsg: "Internal Server Error", wantStatus: 500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := c.Licenses(context.Background())
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if apiErr.Error() != tt.wantMsg || apiErr.Code() != tt.wantCode || apiErr.RetryAfter != tt.wantRetry || apiErr.Status != tt.wantStatus {
				t.Errorf("got msg %q code %q retry %v status %d", apiErr.Error(), apiErr.Code(), apiErr.RetryAfter, apiErr.Status)
			}
			if apiErr.Problem.RequestID != tt.wantReqID {
				t.Errorf("request id = %q", apiErr.Problem.RequestID)
			}
			if apiErr.Scope != ScopeLicensesRead {
				t.Errorf("scope = %q", apiErr.Scope)
			}
		})
	}
}

func TestClient_TransportErrorNamesHostAndHint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c := New(url, "t", nil)
	_, err := c.Me(context.Background())
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %T %v", err, err)
	}
	msg := err.Error()
	for _, want := range []string{url, "is workspaced running at " + url, "workspaced serve"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestClient_DebugRedactsToken(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=abc")
		writeJSON(w, 200, schema.TokenCreated{Token: schema.Token{ID: "tok1"}, Secret: "new-secret-value"})
	})
	var debug bytes.Buffer
	c.Debug = &debug
	if _, err := c.CreateToken(context.Background(), schema.TokenRequest{Name: "ci", Scopes: []string{"licenses:read"}}, ""); err != nil {
		t.Fatal(err)
	}
	out := debug.String()
	for _, want := range []string{"> POST http://", "/api/v1/tokens", "Authorization: Bearer ***", "< 200 OK", "User-Agent: wsctl/9.9.9", "Set-Cookie: ***"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"s3cret-token", "new-secret-value", "session=abc"} {
		if strings.Contains(out, secret) {
			t.Errorf("debug output leaks %q:\n%s", secret, out)
		}
	}
}

func TestUserPages_FollowsCursorAndStops(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("cursor") {
		case "":
			writeJSON(w, 200, schema.Page[schema.User]{Items: []schema.User{{Email: "a@x.io"}, {Email: "b@x.io"}}, NextCursor: "c2"})
		case "c2":
			writeJSON(w, 200, schema.Page[schema.User]{Items: []schema.User{{Email: "c@x.io"}}, NextCursor: "c3"})
		case "c3":
			writeJSON(w, 200, schema.Page[schema.User]{Items: []schema.User{{Email: "d@x.io"}}})
		}
	})
	var got []string
	for users, err := range c.UserPages(context.Background(), ListUsersParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			got = append(got, u.Email)
		}
	}
	if strings.Join(got, " ") != "a@x.io b@x.io c@x.io d@x.io" || len(*reqs) != 3 {
		t.Errorf("got %v in %d requests", got, len(*reqs))
	}

	// A caller that stops early makes no further request.
	*reqs = nil
	for range c.UserPages(context.Background(), ListUsersParams{}) {
		break
	}
	if len(*reqs) != 1 {
		t.Errorf("early stop made %d requests, want 1", len(*reqs))
	}
}

func TestPages_ErrorIsYieldedOnce(t *testing.T) {
	calls := 0
	seq := pages(func(cursor string) (schema.Page[int], error) {
		calls++
		if cursor == "" {
			return schema.Page[int]{Items: []int{1}, NextCursor: "x"}, nil
		}
		return schema.Page[int]{}, fmt.Errorf("boom")
	}, "")
	var errs int
	for _, err := range seq {
		if err != nil {
			errs++
		}
	}
	if errs != 1 || calls != 2 {
		t.Errorf("errors %d, calls %d", errs, calls)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 00:00:10 GMT": 10 * time.Second,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPathEscapesRef(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, schema.User{}) })
	if _, _, err := c.GetUser(context.Background(), "a/b@x.io"); err != nil {
		t.Fatal(err)
	}
	if got := (*reqs)[0].uri; got != "/api/v1/users/a%2Fb@x.io" {
		t.Errorf("uri = %s", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
