package signin_test

import (
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/authserver/signin"
	"github.com/wsctl/wsctl/internal/workspace"
)

func TestCSRF_MissingOrWrongTokenRefused_OnEveryForm(t *testing.T) {
	e := newEnv(t)
	signupLink := e.invite("Cara Cole", "cara@acme.example", []string{"user"}, []string{"flow"})
	seen := map[string]bool{}
	var secret string

	// attack posts every form of p as it stands, but with the CSRF token
	// missing or wrong (and from a browser without the session), filled
	// with what would otherwise succeed: each is refused and changes nothing.
	attack := func(b *browser, p *page, fields map[string]string) {
		t.Helper()
		for _, action := range p.forms() {
			good := p.form(t, action)
			if good.Get("csrf_token") == "" {
				t.Errorf("the form %s on %s has no CSRF token", action, p.path())
			}
			for name, mutate := range map[string]func(url.Values){
				"missing": func(v url.Values) { v.Del("csrf_token") },
				"wrong":   func(v url.Values) { v.Set("csrf_token", "A"+good.Get("csrf_token")[1:]+"x") },
			} {
				v := url.Values{}
				for k := range good {
					v.Set(k, good.Get(k))
				}
				for k, val := range fields {
					v.Set(k, val)
				}
				mutate(v)
				r := b.post(action, v)
				if r.status != http.StatusForbidden || !strings.Contains(r.body, "security token did not match") {
					t.Errorf("POST %s with the CSRF token %s: status %d, want 403 with an explanation:\n%s", action, name, r.status, r.body)
				}
			}
			v := url.Values{}
			for k := range good {
				v.Set(k, good.Get(k))
			}
			if r := e.newBrowser().post(action, v); r.status != http.StatusForbidden {
				t.Errorf("POST %s from a browser without the session: status %d, want 403", action, r.status)
			}
			seen[action] = true
		}
	}

	b := e.newBrowser()
	_, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	login := map[string]string{"email": "ada@acme.example", "password": adaPassword}
	attack(b, p, login)
	p = b.submit(p, "/login", login)
	p.want(t, http.StatusOK, "/login/mfa/enroll")
	secret = p.secret(t)
	attack(b, p, map[string]string{"code": e.code(secret)})
	p = b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(secret)})
	p.want(t, http.StatusOK, "/consent")
	attack(b, p, map[string]string{"decision": "allow"})

	b2 := e.newBrowser()
	_, p = e.authorize(b2, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	p = b2.submit(p, "/login", login)
	p.want(t, http.StatusOK, "/login/mfa")
	e.nextStep()
	attack(b2, p, map[string]string{"code": e.code(secret)})
	b2.submit(p, "/login/mfa", map[string]string{"code": e.code(secret)}).want(t, http.StatusOK, "/consent")

	p = b.get("/device")
	attack(b, p, map[string]string{"user_code": "BCDF-GHJK"})

	b3 := e.newBrowser()
	p = b3.get(signupLink)
	form := map[string]string{"name": "Cara Cole", "password": "a fine long password", "confirm": "a fine long password"}
	attack(b3, p, form)
	p = b3.submit(p, "/signup", form)
	p.want(t, http.StatusOK, "/signup/enroll")
	attack(b3, p, map[string]string{"code": e.code(p.secret(t))})
	if _, err := e.svc.GetUser(e.ctx, e.operator(), "cara@acme.example"); workspace.CodeOf(err) != "not_found" {
		t.Fatalf("a forged signup post made the user: %v", err)
	}

	for _, action := range []string{"/login", "/login/mfa", "/login/mfa/enroll", "/consent", "/logout", "/device", "/signup", "/signup/enroll"} {
		if !seen[action] {
			t.Errorf("no form posting to %s was checked", action)
		}
	}
}

func TestCookies_HttpOnlyLax_SecureHostPrefixOverHTTPS(t *testing.T) {
	e := newEnv(t)
	c := sessionSetCookie(t, e.newBrowser().get("/device"))
	if c.Name != "ws_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.Domain != "" ||
		c.MaxAge != int(workspace.BrowserSessionTTL.Seconds()) {
		t.Fatalf("cookie over http: %+v", c)
	}

	// Over https: __Host-ws_session, Secure.
	tls := httptest.NewUnstartedServer(nil)
	tls.Config.Handler = signin.New(signin.Config{Service: e.svc, Accounts: e.acc, Authorizations: e.as,
		BaseURL: "https://" + tls.Listener.Addr().String(), Logger: slog.New(slog.DiscardHandler)})
	tls.StartTLS()
	t.Cleanup(tls.Close)
	resp, err := tls.Client().Get(tls.URL + "/device")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c = sessionSetCookie(t, &page{header: resp.Header})
	if c.Name != "__Host-ws_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie over https: %+v", c)
	}

	// Signing in replaces the session id (no fixation).
	b := e.newBrowser()
	_, p := e.authorize(b, oauth2.SetAuthURLParam("login_hint", "org:acme"))
	before := b.sessionCookie("ws_session")
	b.submit(p, "/login", map[string]string{"email": "ada@acme.example", "password": adaPassword}).want(t, http.StatusOK, "/login/mfa/enroll")
	if after := b.sessionCookie("ws_session"); after == "" || after == before {
		t.Fatal("the session id did not change at sign-in")
	}
}

