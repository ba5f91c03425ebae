package signin_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/testutil/chromiumtest"
	"github.com/wsctl/wsctl/internal/testutil/hubspottest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// "Sign in with HubSpot" driven in a real headless Chromium against
// hubspottest, our stand-in for HubSpot's OAuth 2.0 (log in, choose
// account, connect app), with the org bound to HubSpot account 4242.

const (
	hubClientID     = "hubspot-app-client"
	hubClientSecret = "hubspot-app-secret"
	acmePortal      = 4242
	agencyPortal    = 9999
)

var (
	acmeHub   = hubspottest.Portal{ID: acmePortal, Domain: "acme.hubspot.example"}
	agencyHub = hubspottest.Portal{ID: agencyPortal, Domain: "agency.hubspot.example"}
	// pat may choose the org's account or an agency's.
	hubPat   = hubspottest.User{ID: 101, Email: "pat@acme.example", Portals: []hubspottest.Portal{acmeHub, agencyHub}}
	hubQuinn = hubspottest.User{ID: 102, Email: "quinn@acme.example", Portals: []hubspottest.Portal{acmeHub}}
	hubCara  = hubspottest.User{ID: 103, Email: "cara@acme.example", Portals: []hubspottest.Portal{acmeHub}}
)

// hubEnv is env with the org bound to HubSpot account 4242 (the stand-in)
// and a Chromium to drive the pages.
type hubEnv struct {
	*env
	hub    *hubspottest.Server
	chrome context.Context
}

// newHubSpotEnv binds the org to HubSpot only (no password form), as
// set-idp --kind hubspot does by default; change alters the configuration.
func newHubSpotEnv(t *testing.T, change func(*workspace.IdentityProvider)) *hubEnv {
	t.Helper()
	chrome := chromiumtest.New(t) // first: without Chromium the test skips (fails under CI) before anything starts
	e := newEnv(t)
	hub := hubspottest.New(t, hubspottest.Config{ClientID: hubClientID, ClientSecret: hubClientSecret, RedirectURL: e.base + "/login/upstream/callback"},
		hubPat, hubQuinn, hubCara)
	idp := workspace.IdentityProvider{Kind: workspace.ProviderHubSpot, ClientID: hubClientID, ClientSecret: hubClientSecret,
		AuthorizeURL: hub.AuthorizeURL(), TokenURL: hub.TokenURL(), TokenInfoURL: hub.TokenInfoURL(), PortalID: fmt.Sprint(acmePortal), ProviderOnly: true}
	if change != nil {
		change(&idp)
	}
	if _, err := e.acc.SetIdentityProvider(e.ctx, e.operator(), idp); err != nil {
		t.Fatalf("bind the org to HubSpot: %v", err)
	}
	return &hubEnv{env: e, hub: hub, chrome: chrome}
}

// tab is one person's browser: a tab with cookies of its own.
type tab struct {
	h   *hubEnv
	ctx context.Context
}

func (h *hubEnv) newTab() *tab { return &tab{h: h, ctx: chromiumtest.Fresh(h.t, h.chrome)} }

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.h.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.h.t.Fatalf("%s: %v\nat %s:\n%s", what, err, b.location(), b.text())
	}
}

// leave runs steps that leave the page (a click, a submit) and waits until
// the browser shows the next page, loaded.
func (b *tab) leave(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.h.t.Helper()
	b.do(what, append([]chromedp.Action[chromedp.Void]{chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`window.__leaving = true`)(ctx, t)
		return err
	})}, steps...)...)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__leaving !== true && document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			return
		}
	}
	b.h.t.Fatalf("%s: no new page within 20s (at %s)", what, b.location())
}

func (b *tab) open(u string) {
	b.h.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.h.base + u
	}
	b.do("open "+u, chromedp.Navigate(u))
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *tab) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// count is the number of elements matching a CSS selector.
func (b *tab) count(selector string) int {
	b.h.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, selector)))
	if err != nil {
		b.h.t.Fatalf("count %s: %v", selector, err)
	}
	return n
}

