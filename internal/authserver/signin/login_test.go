package signin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/workspace"
)

func TestLogin_PasswordEnrollConsent_CompletesAuthorization(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	a, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p.want(t, http.StatusOK, "/login", "Sign in", `value="acme"`)

	p = b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword})
	p.want(t, http.StatusOK, "/login/mfa/enroll", "Set up MFA", "authenticator app")
	secret := p.secret(t)

	p = b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(secret)})
	p.want(t, http.StatusOK, "/consent", "Allow access?", "wsctl", "ada@acme.example", "Acme",
		"Read the audit log (audit:read)", "Reset other people&#39;s MFA (mfa:reset)")

	b.submit(p, "/consent", map[string]string{"decision": "allow"})
	tok := a.token()
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token %+v: want an access and a refresh token", tok)
	}
	u := e.user("ada@acme.example")
	if !u.MFAEnrolled || u.LastSignInAt == nil || !u.LastSignInAt.Equal(e.clock.Now()) {
		t.Fatalf("after sign-in: mfa_enrolled %v, last_sign_in_at %v", u.MFAEnrolled, u.LastSignInAt)
	}
}

func TestLogin_DenyAtConsent_ClientGetsAccessDenied(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	p, a, _ := e.signIn(b, "ada@acme.example", adaPassword)
	b.submit(p, "/consent", map[string]string{"decision": "deny"})
	select {
	case q := <-a.got:
		if q.Get("error") != "access_denied" || q.Get("code") != "" {
			t.Fatalf("loopback got %v, want error=access_denied and no code", q)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the client heard nothing after Deny")
	}
}

func TestLogin_SecondSignInAsksForCodeOnly(t *testing.T) {
	e := newEnv(t)
	_, _, secret := e.signIn(e.newBrowser(), "ada@acme.example", adaPassword)

	// A new browser: password, then a code (no enrollment), then consent.
	b := e.newBrowser()
	p, a := e.signInEnrolled(b, "ada@acme.example", adaPassword, secret)
	b.submit(p, "/consent", map[string]string{"decision": "allow"})
	a.token()

	// The same browser, still signed in: straight to consent.
	a, p = e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p.want(t, http.StatusOK, "/consent", "Allow access?")
	b.submit(p, "/consent", map[string]string{"decision": "allow"})
	a.token()
}

func TestLogin_WrongPasswordAndCode_MessagesTiedToTheField(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	_, p := e.authorize(b)
	p.want(t, http.StatusOK, "/login")

	wrong := b.submit(p, "/login", map[string]string{"org": "acme", "email": "ada@acme.example", "password": "not the password"})
	wrong.want(t, http.StatusUnprocessableEntity, "/login", `aria-describedby="password-error"`, `aria-invalid="true"`,
		`<p class="field-error" id="password-error">Wrong organization, email or password.`, `value="ada@acme.example"`)
	nobody := b.submit(wrong, "/login", map[string]string{"org": "acme", "email": "nobody@acme.example", "password": "not the password"})
	noOrg := b.submit(wrong, "/login", map[string]string{"org": "nope", "email": "ada@acme.example", "password": adaPassword})
	for _, other := range []*page{nobody, noOrg} {
		other.want(t, http.StatusUnprocessableEntity, "/login", `<p class="field-error" id="password-error">Wrong organization, email or password.`)
	}
	empty := b.submit(wrong, "/login", map[string]string{"org": "acme", "email": "", "password": ""})
	empty.want(t, http.StatusUnprocessableEntity, "/login", `id="email-error">Enter your email address.`, `id="password-error">Enter your password.`)

	p = b.submit(wrong, "/login", map[string]string{"org": "acme", "email": "ada@acme.example", "password": adaPassword})
	p.want(t, http.StatusOK, "/login/mfa/enroll")
	secret := p.secret(t)
	bad := b.submit(p, "/login/mfa/enroll", map[string]string{"code": "000000"})
	if e.code(secret) == "000000" {
		t.Skip("the real code is 000000 this step")
	}
	bad.want(t, http.StatusUnprocessableEntity, "/login/mfa/enroll", `aria-describedby="code-error"`,
		`id="code-error">That code is not right.`)
	if bad.secret(t) != secret {
		t.Fatal("a wrong first code replaced the pending secret")
	}
	p = b.submit(bad, "/login/mfa/enroll", map[string]string{"code": e.code(secret)})
	p.want(t, http.StatusOK, "/consent")

	// At the next sign-in, the code just used is refused as a replay.
	b2 := e.newBrowser()
	_, p = e.authorize(b2, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p = b2.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword})
	p.want(t, http.StatusOK, "/login/mfa")
	p = b2.submit(p, "/login/mfa", map[string]string{"code": e.code(secret)})
	p.want(t, http.StatusUnprocessableEntity, "/login/mfa", `id="code-error">That code was already used.`)
}

