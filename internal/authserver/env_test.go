package authserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/authserver"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
	"github.com/wsctl/wsctl/internal/testutil/sessiontest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// env is the real thing over loopback: a SQLite store in a temporary
// directory, the domain, the authorization server and the API behind one
// httptest server on 127.0.0.1, mounted as workspaced mounts them. The
// browser part of a sign-in (the pages) is done by calling the server's
// Authorizations methods, as the pages do.
type env struct {
	t     *testing.T
	ctx   context.Context
	store *sqlstore.Store
	svc   *workspace.Service
	as    *authserver.Server
	srv   *httptest.Server
	clock *clock
	logs  *lockedBuffer

	org   workspace.Org
	admin workspace.User // the org's first admin
	bob   workspace.User // an active user with the role user
}

func newEnv(t *testing.T, opts ...func(*authserver.Config)) *env {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "workspace.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return newEnvOn(t, store, opts...)
}

// newEnvOn is newEnv on a given store (PostgreSQL).
func newEnvOn(t *testing.T, store *sqlstore.Store, opts ...func(*authserver.Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, store: store, svc: workspace.NewService(store), clock: &clock{}, logs: &lockedBuffer{}}

	mux := http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(mux)
	e.as = e.newServer(opts...)
	mux.Handle("/oauth/", e.as.Handler())
	mux.Handle("/.well-known/", e.as.Handler())
	mux.Handle("/", api.New(e.svc, api.Options{AccessTokens: e.as}))
	e.srv.Start()
	t.Cleanup(e.srv.Close)

	n, err := e.svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	e.org, e.admin = n.Org, n.Admin
	if err := e.svc.SetSignupMode(ctx, e.operator(), false); err != nil { // so that invites are allowed (R2)
		t.Fatalf("signup mode off: %v", err)
	}
	bob, err := e.svc.AddUser(ctx, e.operator(), workspace.InviteInput{Name: "Bob User", Email: "bob@acme.example",
		Roles: []string{"user"}, Licenses: []string{"flow"}})
	if err != nil {
		t.Fatalf("add bob: %v", err)
	}
	e.bob = bob.Value
	return e
}

// session is a browser session of the user, signed in and past MFA.
func (e *env) session(userID string) workspace.BrowserSession {
	e.t.Helper()
	return sessiontest.SignedIn(e.t, e.svc, e.org.ID, userID)
}

// newServer builds an authorization server on the env's database and
// address, as a second workspaced process would.
func (e *env) newServer(opts ...func(*authserver.Config)) *authserver.Server {
	e.t.Helper()
	cfg := authserver.Config{
		Issuer:  "http://" + e.srv.Listener.Addr().String(),
		Service: e.svc,
		Logger:  slog.New(slog.NewTextHandler(e.logs, nil)),
		Now:     e.clock.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	as, err := authserver.New(e.ctx, cfg)
	if err != nil {
		e.t.Fatalf("authserver.New: %v", err)
	}
	return as
}

func (e *env) operator() workspace.Principal { return workspace.Operator(e.org.ID) }

// config is wsctl's OAuth client configuration against the env.
func (e *env) config(redirect string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: authserver.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:       e.srv.URL + authserver.PathAuthorize,
			TokenURL:      e.srv.URL + authserver.PathToken,
			DeviceAuthURL: e.srv.URL + authserver.PathDeviceAuthorization,
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		RedirectURL: redirect,
		Scopes:      scopes,
	}
}

// allScopes is what wsctl asks for (docs/design/signin.md).
var allScopes = []string{"openid", "offline_access", "users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"}

// noRedirects is a browser that shows each redirect instead of following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize opens an authorization URL and returns the redirect it answers with.
func (e *env) authorize(authURL string) *url.URL {
	e.t.Helper()
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		e.t.Fatalf("GET /oauth/authorize: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("GET /oauth/authorize: status %d, want 302; body: %s", resp.StatusCode, body)
	}
	loc, err := resp.Location()
	if err != nil {
		e.t.Fatalf("redirect: %v", err)
	}
	return loc
}

