package signin_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/authserver"
	"github.com/wsctl/wsctl/internal/authserver/signin"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// env is the real thing over loopback: a SQLite store in a temporary
// directory, the domain, the real OAuth 2.0 server (internal/authserver)
// and the sign-in pages, mounted on one httptest server on 127.0.0.1 the
// way workspaced mounts them. Tests drive it with a net/http client and a
// cookie jar, submitting the forms of the pages as a browser does.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	svc   *workspace.Service
	acc   *workspace.Accounts
	as    *authserver.Server
	srv   *httptest.Server
	base  string

	org   workspace.Org
	admin workspace.User
	db    string // the SQLite file
}

// adaPassword is the first admin's local password.
const adaPassword = "correct horse battery staple"

// cheapPasswords keeps argon2id fast under -race; each hash records its
// parameters, so the cost does not change what is tested.
var cheapPasswords = workspace.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// The tests do not run in parallel: zitadel/oidc's op options that set
// custom endpoints write to the package-level op.DefaultEndpoints, which
// every provider in the process shares, so building one provider (ours or
// the test's upstream one) while another serves is a data race.
func newEnv(t *testing.T, opts ...func(*signin.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "workspace.db")
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	e := &env{t: t, ctx: ctx, clock: &clock{now: time.Now().UTC().Truncate(time.Second)}, db: db}
	mux := http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(mux)
	e.base = "http://" + e.srv.Listener.Addr().String()
	e.svc = workspace.NewService(store, workspace.WithClock(e.clock.Now), workspace.WithBaseURL(e.base))
	e.acc = workspace.NewAccounts(e.svc, workspace.WithPasswordParams(cheapPasswords))
	e.as, err = authserver.New(ctx, authserver.Config{Issuer: e.base, Service: e.svc, Now: e.clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("authserver.New: %v", err)
	}
	cfg := signin.Config{Service: e.svc, Accounts: e.acc, Authorizations: e.as, BaseURL: e.base,
		Logger: slog.New(slog.DiscardHandler), RateLimit: 1000, RateBurst: 1000}
	for _, o := range opts {
		o(&cfg)
	}
	mux.Handle("/oauth/", e.as.Handler())
	mux.Handle("/.well-known/", e.as.Handler())
	pages := signin.New(cfg)
	for _, p := range signin.Paths {
		mux.Handle(p, pages)
	}
	e.srv.Start()
	t.Cleanup(e.srv.Close)

	n, err := e.svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	e.org, e.admin = n.Org, n.Admin
	if _, err := e.acc.SetPassword(ctx, e.operator(), "ada@acme.example", adaPassword); err != nil {
		t.Fatalf("set password: %v", err)
	}
	return e
}

func (e *env) operator() workspace.Principal { return workspace.Operator(e.org.ID) }

// adminPrincipal is Ada acting through the API.
func (e *env) adminPrincipal() workspace.Principal {
	return workspace.Principal{OrgID: e.org.ID, UserID: e.admin.ID, Email: e.admin.Email,
		Roles: []workspace.Role{workspace.RoleAdmin}, Scopes: workspace.AllScopes}
}

// addUser imports an active user with a password.
func (e *env) addUser(name, email, password string, roles ...string) workspace.User {
	e.t.Helper()
	out, err := e.svc.AddUser(e.ctx, e.operator(), workspace.InviteInput{Name: name, Email: email, Roles: roles, Licenses: []string{"flow"}})
	if err != nil {
		e.t.Fatalf("add %s: %v", email, err)
	}
	if password != "" {
		if _, err := e.acc.SetPassword(e.ctx, e.operator(), email, password); err != nil {
			e.t.Fatalf("set password of %s: %v", email, err)
		}
	}
	return out.Value
}

func (e *env) user(email string) workspace.User {
	e.t.Helper()
	u, err := e.svc.GetUser(e.ctx, e.operator(), email)
	if err != nil {
		e.t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// code is the current TOTP code of secret, computed as an authenticator
// app does, on the server's clock.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatalf("totp code: %v", err)
	}
	return c
}

// nextStep moves the clock to the next 30-second TOTP step, so a new code
// is not a replay of the last one.
func (e *env) nextStep() { e.clock.Advance(30 * time.Second) }

// allScopes is what wsctl asks for (docs/design/signin.md).
var allScopes = []string{"openid", "offline_access", "users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"}

// authorization is wsctl's side of one code flow with PKCE: its loopback
// listener and verifier.
type authorization struct {
	e        *env
	cfg      *oauth2.Config
	verifier string
	state    string
	got      chan url.Values
}

func (e *env) oauthConfig(redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: authserver.ClientID, RedirectURL: redirect, Scopes: allScopes,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + authserver.PathAuthorize, TokenURL: e.base + authserver.PathToken,
			DeviceAuthURL: e.base + authserver.PathDeviceAuthorization, AuthStyle: oauth2.AuthStyleInParams}}
}