// want checks that the browser shows workspaced's page at path and that
// the page says every text.
func (b *tab) want(path string, texts ...string) {
	b.h.t.Helper()
	loc, body := b.location(), b.text()
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, b.h.base+"/") || u.Path != path {
		b.h.t.Fatalf("at %s, want %s%s:\n%s", loc, b.h.base, path, body)
	}
	for _, s := range texts {
		if !strings.Contains(body, s) {
			b.h.t.Fatalf("the page at %s does not say %q:\n%s", loc, s, body)
		}
	}
}

// signInWithHubSpot clicks the page's HubSpot button and, at HubSpot, logs
// in as email, chooses the account (portal) and connects the app; the
// browser ends back at workspaced.
func (b *tab) signInWithHubSpot(email string, portal int64) {
	b.h.t.Helper()
	b.leave("click the HubSpot button", chromedp.Click(chromedp.CSS(`a[href^="/login/upstream/"]`)))
	b.leave("log in at HubSpot", chromedp.SendKeys(chromedp.CSS("#hs-email"), email), chromedp.Click(chromedp.CSS("#hs-login")))
	radio := fmt.Sprintf("#hs-portal-%d", portal)
	b.leave("choose the account", chromedp.Click(chromedp.CSS(radio)), chromedp.Click(chromedp.CSS("#hs-choose")))
	b.leave("connect the app", chromedp.Click(chromedp.CSS("#hs-terms")), chromedp.Click(chromedp.CSS("#hs-connect")))
}

// enrollTOTP answers the MFA enrollment page with a code from the key it
// shows, as an authenticator app would.
func (b *tab) enrollTOTP() {
	b.h.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#totp-secret")))
	if err != nil {
		b.h.t.Fatalf("enrollment page: %v\n%s", err, b.text())
	}
	b.enterCode(b.h.code(strings.ReplaceAll(strings.TrimSpace(secret), " ", "")))
}

func (b *tab) enterCode(code string) {
	b.h.t.Helper()
	b.leave("enter the code", chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Submit(chromedp.CSS("#code")))
}

// startLogin starts wsctl's authorization for the org and opens it: the
// org's sign-in page.
func (b *tab) startLogin() *authorization {
	b.h.t.Helper()
	a, u := b.h.startAuthorization(oauth2.SetAuthURLParam("login_hint", "org:acme"))
	b.open(u)
	b.want("/login", "Sign in with HubSpot")
	return a
}

// loginWithHubSpot starts wsctl's login in a fresh browser and signs in
// with HubSpot as email, choosing portal.
func (h *hubEnv) loginWithHubSpot(email string, portal int64) (*tab, *authorization) {
	h.t.Helper()
	b := h.newTab()
	a := b.startLogin()
	b.signInWithHubSpot(email, portal)
	return b, a
}

func (h *hubEnv) users() []workspace.User {
	h.t.Helper()
	us, _, err := h.svc.ListUsers(h.ctx, h.operator(), workspace.UserFilter{Status: workspace.UsersAll})
	if err != nil {
		h.t.Fatal(err)
	}
	return us
}

func TestHubSpot_ExistingUserSignsIn_ThenTOTP_Consent(t *testing.T) {
	h := newHubSpotEnv(t, nil)
	h.addUser("Pat Lee", "pat@acme.example", "", "user")
	b, a := h.loginWithHubSpot("pat@acme.example", acmePortal)
	b.want("/login/mfa/enroll", "Set up MFA")
	b.enrollTOTP()
	b.want("/consent", "Allow access?", "pat@acme.example")
	b.leave("allow", chromedp.Click(chromedp.CSS(`button[value="allow"]`)))
	if tok := a.token(); tok.AccessToken == "" {
		t.Fatal("no access token after signing in with HubSpot")
	}
	if u := h.user("pat@acme.example"); !u.MFAEnrolled || u.LastSignInAt == nil {
		t.Fatalf("after the sign-in: %+v", u)
	}
}