// authRequestID reads the pending request's id from the redirect to the
// sign-in page.
func (e *env) authRequestID(loc *url.URL) string {
	e.t.Helper()
	id := loc.Query().Get("authRequest")
	if loc.Path != "/login" || id == "" {
		e.t.Fatalf("redirect to %s, want the login page with an authRequest", loc)
	}
	return id
}

// loopback is wsctl's listener for the code: a real one on 127.0.0.1:0.
type loopback struct {
	redirect string
	got      chan url.Values
}

func newLoopback(t *testing.T) *loopback {
	t.Helper()
	lb := &loopback{got: make(chan url.Values, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		lb.got <- r.URL.Query()
		_, _ = io.WriteString(w, "signed in; you can close this window")
	}))
	t.Cleanup(srv.Close)
	lb.redirect = srv.URL + "/callback"
	return lb
}

// follow opens the URL the sign-in pages send the browser to and returns
// what the loopback listener received.
func (lb *loopback) follow(t *testing.T, redirect string) url.Values {
	t.Helper()
	if !strings.HasPrefix(redirect, lb.redirect+"?") {
		t.Fatalf("redirect %s, want the loopback %s", redirect, lb.redirect)
	}
	resp, err := http.Get(redirect)
	if err != nil {
		t.Fatalf("follow the redirect to the loopback: %v", err)
	}
	resp.Body.Close()
	select {
	case q := <-lb.got:
		return q
	case <-time.After(5 * time.Second):
		t.Fatal("the loopback listener received nothing")
		return nil
	}
}

// signIn runs the whole code flow with PKCE for user: authorize, the
// sign-in pages' part (CompleteAuthRequest), the redirect to the loopback,
// and the exchange.
func (e *env) signIn(user workspace.User, scopes ...string) (*oauth2.Config, *oauth2.Token) {
	e.t.Helper()
	lb := newLoopback(e.t)
	conf := e.config(lb.redirect, scopes...)
	verifier := oauth2.GenerateVerifier()
	state := oauth2.GenerateVerifier()[:16]
	id := e.authRequestID(e.authorize(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))))
	redirect, err := e.as.CompleteAuthRequest(e.ctx, id, e.session(user.ID))
	if err != nil {
		e.t.Fatalf("CompleteAuthRequest: %v", err)
	}
	q := lb.follow(e.t, redirect)
	if q.Get("state") != state || q.Get("code") == "" {
		e.t.Fatalf("loopback got %v, want the code and state %q", q, state)
	}
	tok, err := conf.Exchange(e.ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatalf("exchange the code: %v", err)
	}
	return conf, tok
}

// refresh uses a refresh token once, as wsctl does.
func (e *env) refresh(conf *oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	return conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// wantOAuthError checks that err is the OAuth error code.
func wantOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("error %v, want OAuth error %s", err, code)
	}
}

// call sends an API request with a bearer token.
func (e *env) call(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// me is GET /api/v1/me with the token; ok is false on 401.
func (e *env) me(token string) (me schema.Me, ok bool) {
	e.t.Helper()
	status, body := e.call(http.MethodGet, "/api/v1/me", token, nil)
	switch status {
	case http.StatusOK:
		if err := json.Unmarshal(body, &me); err != nil {
			e.t.Fatalf("decode /me: %v", err)
		}
		return me, true
	case http.StatusUnauthorized:
		return me, false
	}
	e.t.Fatalf("GET /api/v1/me: status %d: %s", status, body)
	return me, false
}

// mustWork and mustFail check an access token against the API.
func (e *env) mustWork(token, what string) schema.Me {
	e.t.Helper()
	me, ok := e.me(token)
	if !ok {
		e.t.Fatalf("%s: the access token is refused, want it to work", what)
	}
	return me
}

func (e *env) mustFail(token, what string) {
	e.t.Helper()
	if _, ok := e.me(token); ok {
		e.t.Fatalf("%s: the access token still works, want 401", what)
	}
}

// postForm posts to an OAuth endpoint and decodes the JSON answer.
func (e *env) postForm(path string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+path, form)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	data, _ := io.ReadAll(resp.Body)
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			e.t.Fatalf("POST %s: status %d, not JSON: %s", path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, out
}

// clock is the server's clock in tests: real time plus an offset.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
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