// authorize starts a code flow as wsctl does and opens its URL in b; the
// page returned is where the OAuth server sent the browser (the login page).
func (e *env) authorize(b *browser, opts ...oauth2.AuthCodeOption) (*authorization, *page) {
	e.t.Helper()
	a, u := e.startAuthorization(opts...)
	return a, b.get(u)
}

// startAuthorization starts a code flow as wsctl does: its loopback
// listener and the authorization URL to open in a browser.
func (e *env) startAuthorization(opts ...oauth2.AuthCodeOption) (*authorization, string) {
	e.t.Helper()
	a := &authorization{e: e, verifier: oauth2.GenerateVerifier(), state: "st-" + workspace.RandomToken()[:8], got: make(chan url.Values, 1)}
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callback" {
			select {
			case a.got <- r.URL.Query():
			default:
			}
		}
		_, _ = io.WriteString(w, "signed in; you can close this window")
	}))
	e.t.Cleanup(lb.Close)
	a.cfg = e.oauthConfig(lb.URL + "/callback")
	opts = append(opts, oauth2.S256ChallengeOption(a.verifier))
	return a, a.cfg.AuthCodeURL(a.state, opts...)
}

// token exchanges the code the loopback listener received for tokens.
func (a *authorization) token() *oauth2.Token {
	t := a.e.t
	t.Helper()
	var q url.Values
	select {
	case q = <-a.got:
	case <-time.After(5 * time.Second):
		t.Fatal("the loopback listener received no redirect")
	}
	if q.Get("state") != a.state || q.Get("code") == "" {
		t.Fatalf("loopback redirect %v: want the state and a code", q)
	}
	tok, err := a.cfg.Exchange(a.e.ctx, q.Get("code"), oauth2.VerifierOption(a.verifier))
	if err != nil {
		t.Fatalf("exchange the code: %v", err)
	}
	return tok
}

// nothingReceived checks that the loopback listener got no code.
func (a *authorization) nothingReceived() {
	select {
	case q := <-a.got:
		a.e.t.Fatalf("the loopback listener received %v, want nothing", q)
	default:
	}
}

// browser is a net/http client with a cookie jar that follows redirects,
// as a browser does.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// page is a response as the browser ended on it.
type page struct {
	status int
	url    *url.URL
	header http.Header
	body   string
}

func (p *page) path() string { return p.url.Path }

func (b *browser) do(req *http.Request) *page {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := &page{status: resp.StatusCode, url: resp.Request.URL, header: resp.Header, body: string(body)}
	if strings.HasPrefix(p.url.String(), b.e.base+"/") && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		checkPage(b.e.t, p)
	}
	return p
}

func (b *browser) get(u string) *page {
	b.e.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.e.base + u
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) *page {
	b.e.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.e.base + u
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	formRe   = regexp.MustCompile(`(?is)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// form finds the post form of p with the given action and its hidden fields.
func (p *page) form(t *testing.T, action string) url.Values {
	t.Helper()
	for _, m := range formRe.FindAllStringSubmatch(p.body, -1) {
		if html.UnescapeString(m[1]) != action {
			continue
		}
		v := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		return v
	}
	t.Fatalf("page %s (status %d) has no form posting to %s:\n%s", p.url, p.status, action, p.body)
	return nil
}

// forms lists the actions of p's post forms.
func (p *page) forms() []string {
	var out []string
	for _, m := range formRe.FindAllStringSubmatch(p.body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// submit fills the form of p that posts to action, as a person would, and
// sends it with its hidden fields (the CSRF token among them).
func (b *browser) submit(p *page, action string, fields map[string]string) *page {
	b.e.t.Helper()
	v := p.form(b.e.t, action)
	for k, val := range fields {
		v.Set(k, val)
	}
	to, err := p.url.Parse(action)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.post(to.String(), v)
}

func (p *page) want(t *testing.T, status int, path string, texts ...string) {
	t.Helper()
	if p.status != status || (path != "" && p.path() != path) {
		t.Fatalf("at %s with status %d, want %s with %d; body:\n%s", p.url, p.status, path, status, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page %s does not say %q:\n%s", p.url, s, p.body)
		}
	}
}

var secretRe = regexp.MustCompile(`<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>`)

// secret reads the TOTP key an enrollment page shows for copying.
func (p *page) secret(t *testing.T) string {
	t.Helper()
	m := secretRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("page %s shows no TOTP key:\n%s", p.url, p.body)
	}
	if !strings.Contains(p.body, `src="data:image/png;base64,`) {
		t.Fatalf("page %s shows no QR code", p.url)
	}
	return strings.ReplaceAll(m[1], " ", "")
}