func TestHubSpot_OtherPortalRefused(t *testing.T) {
	h := newHubSpotEnv(t, nil)
	h.addUser("Pat Lee", "pat@acme.example", "", "user")
	b, _ := h.loginWithHubSpot("pat@acme.example", agencyPortal)
	b.want("/login/upstream/callback", "You cannot sign in here", "HubSpot account 9999", "choose account 4242")
	if n := b.count("#code"); n != 0 {
		t.Fatal("a sign-in with another HubSpot account reached MFA")
	}
}

// The state of a round trip through HubSpot is single use: opening the
// callback URL again (back button, a copied link) is refused.
func TestHubSpot_CallbackReplayRefused(t *testing.T) {
	h := newHubSpotEnv(t, nil)
	h.addUser("Pat Lee", "pat@acme.example", "", "user")
	b, _ := h.loginWithHubSpot("pat@acme.example", acmePortal)
	b.want("/login/mfa/enroll")
	redirects := h.hub.Redirects()
	if len(redirects) != 1 || !strings.Contains(redirects[0], "state=") {
		t.Fatalf("HubSpot's redirects: %v", redirects)
	}
	b.open(redirects[0])
	b.want("/login/upstream/callback", "Sign-in not recognized", "already used")
	other := h.newTab() // nor in another browser
	other.open(redirects[0])
	other.want("/login/upstream/callback", "Sign-in not recognized")
}

// A HubSpot user whose email changed at HubSpot is still the same user
// here: the binding to (portal, HubSpot user id) decides, not the email.
func TestHubSpot_EmailChangedAtHubSpot_SameUserSignsIn(t *testing.T) {
	h := newHubSpotEnv(t, nil)
	pat := h.addUser("Pat Lee", "pat@acme.example", "", "user")
	b, _ := h.loginWithHubSpot("pat@acme.example", acmePortal)
	b.want("/login/mfa/enroll")
	b.enrollTOTP()
	b.want("/consent", "pat@acme.example")

	h.hub.SetEmail(hubPat.ID, "pat.lee@acme.example")
	b, _ = h.loginWithHubSpot("pat.lee@acme.example", acmePortal)
	b.want("/login/mfa", "Enter your code", "pat@acme.example")
	if us := h.users(); len(us) != 2 || !slices.ContainsFunc(us, func(u workspace.User) bool { return u.ID == pat.ID }) {
		t.Fatalf("users after the email change: %v, want ada and pat only (nobody signed up)", us)
	}
}

// R7 from the org's own sign-in page (the link an admin shares): every
// user of the org's HubSpot account signs up while signup mode is on:
// active, role user, no licenses; with it off they are refused.
func TestHubSpot_AutoSignup_R7(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signup bool
		path   string
		says   []string
	}{
		{"signup mode on", true, "/login/mfa/enroll", []string{"Set up MFA"}},
		{"signup mode off", false, "/login/upstream/callback", []string{"You cannot sign in here", "Automatic sign-up is off for Acme", "invite"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHubSpotEnv(t, nil)
			if err := h.svc.SetSignupMode(h.ctx, h.adminPrincipal(), tc.signup); err != nil {
				t.Fatal(err)
			}
			b := h.newTab()
			b.open("/login?org=acme")
			b.want("/login", "Sign in with HubSpot")
			b.signInWithHubSpot("quinn@acme.example", acmePortal)
			b.want(tc.path, tc.says...)
			u, err := h.svc.GetUser(h.ctx, h.operator(), "quinn@acme.example")
			if !tc.signup {
				if workspace.CodeOf(err) != "not_found" {
					t.Fatalf("quinn was added with signup mode off: %+v %v", u, err)
				}
				return
			}
			if err != nil || !u.Active || !slices.Equal(u.Roles, []workspace.Role{workspace.RoleUser}) || len(u.Licenses) != 0 {
				t.Fatalf("user added by automatic sign-up: %+v %v", u, err)
			}
			b.enrollTOTP()
			b.want("/login/mfa/enroll", "You are signed in")
		})
	}
}