func sessionSetCookie(t *testing.T, p *page) *http.Cookie {
	t.Helper()
	for _, line := range p.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && strings.HasSuffix(c.Name, "ws_session") {
			return c
		}
	}
	t.Fatalf("no session cookie set: %v", p.header.Values("Set-Cookie"))
	return nil
}

func TestPages_EscapeUserInput(t *testing.T) {
	e := newEnv(t)
	evil, err := e.svc.CreateOrg(e.ctx, workspace.OrgInput{Slug: "evil", Name: `Evil <script>alert(1)</script> Inc`,
		AdminName: "Eve Admin", AdminEmail: "eve@evil.example"})
	if err != nil {
		t.Fatal(err)
	}
	op := workspace.Operator(evil.Org.ID)
	if err := e.svc.SetSignupMode(e.ctx, op, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Invite(e.ctx, op, workspace.InviteInput{Name: "Zed", Email: "zed@evil.example", Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := e.svc.Outbox(e.ctx, op)
	link := signupLinkRe.FindStringSubmatch(msgs[len(msgs)-1].Text)[0]
	b := e.newBrowser()
	p := b.get(link)
	p.want(t, http.StatusOK, "/signup", "Evil &lt;script&gt;alert(1)&lt;/script&gt; Inc")

	_, p = e.authorize(b)
	p = b.submit(p, "/login", map[string]string{"org": `<img src=x onerror=alert(2)>`, "email": `"><script>alert(3)</script>`, "password": "x"})
	p.want(t, http.StatusUnprocessableEntity, "/login", "&lt;img src=x onerror=alert(2)&gt;", "&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;")

	p = b.get("/device?user_code=" + url.QueryEscape(`"><b>x</b>`))
	p.want(t, http.StatusOK, "/device", "&#34;&gt;&lt;B&gt;X&lt;/B&gt;")
	for _, raw := range []string{"<script>alert", "<img src=x", "<B>X</B>"} {
		for _, page := range []*page{p} {
			if strings.Contains(page.body, raw) {
				t.Fatalf("page %s holds unescaped %q", page.url, raw)
			}
		}
	}
}

func TestRateLimit_FormPostsPerIPAnswer429(t *testing.T) {
	e := newEnv(t, func(c *signin.Config) { c.RateLimit, c.RateBurst = rate.Every(time.Hour), 3 })
	b := e.newBrowser()
	p := b.get("/device")
	for i := 0; i < 3; i++ {
		b.submit(p, "/device", map[string]string{"user_code": ""}).want(t, http.StatusUnprocessableEntity, "/device")
	}
	r := b.submit(p, "/device", map[string]string{"user_code": ""})
	r.want(t, http.StatusTooManyRequests, "/device", "Too many attempts")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	b.get("/device").want(t, http.StatusOK, "/device") // pages still show
}

// deviceAuthorization is what a device (wsctl auth login --device) gets.
type deviceAuthorization struct {
	DeviceCode      string `json:"device_code"`
	UserCode        string `json:"user_code"`
	VerificationURI string `json:"verification_uri"`
}

func (e *env) startDevice() deviceAuthorization {
	e.t.Helper()
	resp, err := http.PostForm(e.base+"/oauth/device_authorization", url.Values{"client_id": {"wsctl"}, "scope": {strings.Join(allScopes, " ")}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var d deviceAuthorization
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.UserCode == "" {
		e.t.Fatalf("device authorization: status %d, %v", resp.StatusCode, err)
	}
	return d
}

// poll asks the token endpoint once, as the device does.
func (e *env) poll(d deviceAuthorization) map[string]any {
	e.t.Helper()
	resp, err := http.PostForm(e.base+"/oauth/token", url.Values{"client_id": {"wsctl"}, "device_code": {d.DeviceCode},
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func TestDevice_EnterCodeSignInConsent_ThenReturnToTerminal(t *testing.T) {
	e := newEnv(t)
	d := e.startDevice()
	if !strings.HasSuffix(d.VerificationURI, "/device") {
		t.Fatalf("verification_uri %q, want the /device page", d.VerificationURI)
	}
	b := e.newBrowser()
	p := b.get("/device")
	p.want(t, http.StatusOK, "/device", "Sign in a device")
	b.submit(p, "/device", map[string]string{"user_code": "ZZZZ-ZZZZ"}).
		want(t, http.StatusUnprocessableEntity, "/device", `id="user_code-error">That code is not valid or has expired`)

	p = b.submit(p, "/device", map[string]string{"user_code": strings.ToLower(d.UserCode)})
	p.want(t, http.StatusOK, "/login", "Sign in")
	p = b.submit(p, "/login", map[string]string{"org": "acme", "email": "ada@acme.example", "password": adaPassword})
	p = b.submit(p, "/login/mfa/enroll", map[string]string{"code": e.code(p.secret(t))})
	p.want(t, http.StatusOK, "/consent", "Allow only if you started this yourself", d.UserCode)
	if got := e.poll(d); got["error"] != "authorization_pending" {
		t.Fatalf("poll before approval: %v", got)
	}
	b.submit(p, "/consent", map[string]string{"decision": "allow"}).
		want(t, http.StatusOK, "/consent", "Device signed in", "return to your terminal")
	if got := e.poll(d); got["access_token"] == nil {
		t.Fatalf("poll after approval: %v, want tokens", got)
	}

	// Signed in already, the next device goes straight to consent; Deny refuses it.
	d2 := e.startDevice()
	p = b.submit(b.get("/device"), "/device", map[string]string{"user_code": d2.UserCode})
	p.want(t, http.StatusOK, "/consent", d2.UserCode)
	b.submit(p, "/consent", map[string]string{"decision": "deny"}).want(t, http.StatusOK, "/consent", "Access denied")
	if got := e.poll(d2); got["error"] != "access_denied" {
		t.Fatalf("poll after deny: %v", got)
	}
}

// Finding 9 of the security review (issue 12): /login/upstream/SLUG told
// an org that exists (named, without single sign-on) from one that does
// not. Both now get the same answer, word for word but the slug asked.
func TestAttack_UpstreamPageDoesNotTellWhichOrgsExist(t *testing.T) {
	e := newEnv(t) // its org, acme, has no identity provider
	b := e.newBrowser()
	exists := b.get("/login/upstream/" + e.org.Slug)
	missing := b.get("/login/upstream/zz-no-such-org")
	if exists.status != http.StatusNotFound || missing.status != exists.status {
		t.Fatalf("statuses %d and %d, want 404 for both", exists.status, missing.status)
	}
	same := strings.ReplaceAll(missing.body, "zz-no-such-org", e.org.Slug)
	if same != exists.body {
		t.Errorf("the pages differ:\nexisting org:\n%s\nunknown org:\n%s", exists.body, missing.body)
	}
	if strings.Contains(exists.body, e.org.Name) {
		t.Errorf("the page names the org %q", e.org.Name)
	}
}

// Finding 3 of the security review (issue 12): each cookie-less GET of a
// sign-in page stored a browser session (3,000 GETs, 3,000 rows and 33 MB
// of WAL). Pages now store nothing until a form is posted; the post of an
// anonymous browser still works, and stores exactly one session.
func TestAttack_AnonymousPagesStoreNothing(t *testing.T) {
	e := newEnv(t)
	count := func() int {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+e.db+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM browser_sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for range 50 {
		for _, path := range []string{"/device", "/login/mfa", "/login/mfa/enroll", "/login?org=acme", "/device?user_code=ABCD-EFGH"} {
			if p := e.newBrowser().get(path); p.status >= 500 {
				t.Fatalf("GET %s: %d", path, p.status)
			}
		}
	}
	if n := count(); n != before {
		t.Fatalf("250 cookie-less GETs stored %d browser sessions, want none", n-before)
	}

	// An anonymous browser's first form works: the device page's code is
	// checked (and unknown), and its session is stored then, once.
	b := e.newBrowser()
	p := b.get("/device")
	p = b.submit(p, "/device", map[string]string{"user_code": "ABCD-EFGH"})
	if p.status == http.StatusForbidden {
		t.Fatalf("the anonymous browser's post was refused: %d\n%s", p.status, p.body)
	}
	b.submit(p, "/device", map[string]string{"user_code": "WXYZ-WXYZ"})
	if n := count(); n != before+1 {
		t.Errorf("an anonymous browser's two posts stored %d sessions, want 1", n-before)
	}
}
