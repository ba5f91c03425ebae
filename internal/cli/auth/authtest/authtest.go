// Package authtest runs the real workspaced sign-in for the 'wsctl auth'
// tests: a SQLite store in a temporary directory, the domain, the OAuth 2.0
// authorization server (internal/authserver) and the API behind one httptest
// server on 127.0.0.1, mounted as workspaced mounts them. What the sign-in
// pages do in a browser (password, MFA, consent) is done by calling the
// server's Authorizations methods, as the pages do; the lead's chromedp test
// drives the real pages.
package authtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/authserver"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/testutil/sessiontest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Server is a workspaced with one org, "acme", whose first admin is Admin.
type Server struct {
	URL   string
	AS    *authserver.Server
	Svc   *workspace.Service
	Org   workspace.Org
	Admin workspace.User
	// AdminToken is the admin's API token (wsp_…) with every scope.
	AdminToken string

	t   testing.TB
	srv *httptest.Server
	// refreshes counts refresh_token grants received; revocations the
	// revocation requests.
	refreshes, revocations atomic.Int64
}

// New starts the server; it stops at test cleanup.
func New(t testing.TB) *Server {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "workspace.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	s := &Server{t: t, Svc: workspace.NewService(store)}

	mux := http.NewServeMux()
	s.srv = httptest.NewUnstartedServer(s.count(mux))
	as, err := authserver.New(ctx, authserver.Config{Issuer: "http://" + s.srv.Listener.Addr().String(), Service: s.Svc})
	if err != nil {
		t.Fatalf("authserver.New: %v", err)
	}
	s.AS = as
	mux.Handle("/oauth/", as.Handler())
	mux.Handle("/.well-known/", as.Handler())
	mux.Handle("/", api.New(s.Svc, api.Options{AccessTokens: as}))
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL

	n, err := s.Svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	s.Org, s.Admin, s.AdminToken = n.Org, n.Admin, n.Secret
	return s
}

func (s *Server) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case authserver.PathToken:
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, _ := url.ParseQuery(string(body)); form.Get("grant_type") == "refresh_token" {
				s.refreshes.Add(1)
			}
		case authserver.PathRevoke:
			s.revocations.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// Refreshes is how many refresh_token grants the server received.
func (s *Server) Refreshes() int64 { return s.refreshes.Load() }

// Revocations is how many revocation requests the server received.
func (s *Server) Revocations() int64 { return s.revocations.Load() }

// Browser completes the code flow as a person signing in as the admin
// would: it follows /oauth/authorize to the login page, completes the
// pending request (as the pages do after password, MFA and consent), and
// follows the redirect to wsctl's loopback listener. It runs in the
// background, as a browser does; Page is what the listener finally showed.
type Browser struct {
	s      *Server
	t      testing.TB
	UserID string
	// Deny makes the person refuse the sign-in.
	Deny bool
	// Ignore makes the browser do nothing (nobody signs in).
	Ignore bool

	mu    sync.Mutex
	urls  []string
	pages chan string
}

// Browser returns a browser signing in as the admin.
func (s *Server) Browser() *Browser {
	return &Browser{s: s, t: s.t, UserID: s.Admin.ID, pages: make(chan string, 4)}
}

// URLs are the URLs the browser was asked to open.
func (b *Browser) URLs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...)
}

// Browse starts the sign-in in the background.
func (b *Browser) Browse(u string) error {
	b.mu.Lock()
	b.urls = append(b.urls, u)
	b.mu.Unlock()
	if b.Ignore {
		return nil
	}
	go func() {
		page, err := b.signIn(u)
		if err != nil {
			b.t.Errorf("browser: %v", err)
		}
		b.pages <- page
	}()
	return nil
}

// Page waits for the page the loopback listener answered with.
func (b *Browser) Page() string {
	select {
	case p := <-b.pages:
		return p
	case <-time.After(30 * time.Second):
		b.t.Error("browser: no page within 30s")
		return ""
	}
}

var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (b *Browser) signIn(authURL string) (string, error) {
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("authorize answered %s without a redirect to the login page", resp.Status)
	}
	id := loc.Query().Get("authRequest")
	if id == "" {
		return "", fmt.Errorf("authorize redirected to %s, not to the login page", loc)
	}
	ctx := context.Background()
	var redirect string
	if b.Deny {
		redirect, err = b.s.AS.DenyAuthRequest(ctx, id)
	} else {
		var sess workspace.BrowserSession
		if sess, err = sessiontest.Start(b.s.Svc, b.s.Org.ID, b.UserID); err == nil {
			redirect, err = b.s.AS.CompleteAuthRequest(ctx, id, sess)
		}
	}
	if err != nil {
		return "", fmt.Errorf("complete the authorization: %w", err)
	}
	if !strings.HasPrefix(redirect, "http://127.0.0.1:") {
		return "", fmt.Errorf("redirect %s is not wsctl's loopback listener", redirect)
	}
	resp, err = noRedirects.Get(redirect)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	return string(page), err
}