// R6: an invite link completed through HubSpot; HubSpot's email must be
// the invited one.
func TestHubSpot_InviteCompletedThroughHubSpot_R6(t *testing.T) {
	h := newHubSpotEnv(t, nil)
	if err := h.svc.SetSignupMode(h.ctx, h.adminPrincipal(), false); err != nil {
		t.Fatal(err)
	}
	b := h.newTab()
	b.open(h.invite("Cara Cole", "cara@acme.example", []string{"manager"}, []string{"flow"}))
	b.want("/signup", "Sign up with HubSpot", "cara@acme.example")
	if n := b.count(`input[type="password"]`); n != 0 {
		t.Fatalf("the invite page of a HubSpot-only org has %d password fields", n)
	}
	b.signInWithHubSpot("cara@acme.example", acmePortal)
	b.want("/signup/enroll", "Set up MFA")
	b.enrollTOTP()
	b.want("/signup/enroll", "Welcome to Acme")
	u := h.user("cara@acme.example")
	if !u.Active || !slices.Equal(u.Roles, []workspace.Role{"manager"}) || !slices.Equal(u.Licenses, []string{"flow"}) || !u.MFAEnrolled {
		t.Fatalf("user after the invite: %+v", u)
	}
	// The invite bound cara's HubSpot account: a new email at HubSpot still signs her in.
	h.hub.SetEmail(hubCara.ID, "cara.cole@acme.example")
	if got, err := h.acc.SignInUpstream(h.ctx, h.org.ID, workspace.UpstreamIdentity{Subject: "103", Email: "cara.cole@acme.example",
		EmailVerified: true, Account: "4242"}, ""); err != nil || got.ID != u.ID {
		t.Fatalf("cara after her email changed: %+v %v", got, err)
	}

	b = h.newTab()
	b.open(h.invite("Dan Doe", "dan@acme.example", []string{"user"}, []string{"flow"}))
	b.signInWithHubSpot("pat@acme.example", acmePortal)
	b.want("/login/upstream/callback", "This invite is for someone else", "dan@acme.example", "pat@acme.example")
}

func TestHubSpot_DeactivatedUserRefused_R9(t *testing.T) {
	h := newHubSpotEnv(t, nil)
	h.addUser("Pat Lee", "pat@acme.example", "", "user")
	if _, err := h.svc.Deactivate(h.ctx, h.adminPrincipal(), "pat@acme.example"); err != nil {
		t.Fatal(err)
	}
	b, _ := h.loginWithHubSpot("pat@acme.example", acmePortal)
	b.want("/login/upstream/callback", "Account deactivated")
}

// The org's sign-in page shows only "Sign in with HubSpot" unless the
// operator kept local accounts, and then the password form too.
func TestHubSpot_OrgSignInPage_OnlyTheHubSpotButton(t *testing.T) {
	for _, tc := range []struct {
		name          string
		providerOnly  bool
		passwordForms int
	}{
		{"HubSpot only", true, 0},
		{"local accounts kept", false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHubSpotEnv(t, func(p *workspace.IdentityProvider) { p.ProviderOnly = tc.providerOnly })
			b := h.newTab()
			orgPage := func() { b.open("/login?org=acme") }
			wsctlLogin := func() { b.startLogin() }
			for _, open := range []func(){orgPage, wsctlLogin} {
				open()
				b.want("/login", "Sign in with HubSpot")
				if n := b.count(`form[action="/login"] input[type="password"]`); n != tc.passwordForms {
					t.Fatalf("%s: %d password fields, want %d", b.location(), n, tc.passwordForms)
				}
				if n := b.count(`form[action="/login/upstream"]`); n != 0 {
					t.Fatalf("%s: the page asks for the organization's provider although it knows the org", b.location())
				}
			}
		})
	}
}
