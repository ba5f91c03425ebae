package signin_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/oauth2"
	"golang.org/x/text/language"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The upstream identity provider of these tests is a real OpenID Connect
// provider run in-process on loopback: zitadel/oidc's example OP (its op
// package with the example in-memory storage and login page), with the
// people below as its users and the env's callback as its client's
// redirect. Its ID tokens carry no email, so the pages read it from the
// provider's userinfo endpoint, as with many real providers.

const (
	idpClientID     = "workspace"
	idpClientSecret = "idp-client-secret"
	idpPassword     = "idp-password"
)

// idpUsers implements the example storage's UserStore.
type idpUsers map[string]*storage.User

func (u idpUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u idpUsers) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}
func (u idpUsers) ExampleClientID() string { return storage.ServiceUserID }

func idpUser(username, email string, verified bool) *storage.User {
	return &storage.User{ID: "sub-" + username, Username: username, Password: idpPassword, FirstName: "Pat", LastName: "Lee",
		Email: email, EmailVerified: verified, PreferredLanguage: language.English}
}

// newProvider starts the provider and makes it the org's, with the given
// allowed email domains.
func (e *env) newProvider(domains ...string) {
	e.t.Helper()
	users := idpUsers{}
	for _, u := range []*storage.User{
		idpUser("pat", "pat@acme.example", true),
		idpUser("sam", "sam@other.example", true),
		idpUser("una", "una@acme.example", false),
		idpUser("cara", "cara@acme.example", true),
	} {
		users[u.ID] = u
	}
	clients := map[string]*storage.Client{idpClientID: storage.WebClient(idpClientID, idpClientSecret, e.base+"/login/upstream/callback")}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = exampleop.SetupServer(issuer, storage.NewStorageWithClients(users, clients), nil, false)
	srv.Start()
	e.t.Cleanup(srv.Close)
	_, err := e.acc.SetIdentityProvider(e.ctx, e.operator(), workspace.IdentityProvider{Name: "TestIdP", Issuer: issuer,
		ClientID: idpClientID, ClientSecret: idpClientSecret, Domains: domains})
	if err != nil {
		e.t.Fatalf("set the identity provider: %v", err)
	}
}

// atProvider signs in on the provider's own login page as username and
// returns the page the browser ends on back here.
func (b *browser) atProvider(p *page, username string) *page {
	b.e.t.Helper()
	if p.path() != "/login/username" {
		b.e.t.Fatalf("at %s (%d), want the provider's login page:\n%s", p.url, p.status, p.body)
	}
	return b.submit(p, "/login/username", map[string]string{"username": username, "password": idpPassword})
}

// upstreamSignIn starts a wsctl authorization and signs in through the
// org's provider as username.
func (e *env) upstreamSignIn(b *browser, username string) (*authorization, *page) {
	e.t.Helper()
	a, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p.want(e.t, http.StatusOK, "/login", "Sign in with TestIdP")
	return a, b.atProvider(b.get(providerHref(e.t, p)), username)
}

var providerLinkRe = regexp.MustCompile(`<a class="button(?: secondary)?" href="([^"]+)">Sign (?:in|up) with`)

// providerHref is the address of the page's "Sign in with <provider>" button.
func providerHref(t *testing.T, p *page) string {
	t.Helper()
	m := providerLinkRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("page %s has no provider button:\n%s", p.url, p.body)
	}
	return html.UnescapeString(m[1])
}

func TestUpstream_NewPersonOfAllowedDomainSignsUpWhileSignupModeOn_R7(t *testing.T) {
	e := newEnv(t)
	e.newProvider("acme.example")
	b := e.newBrowser()
	a, p := e.upstreamSignIn(b, "pat")
	p.want(t, http.StatusOK, "/login/mfa/enroll", "Set up MFA")
	p = b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(p.secret(t))})
	p.want(t, http.StatusOK, "/consent", "pat@acme.example")
	b.submit(p, "/consent", map[string]string{"decision": "allow"})
	a.token()

	u := e.user("pat@acme.example")
	if !u.Active || !slices.Equal(u.Roles, []workspace.Role{workspace.RoleUser}) || len(u.Licenses) != 0 || !u.MFAEnrolled || u.Name != "Pat Lee" {
		t.Fatalf("user added by R7: %+v", u)
	}
	events, _, err := e.svc.ListAudit(e.ctx, e.operator(), workspace.AuditFilter{Action: "user.signed_up"})
	if err != nil || len(events) != 1 || events[0].Target != "pat@acme.example" {
		t.Fatalf("audit of the sign-up: %v %+v", err, events)
	}
}

