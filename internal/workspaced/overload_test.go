package workspaced

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsctl/wsctl/internal/admission"
	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/api/openapitest"
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/authserver"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// A server past what it can serve: its turns are all taken by invites that
// wait on SQLite's write lock, held by another connection as a long write
// would. The next requests, API and OAuth alike, wait --queue-wait and are
// answered 503 overloaded with Retry-After; the probes still answer; once
// the lock is gone every request is served and /readyz is ready again.
func TestServe_PastWhatItCanServe_ShedsAfterTheQueueWait(t *testing.T) {
	const wait = 250 * time.Millisecond
	e := newOverloadEnv(t, admission.Config{MaxInFlight: 2, MaxQueue: 8, MaxWait: wait})
	unlock := e.holdWriteLock()

	first := e.inviteAsync(context.Background(), "a1@acme.example")
	second := e.inviteAsync(context.Background(), "a2@acme.example")
	waitFor(t, "both turns taken", func() bool { return e.queue.InFlight() == 2 })

	start := time.Now()
	shed := e.invite(context.Background(), "b@acme.example")
	if waited := time.Since(start); waited < wait {
		t.Errorf("shed after %s, before --queue-wait %s", waited, wait)
	}
	e.wantOverloaded(shed, "1")

	// The OAuth server shares the turns: it is shed the same way.
	oauth := e.send(http.DefaultClient, context.Background(), http.MethodGet, authserver.PathMetadata, "", nil)
	e.wantOverloaded(oauth, "1")

	// Probes never wait.
	e.get("/healthz").want(t, http.StatusOK)
	metrics := string(e.get("/metrics").want(t, http.StatusOK).body)
	for _, want := range []string{
		"workspaced_http_requests_in_flight 2",
		"workspaced_http_requests_queued 0",
		"workspaced_http_requests_shed_total 2",
		`workspaced_http_requests_total{route="POST /api/v1/invites",status="503"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	unlock()
	(<-first).want(t, http.StatusCreated)
	(<-second).want(t, http.StatusCreated)
	e.invite(context.Background(), "b@acme.example").want(t, http.StatusCreated)
	e.send(http.DefaultClient, context.Background(), http.MethodGet, authserver.PathMetadata, "", nil).want(t, http.StatusOK)
	e.wantReadyAgain()
}

// While every turn is taken and the queue is full, /readyz says the server
// is saturated, a newcomer is shed at once, and a waiter whose client goes
// away leaves the queue at once.
func TestServe_Saturated_ReadyzSaysSo(t *testing.T) {
	e := newOverloadEnv(t, admission.Config{MaxInFlight: 1, MaxQueue: 1, MaxWait: time.Minute})
	e.get("/readyz").want(t, http.StatusOK)
	unlock := e.holdWriteLock()

	inFlight := e.inviteAsync(context.Background(), "a@acme.example")
	waitFor(t, "the turn taken", func() bool { return e.queue.InFlight() == 1 })
	leaving, leave := context.WithCancel(context.Background())
	queued := e.inviteAsync(leaving, "b@acme.example")
	waitFor(t, "the second invite queued", func() bool { return e.queue.Queued() == 1 })

	if p := overloaded(t, e.get("/readyz")); !strings.Contains(p.Detail, "saturated") {
		t.Errorf("/readyz detail %q does not say the server is saturated", p.Detail)
	}
	e.get("/healthz").want(t, http.StatusOK)
	if metrics := string(e.get("/metrics").want(t, http.StatusOK).body); !strings.Contains(metrics, "workspaced_http_requests_queued 1") {
		t.Errorf("/metrics lacks the queued request:\n%s", grep(metrics, "workspaced_http_requests"))
	}

	// Even a read, which SQLite could serve beside the lock, finds no room:
	// the queue is full, so it is turned away without waiting its minute.
	e.wantOverloaded(e.send(e.api, context.Background(), http.MethodGet, "/api/v1/licenses", e.admin, nil), "60")
	// An identity provider gets a SCIM error, with the same Retry-After.
	scim := e.send(http.DefaultClient, context.Background(), http.MethodGet, "/scim/v2/Users", e.scim, nil).want(t, http.StatusServiceUnavailable)
	if ct, ra := scim.header.Get("Content-Type"), scim.header.Get("Retry-After"); ct != "application/scim+json" || ra != "60" {
		t.Errorf("SCIM answer: Content-Type %q, Retry-After %q; want application/scim+json, 60", ct, ra)
	}

	leave()
	if a := <-queued; a.err == nil {
		t.Errorf("the invite whose client went away was answered %d", a.status)
	}
	waitFor(t, "the cancelled invite to leave the queue", func() bool { return e.queue.Queued() == 0 })
	if got := e.queue.Shed(); got != 2 {
		t.Errorf("shed %d requests, want 2 (the read and the SCIM request): a client that went away is not shed", got)
	}

	unlock()
	(<-inFlight).want(t, http.StatusCreated)
	e.wantReadyAgain()
	e.invite(context.Background(), "b@acme.example").want(t, http.StatusCreated)
}

// overloadEnv is workspaced's whole handler (API, OAuth, sign-in pages) on
// loopback over a SQLite file, behind an admission queue.
type overloadEnv struct {
	t     *testing.T
	url   string
	path  string // the SQLite file
	queue *admission.Limiter
	admin string       // an admin's API token
	scim  string       // a provisioning token (scope scim)
	api   *http.Client // checks every answer against docs/openapi.yaml
}

func newOverloadEnv(t *testing.T, cfg admission.Config) *overloadEnv {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ws.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewUnstartedServer(nil)
	baseURL := "http://" + srv.Listener.Addr().String()
	svc := workspace.NewService(st, workspace.WithBaseURL(baseURL))
	org, err := svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSignupMode(ctx, workspace.Operator(org.Org.ID), false); err != nil {
		t.Fatal(err)
	}
	_, scim, err := svc.IssueToken(ctx, workspace.Operator(org.Org.ID), "ada@acme.example", "okta", []string{"scim"})
	if err != nil {
		t.Fatal(err)
	}
	queue := admission.New(cfg)
	handler, err := newHandler(ctx, svc, baseURL, slog.New(slog.DiscardHandler),
		api.Options{Registry: prometheus.NewRegistry(), Admission: queue})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = handler
	srv.Start()
	t.Cleanup(srv.Close)
	v := openapitest.New(t)
	return &overloadEnv{t: t, url: srv.URL, path: path, queue: queue, admin: org.Secret, scim: scim,
		api: &http.Client{Transport: v.Transport(nil)}}
}

// holdWriteLock takes SQLite's write lock from a connection of its own, as
// a long write transaction would, until the returned func is called.
func (e *overloadEnv) holdWriteLock() (unlock func()) {
	e.t.Helper()
	db, err := sql.Open("sqlite", sqlite.WriterDSN(e.path))
	if err != nil {
		e.t.Fatal(err)
	}
	conn, err := db.Conn(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := conn.ExecContext(e.t.Context(), "BEGIN IMMEDIATE"); err != nil {
		e.t.Fatal(err)
	}
	unlocked := false
	unlock = func() {
		if unlocked {
			return
		}
		unlocked = true
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			e.t.Errorf("release the write lock: %v", err)
		}
		conn.Close()
		db.Close()
	}
	e.t.Cleanup(unlock)
	return unlock
}

// answer is what came back, or err when nothing did.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (e *overloadEnv) send(c *http.Client, ctx context.Context, method, path, token string, body any) answer {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, r)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: data, err: err}
}

func (e *overloadEnv) get(path string) answer {
	return e.send(e.api, context.Background(), http.MethodGet, path, "", nil)
}

func (e *overloadEnv) invite(ctx context.Context, email string) answer {
	return e.send(e.api, ctx, http.MethodPost, "/api/v1/invites", e.admin,
		schema.InviteRequest{Name: "Grace Hopper", Email: email, Roles: []string{"user"}, Licenses: []string{"flow"}})
}

// inviteAsync sends an invite in the background; its answer arrives on
// the channel.
func (e *overloadEnv) inviteAsync(ctx context.Context, email string) <-chan answer {
	out := make(chan answer, 1)
	go func() { out <- e.invite(ctx, email) }()
	return out
}

// wantOverloaded checks a shed answer: 503, a problem document with the
// code overloaded, and Retry-After in whole seconds.
func (e *overloadEnv) wantOverloaded(a answer, retryAfter string) {
	e.t.Helper()
	if p := overloaded(e.t, a); !strings.Contains(p.Detail, "overloaded") {
		e.t.Errorf("detail %q does not say the server is overloaded", p.Detail)
	}
	if got := a.header.Get("Retry-After"); got != retryAfter {
		e.t.Errorf("Retry-After %q, want %q", got, retryAfter)
	}
}

// overloaded decodes a 503 overloaded problem document.
func overloaded(t *testing.T, a answer) schema.Problem {
	t.Helper()
	var p schema.Problem
	err := json.Unmarshal(a.want(t, http.StatusServiceUnavailable).body, &p)
	if ct := a.header.Get("Content-Type"); err != nil || ct != "application/problem+json" || p.Code != schema.CodeOverloaded {
		t.Fatalf("want a problem document of code %s; got Content-Type %q, %s", schema.CodeOverloaded, ct, a.body)
	}
	return p
}

// wantReadyAgain waits for /readyz to answer 200: it says saturated for a
// moment after the last shed request.
func (e *overloadEnv) wantReadyAgain() {
	e.t.Helper()
	waitFor(e.t, "/readyz to answer 200", func() bool { return e.get("/readyz").status == http.StatusOK })
	var r map[string]string
	if err := json.Unmarshal(e.get("/readyz").want(e.t, http.StatusOK).body, &r); err != nil || r["status"] != "ready" {
		e.t.Errorf("/readyz: %v %v", r, err)
	}
}

func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.err != nil {
		t.Fatalf("no answer: %v", a.err)
	}
	if a.status != status {
		t.Fatalf("status %d, want %d; body: %s", a.status, status, a.body)
	}
	return a
}

// waitFor polls until cond holds; the test binary's timeout bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("%s", what)
}

// grep is the lines of text that contain s.
func grep(text, s string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