// Security finding 5 (issue 12): wrong passwords slow down the browser's
// address with a wait it is told (429 with Retry-After), instead of
// locking the account for everyone.
func TestLogin_WrongPasswordsMakeThisAddressWait(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	_, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	for i := 1; i <= workspace.FreeSignInAttempts; i++ {
		p = b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": "guess " + string(rune('0'+i))})
		p.want(t, http.StatusUnprocessableEntity, "/login", "Wrong organization, email or password")
	}
	right := b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword})
	right.want(t, http.StatusTooManyRequests, "/login", "Too many attempts", "wait until")
	if got := right.header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1 (the first wait)", got)
	}

	// Once the wait is over the right password works.
	e.clock.Advance(time.Second)
	p = b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword})
	p.want(t, http.StatusOK, "/login/mfa/enroll")
}

func TestLogin_WrongCodesLockTheAccountToo(t *testing.T) {
	e := newEnv(t)
	_, _, secret := e.signIn(e.newBrowser(), "ada@acme.example", adaPassword)
	b := e.newBrowser()
	_, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p = b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword})
	e.nextStep()
	// Wrong codes lock the account (reaching them takes the password, so
	// nobody else can trigger this lock); the right password again does
	// not clear them.
	for i := 1; i < workspace.MaxFailedSignIns; i++ {
		p = b.submit(p, "/login/mfa", map[string]string{"code": "12345x"})
		p.want(t, http.StatusUnprocessableEntity, "/login/mfa", "That code is not right")
	}
	b.submit(p, "/login/mfa", map[string]string{"code": "12345x"}).want(t, http.StatusTooManyRequests, "/login/mfa", "locked until")
	b.submit(p, "/login/mfa", map[string]string{"code": e.code(secret)}).want(t, http.StatusTooManyRequests, "/login/mfa", "locked until")
}

func TestLogin_DeactivatedUserCannotSignIn_R9(t *testing.T) {
	e := newEnv(t)
	e.addUser("Bob User", "bob@acme.example", "bob's long password", "user")

	// Bob signs in up to consent; then an admin deactivates him.
	b := e.newBrowser()
	p, a, _ := e.signIn(b, "bob@acme.example", "bob's long password")
	if _, err := e.svc.Deactivate(e.ctx, e.adminPrincipal(), "bob@acme.example"); err != nil {
		t.Fatal(err)
	}
	b.submit(p, "/consent", map[string]string{"decision": "allow"}).want(t, http.StatusForbidden, "/consent", "Your session has ended")
	a.nothingReceived()

	// A new sign-in with the right password is refused, clearly.
	b2 := e.newBrowser()
	_, p = e.authorize(b2, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	b2.submit(p, "/login", map[string]string{"email": "bob@acme.example", "password": "bob's long password"}).
		want(t, http.StatusForbidden, "/login", "Account deactivated", "ask an admin of your organization to activate it")
}

func TestResetMFA_NextSignInEnrollsAgain_OldSessionsEnd_R12(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	consent, a, oldSecret := e.signIn(b, "ada@acme.example", adaPassword)
	bob := e.addUser("Bob Admin", "bob@acme.example", "", "admin")
	reset := workspace.Principal{OrgID: e.org.ID, UserID: bob.ID, Email: bob.Email, Roles: []workspace.Role{workspace.RoleAdmin}, Scopes: workspace.AllScopes}
	if _, err := e.svc.ResetMFA(e.ctx, reset, "ada@acme.example"); err != nil {
		t.Fatal(err)
	}

	// The session Ada had is gone: the open consent page no longer works,
	// and the browser is sent to sign in again.
	b.submit(consent, "/consent", map[string]string{"decision": "allow"}).want(t, http.StatusForbidden, "/consent", "Your session has ended")
	a.nothingReceived()
	q := url.Values{"authRequest": {consent.form(t, "/consent").Get("authRequest")}}
	b.get("/consent?"+q.Encode()).want(t, http.StatusOK, "/login", "Sign in")

	// The next sign-in enrolls a new secret; the old one's codes are useless.
	e.nextStep()
	_, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p = b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword})
	p.want(t, http.StatusOK, "/login/mfa/enroll")
	newSecret := p.secret(t)
	if newSecret == oldSecret {
		t.Fatal("enrollment after the reset shows the old secret")
	}
	b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(oldSecret)}).
		want(t, http.StatusUnprocessableEntity, "/login/mfa/enroll", "That code is not right")
	b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(newSecret)}).want(t, http.StatusOK, "/consent")
}

func TestLogin_UnknownOrExpiredRequest_ClearPage(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.get("/login").want(t, http.StatusBadRequest, "/login", "This sign-in has expired", "wsctl auth login")
	b.get("/login?authRequest=nope").want(t, http.StatusBadRequest, "/login", "This sign-in has expired")
	b.get("/consent?authRequest=nope").want(t, http.StatusBadRequest, "/consent", "This sign-in has expired")
}

func TestLogin_SignOutEndsTheSession(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	p, _, _ := e.signIn(b, "ada@acme.example", adaPassword)
	out := b.submit(p, "/logout", nil)
	out.want(t, http.StatusOK, "/logout", "You are signed out", "Sign in with another account")
	if !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out does not clear the cookie: %q", out.header.Get("Set-Cookie"))
	}
	q := url.Values{"authRequest": {p.form(t, "/consent").Get("authRequest")}}
	b.get("/consent?"+q.Encode()).want(t, http.StatusOK, "/login")
}