func TestUpstream_RefusedWhenSignupModeOff_ExistingUserStillSignsIn_R7(t *testing.T) {
	e := newEnv(t)
	e.newProvider("acme.example")
	if err := e.svc.SetSignupMode(e.ctx, e.adminPrincipal(), false); err != nil {
		t.Fatal(err)
	}
	_, p := e.upstreamSignIn(e.newBrowser(), "pat")
	p.want(t, http.StatusForbidden, "/login/upstream/callback", "You cannot sign in here", "Automatic sign-up is off for Acme", "invite")
	if _, err := e.svc.GetUser(e.ctx, e.operator(), "pat@acme.example"); workspace.CodeOf(err) != "not_found" {
		t.Fatalf("pat was added with signup mode off: %v", err)
	}

	// Someone who is a user already signs in through the provider.
	e.addUser("Pat Lee", "pat@acme.example", "", "user")
	_, p = e.upstreamSignIn(e.newBrowser(), "pat")
	p.want(t, http.StatusOK, "/login/mfa/enroll")
}

func TestUpstream_ForeignDomainOrUnverifiedEmailRefused_R7(t *testing.T) {
	e := newEnv(t)
	e.newProvider("acme.example")
	_, p := e.upstreamSignIn(e.newBrowser(), "sam")
	p.want(t, http.StatusForbidden, "/login/upstream/callback", "sam@other.example is not a user of Acme", "people from other.example cannot sign up on their own", "acme.example")
	_, p = e.upstreamSignIn(e.newBrowser(), "una")
	p.want(t, http.StatusForbidden, "/login/upstream/callback", "did not confirm your email address")
	for _, email := range []string{"sam@other.example", "una@acme.example"} {
		if _, err := e.svc.GetUser(e.ctx, e.operator(), email); workspace.CodeOf(err) != "not_found" {
			t.Fatalf("%s was added: %v", email, err)
		}
	}
}

func TestUpstream_DeactivatedUserRefused_R9(t *testing.T) {
	e := newEnv(t)
	e.newProvider("acme.example")
	e.addUser("Pat Lee", "pat@acme.example", "", "user")
	if _, err := e.svc.Deactivate(e.ctx, e.adminPrincipal(), "pat@acme.example"); err != nil {
		t.Fatal(err)
	}
	_, p := e.upstreamSignIn(e.newBrowser(), "pat")
	p.want(t, http.StatusForbidden, "/login/upstream/callback", "Account deactivated")
}

func TestUpstream_CallbackWithoutItsStateRefused(t *testing.T) {
	e := newEnv(t)
	e.newProvider("acme.example")
	b := e.newBrowser()
	b.get("/login/upstream/callback?code=x&state=y").want(t, http.StatusForbidden, "/login/upstream/callback", "Sign-in not recognized")

	// A state from another browser's sign-in does not work here either.
	_, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	noFollow := &http.Client{Jar: b.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.base + providerHref(t, p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	other := e.newBrowser()
	other.get("/login/upstream/callback?code=x&state="+loc.Query().Get("state")).want(t, http.StatusForbidden, "/login/upstream/callback", "Sign-in not recognized")
	if loc.Query().Get("code_challenge_method") != "S256" || loc.Query().Get("code_challenge") == "" || loc.Query().Get("nonce") == "" {
		t.Fatalf("the request to the provider %s lacks PKCE S256 or a nonce", loc)
	}
}

func TestSignup_InviteThroughTheOrgsProvider_R6(t *testing.T) {
	e := newEnv(t)
	e.newProvider("acme.example")
	link := e.invite("Cara Cole", "cara@acme.example", []string{"manager"}, []string{"flow"})
	b := e.newBrowser()
	p := b.get(link)
	p.want(t, http.StatusOK, "/signup", "Sign up with TestIdP")
	p = b.atProvider(b.get(providerHref(t, p)), "cara")
	p.want(t, http.StatusOK, "/signup/enroll", "Set up MFA")
	p = b.submit(p, "/signup/enroll", map[string]string{"code": e.code(p.secret(t))})
	p.want(t, http.StatusOK, "/signup/enroll", "Welcome to Acme")
	u := e.user("cara@acme.example")
	if !u.Active || !slices.Equal(u.Roles, []workspace.Role{"manager"}) || !slices.Equal(u.Licenses, []string{"flow"}) || !u.MFAEnrolled {
		t.Fatalf("user after signup: %+v", u)
	}
	// No password was set: a password sign-in fails like any wrong one.
	if _, err := e.acc.CheckPassword(e.ctx, "acme", "cara@acme.example", "", "192.0.2.1"); err != workspace.ErrBadCredentials {
		t.Fatalf("password sign-in of a provider-only user: %v", err)
	}

	// Someone else's provider account cannot use the invite.
	link = e.invite("Dan Doe", "dan@acme.example", []string{"user"}, []string{"flow"})
	p = b.get(link)
	p = b.atProvider(b.get(providerHref(t, p)), "pat")
	p.want(t, http.StatusForbidden, "/login/upstream/callback", "This invite is for dan@acme.example", "pat@acme.example")
}
