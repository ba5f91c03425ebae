package signin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

var signupLinkRe = regexp.MustCompile(`/signup\?token=(\S+)`)

// invite has Ada invite a person (signup mode off, R2) and returns the
// signup link of the email it wrote to the outbox.
func (e *env) invite(name, email string, roles, licenses []string) string {
	e.t.Helper()
	if err := e.svc.SetSignupMode(e.ctx, e.adminPrincipal(), false); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Invite(e.ctx, e.adminPrincipal(), workspace.InviteInput{Name: name, Email: email, Roles: roles, Licenses: licenses}); err != nil {
		e.t.Fatalf("invite %s: %v", email, err)
	}
	msgs, err := e.svc.Outbox(e.ctx, e.operator())
	if err != nil {
		e.t.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == email {
			m := signupLinkRe.FindStringSubmatch(msgs[i].Text)
			if m == nil {
				e.t.Fatalf("the invite email has no signup link:\n%s", msgs[i].Text)
			}
			return "/signup?token=" + m[1]
		}
	}
	e.t.Fatalf("no invite email to %s", email)
	return ""
}

func (e *env) inviteStatus(email string) workspace.InviteStatus {
	e.t.Helper()
	invs, _, err := e.svc.ListInvites(e.ctx, e.adminPrincipal(), workspace.InviteFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, inv := range invs {
		if inv.Email == email {
			return inv.Status
		}
	}
	e.t.Fatalf("no invite of %s", email)
	return ""
}

func TestSignup_InviteLinkMakesActiveUser_R6(t *testing.T) {
	e := newEnv(t)
	link := e.invite("Cara Cole", "cara@acme.example", []string{"manager", "user"}, []string{"flow", "agent-dialer"})
	b := e.newBrowser()
	p := b.get(link)
	p.want(t, http.StatusOK, "/signup", "Join Acme", "cara@acme.example", "manager, user", "agent-dialer, flow", `value="Cara Cole"`)

	// Field errors, each tied to its field.
	short := b.submit(p, "/signup", map[string]string{"password": "short", "confirm": "short"})
	short.want(t, http.StatusUnprocessableEntity, "/signup", `id="password-error">The password is too short`, `aria-describedby="password-hint password-error"`)
	mismatch := b.submit(p, "/signup", map[string]string{"password": "a fine long password", "confirm": "another long password"})
	mismatch.want(t, http.StatusUnprocessableEntity, "/signup", `id="confirm-error">The two passwords are not the same`)
	badName := b.submit(p, "/signup", map[string]string{"name": "C4ra", "password": "a fine long password", "confirm": "a fine long password"})
	badName.want(t, http.StatusUnprocessableEntity, "/signup", `id="name-error">Your name &#34;4&#34; is not allowed`)

	// Password, then TOTP; the first code makes the user.
	p = b.submit(p, "/signup", map[string]string{"name": "Cara Cole", "password": "a fine long password", "confirm": "a fine long password"})
	p.want(t, http.StatusOK, "/signup/enroll", "Set up MFA")
	if _, err := e.svc.GetUser(e.ctx, e.operator(), "cara@acme.example"); workspace.CodeOf(err) != "not_found" {
		t.Fatalf("the person exists before MFA is set up: %v", err)
	}
	secret := p.secret(t)
	if again := b.get(p.url.String()); again.secret(t) != secret {
		t.Fatal("reloading the MFA page changed the secret")
	}
	p = b.submit(p, "/signup/enroll", map[string]string{"code": e.code(secret)})
	p.want(t, http.StatusOK, "/signup/enroll", "Welcome to Acme", "You are signed up as cara@acme.example", "wsctl auth login --host "+e.base)

	u := e.user("cara@acme.example")
	if !u.Active || !slices.Equal(u.Roles, []workspace.Role{"manager", "user"}) || !slices.Equal(u.Licenses, []string{"agent-dialer", "flow"}) ||
		!u.MFAEnrolled || u.LastSignInAt == nil || u.Name != "Cara Cole" {
		t.Fatalf("user after signup: %+v", u)
	}
	if st := e.inviteStatus("cara@acme.example"); st != workspace.InviteAccepted {
		t.Fatalf("invite status %s, want accepted", st)
	}

	// The link works once: opened again (any browser) it says so clearly.
	used := e.newBrowser().get(link)
	used.want(t, http.StatusGone, "/signup", "This signup link does not work any more", "already used", "ask your admin to resend the invite")

	// Cara signs in with what she set up.
	b2 := e.newBrowser()
	p, a := e.signInEnrolled(b2, "cara@acme.example", "a fine long password", secret)
	b2.submit(p, "/consent", map[string]string{"decision": "allow"})
	a.token()
}

func TestSignup_ExpiredOrRevokedLink_ClearPage_R6(t *testing.T) {
	e := newEnv(t)
	// Revoked while the person is on the page.
	revoked := e.invite("Dan Doe", "dan@acme.example", []string{"user"}, []string{"flow"})
	b := e.newBrowser()
	p := b.get(revoked)
	p.want(t, http.StatusOK, "/signup")
	if _, err := e.svc.RevokeInvite(e.ctx, e.adminPrincipal(), "dan@acme.example"); err != nil {
		t.Fatal(err)
	}
	b.get(revoked).want(t, http.StatusGone, "/signup", "This signup link does not work any more", "revoked")
	b.submit(p, "/signup", map[string]string{"password": "a fine long password", "confirm": "a fine long password"}).
		want(t, http.StatusGone, "/signup", "This signup link does not work any more")

	expiring := e.invite("Eve Ray", "eve@acme.example", []string{"user"}, []string{"flow"})
	e.clock.Advance(workspace.InviteTTL + time.Minute)
	e.newBrowser().get(expiring).want(t, http.StatusGone, "/signup", "has expired")
	b.get("/signup?token=wsi_made_up").want(t, http.StatusGone, "/signup")
}

func TestSignup_MFAPageNeedsThePasswordStepFirst_R6(t *testing.T) {
	e := newEnv(t)
	link := e.invite("Fay Lin", "fay@acme.example", []string{"user"}, []string{"flow"})
	token := strings.TrimPrefix(link, "/signup?token=")
	b := e.newBrowser()
	b.get("/signup/enroll?token="+url.QueryEscape(mustUnescape(t, token))).want(t, http.StatusOK, "/signup", "Join Acme")
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	v, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