var (
	inputIDRe  = regexp.MustCompile(`<input id="([^"]+)"`)
	describeRe = regexp.MustCompile(`aria-describedby="([^"]+)"`)
	styleRe    = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
)

// checkPage checks what every page of ours must have: one h1, a language,
// a label for every visible input, every aria-describedby pointing at an
// element, and a Content-Security-Policy that allows its style by hash.
func checkPage(t *testing.T, p *page) {
	t.Helper()
	if n := strings.Count(p.body, "<h1"); n != 1 {
		t.Errorf("page %s has %d h1 elements, want 1", p.url, n)
	}
	if !strings.Contains(p.body, `<html lang="en">`) {
		t.Errorf("page %s has no language", p.url)
	}
	for _, m := range inputIDRe.FindAllStringSubmatch(p.body, -1) {
		if !strings.Contains(p.body, `<label for="`+m[1]+`"`) {
			t.Errorf("page %s: input %s has no label", p.url, m[1])
		}
	}
	for _, m := range describeRe.FindAllStringSubmatch(p.body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !strings.Contains(p.body, `id="`+id+`"`) {
				t.Errorf("page %s: aria-describedby names %s, which is not on the page", p.url, id)
			}
		}
	}
	if m := styleRe.FindStringSubmatch(p.body); m != nil {
		sum := sha256.Sum256([]byte(m[1]))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(p.header.Get("Content-Security-Policy"), want) {
			t.Errorf("page %s: the Content-Security-Policy %q does not allow its style (%s)", p.url, p.header.Get("Content-Security-Policy"), want)
		}
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Cache-Control"} {
		if p.header.Get(h) == "" {
			t.Errorf("page %s has no %s header", p.url, h)
		}
	}
}

// signIn takes b through a code flow for email and password to the consent
// page, enrolling TOTP when the page asks; it returns the consent page, the
// authorization and the TOTP secret (when it enrolled).
func (e *env) signIn(b *browser, email, password string) (*page, *authorization, string) {
	e.t.Helper()
	a, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p.want(e.t, http.StatusOK, "/login", "Sign in")
	p = b.submit(p, "/login", map[string]string{"email": email, "password": password})
	var secret string
	switch p.path() {
	case "/login/mfa/enroll":
		secret = p.secret(e.t)
		p = b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(secret)})
	case "/login/mfa":
		e.t.Fatalf("signIn: %s is already enrolled; use signInEnrolled", email)
	default:
		e.t.Fatalf("after the password: at %s (%d):\n%s", p.url, p.status, p.body)
	}
	p.want(e.t, http.StatusOK, "/consent", "Allow access?")
	return p, a, secret
}

// signInEnrolled is signIn for a person with TOTP set up.
func (e *env) signInEnrolled(b *browser, email, password, secret string) (*page, *authorization) {
	e.t.Helper()
	a, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p = b.submit(p, "/login", map[string]string{"email": email, "password": password})
	p.want(e.t, http.StatusOK, "/login/mfa", "Enter your code")
	e.nextStep()
	p = b.submit(p, "/login/mfa", map[string]string{"code": e.code(secret)})
	p.want(e.t, http.StatusOK, "/consent", "Allow access?")
	return p, a
}

// sessionCookie is the value of b's session cookie for the env's server.
func (b *browser) sessionCookie(name string) string {
	u, _ := url.Parse(b.e.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func contains[T comparable](xs []T, x T) bool { return slices.Contains(xs, x) }