// Stderr is a command's standard error that acts on what it says: each
// pattern registered with On runs its function once, in the background, on
// its first match. It is safe for concurrent use.
type Stderr struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	watchers []*watcher
}

type watcher struct {
	re   *regexp.Regexp
	fn   func(match []string)
	done bool
}

// On runs fn with the submatches of re the first time re matches.
func (e *Stderr) On(re *regexp.Regexp, fn func(match []string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.watchers = append(e.watchers, &watcher{re: re, fn: fn})
}

func (e *Stderr) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.buf.Write(p)
	for _, w := range e.watchers {
		if m := w.re.FindStringSubmatch(e.buf.String()); m != nil && !w.done {
			w.done = true
			go w.fn(m)
		}
	}
	return len(p), nil
}

func (e *Stderr) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.buf.String()
}

// UserCode matches the one-time code 'wsctl auth login --device' prints.
var UserCode = regexp.MustCompile(`one-time code: (?:\x1b\[[0-9;]*m)?([A-Z0-9-]+)`)

// AuthorizeURL matches the sign-in URL 'wsctl auth login' prints.
var AuthorizeURL = regexp.MustCompile(`(http://\S+/oauth/authorize\?\S+)`)

// ApproveDevice approves a device's user code as the admin would on the
// device page (or refuses it).
func (s *Server) ApproveDevice(code string, deny bool) {
	var err error
	if deny {
		err = s.AS.DenyDeviceRequest(context.Background(), code)
	} else {
		err = s.AS.CompleteDeviceRequest(context.Background(), code, sessiontest.SignedIn(s.t, s.Svc, s.Org.ID, s.Admin.ID))
	}
	if err != nil {
		s.t.Errorf("approve device code %s: %v", code, err)
	}
}

// OAuth2 is wsctl's client configuration at this server.
func (s *Server) OAuth2(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: "wsctl",
		Endpoint: oauth2.Endpoint{
			AuthURL:       s.URL + authserver.PathAuthorize,
			TokenURL:      s.URL + authserver.PathToken,
			DeviceAuthURL: s.URL + authserver.PathDeviceAuthorization,
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		RedirectURL: redirect,
		Scopes:      []string{"openid", "offline_access", "users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"},
	}
}

// SignIn signs the admin in with the code flow and PKCE, without wsctl,
// and stores the result in st under host and profile, as 'wsctl auth login'
// would: a quick way to a signed-in state for the other verbs' tests.
func (s *Server) SignIn(st authstore.Store, profile string) *authstore.Entry {
	s.t.Helper()
	tok := s.Tokens()
	e := &authstore.Entry{Host: s.URL, Profile: profile, Kind: authstore.KindOAuth, AccessToken: tok.AccessToken,
		RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, User: s.Admin.Email, Org: s.Org.Slug,
		Scopes: []string{"users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"}}
	if err := st.Set(authstore.Key(s.URL, profile), e); err != nil {
		s.t.Fatalf("store the sign-in: %v", err)
	}
	return e
}

// Tokens signs the admin in with the code flow and PKCE and returns the tokens.
func (s *Server) Tokens() *oauth2.Token {
	s.t.Helper()
	ctx := context.Background()
	conf := s.OAuth2("http://127.0.0.1:9/callback")
	verifier := oauth2.GenerateVerifier()
	resp, err := noRedirects.Get(conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		s.t.Fatalf("authorize: %s", resp.Status)
	}
	redirect, err := s.AS.CompleteAuthRequest(ctx, loc.Query().Get("authRequest"), sessiontest.SignedIn(s.t, s.Svc, s.Org.ID, s.Admin.ID))
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := url.Parse(redirect)
	if err != nil {
		s.t.Fatal(err)
	}
	tok, err := conf.Exchange(ctx, u.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.t.Fatalf("exchange: %v", err)
	}
	return tok
}

// Refresh presents refreshToken to the server directly, as a wsctl without
// the refresh lock would.
func (s *Server) Refresh(refreshToken string) (*oauth2.Token, error) {
	return s.OAuth2("").TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
}
