package authserver_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/wsctl/wsctl/internal/authserver"
)

// authorizeURL builds /oauth/authorize by hand, for requests that x/oauth2
// would not make.
func (e *env) authorizeURL(redirect string, params map[string]string) string {
	q := url.Values{"client_id": {"wsctl"}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {"openid offline_access users:read"}, "state": {"st"}}
	for k, v := range params {
		if v == "" {
			q.Del(k)
			continue
		}
		q.Set(k, v)
	}
	return e.srv.URL + "/oauth/authorize?" + q.Encode()
}

// wantRefusedToClient checks that the request went back to the client's
// redirect with the OAuth error, instead of on to the sign-in page.
func wantRefusedToClient(t *testing.T, loc *url.URL, lb *loopback, code, descriptionHas string) {
	t.Helper()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != lb.redirect {
		t.Fatalf("redirect to %s, want back to the client %s with an error", loc, lb.redirect)
	}
	q := loc.Query()
	if q.Get("error") != code || !strings.Contains(q.Get("error_description"), descriptionHas) || q.Get("state") != "st" {
		t.Fatalf("redirect query %v, want error=%s mentioning %q and the state", q, code, descriptionHas)
	}
}

// TestAuthorize_WithoutPKCE_Refused: a code request without a code
// challenge never reaches the sign-in pages (SPEC §3, RFC 9700 §2.1.1).
func TestAuthorize_WithoutPKCE_Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	loc := e.authorize(e.authorizeURL(lb.redirect, nil))
	wantRefusedToClient(t, loc, lb, "invalid_request", "PKCE")
}

// TestAuthorize_PlainPKCE_Refused: code_challenge_method=plain is refused;
// only S256 is accepted.
func TestAuthorize_PlainPKCE_Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	verifier := oauth2.GenerateVerifier()
	loc := e.authorize(e.authorizeURL(lb.redirect, map[string]string{"code_challenge": verifier, "code_challenge_method": "plain"}))
	wantRefusedToClient(t, loc, lb, "invalid_request", "S256")

	// A challenge sent with no method means plain too (RFC 7636 §4.3).
	loc = e.authorize(e.authorizeURL(lb.redirect, map[string]string{"code_challenge": verifier}))
	wantRefusedToClient(t, loc, lb, "invalid_request", "S256")
}

// TestToken_WrongOrMissingVerifier_Refused: the token endpoint checks the
// PKCE verifier against the challenge; the right one still works after.
func TestToken_WrongOrMissingVerifier_Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	conf := e.config(lb.redirect, allScopes...)
	verifier := oauth2.GenerateVerifier()
	id := e.authRequestID(e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))))
	redirect, err := e.as.CompleteAuthRequest(e.ctx, id, e.session(e.admin.ID))
	if err != nil {
		t.Fatal(err)
	}
	code := lb.follow(t, redirect).Get("code")

	_, err = conf.Exchange(e.ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantOAuthError(t, err, "invalid_grant")
	_, err = conf.Exchange(e.ctx, code)
	wantOAuthError(t, err, "invalid_request")

	if _, err := conf.Exchange(e.ctx, code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("the right verifier: %v", err)
	}
}

// TestAuthorize_NonLoopbackRedirect_Refused: only http://127.0.0.1:PORT/callback
// and http://[::1]:PORT/callback are wsctl's; anything else gets a plain
// 400 and no redirect, so the code can never leave the machine (RFC 8252).
func TestAuthorize_NonLoopbackRedirect_Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	for _, redirect := range []string{
		"https://evil.example/callback",
		"http://evil.example:8080/callback",
		"http://localhost:8080/callback",      // a name, not a loopback IP literal (RFC 8252 §8.3)
		"http://127.0.0.1:8080/elsewhere",     // not the registered path
		"http://127.0.0.1/callback?next=evil", // not the registered URI
		"https://127.0.0.1:8080/callback",
		"wsctl://callback",
	} {
		t.Run(redirect, func(t *testing.T) {
			u := e.authorizeURL(redirect, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"})
			resp, err := noRedirects.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q, want 400 and no redirect; body: %s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
		})
	}
}

// TestAuthorize_LoopbackAnyPort_Accepted: any port of the loopback
// callback reaches the sign-in page, on IPv4 and IPv6 (RFC 8252 §7.3); the
// full flow with a listener on a random port is in every signIn.
func TestAuthorize_LoopbackAnyPort_Accepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	for _, redirect := range []string{"http://127.0.0.1:1/callback", "http://127.0.0.1:49152/callback", "http://[::1]:65535/callback"} {
		loc := e.authorize(e.authorizeURL(redirect, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}))
		info, err := e.as.AuthRequest(e.ctx, e.authRequestID(loc))
		if err != nil {
			t.Fatalf("%s: %v", redirect, err)
		}
		if info.ClientID != "wsctl" {
			t.Errorf("%s: client %q", redirect, info.ClientID)
		}
	}
	_, tok := e.signIn(e.admin, allScopes...)
	e.mustWork(tok.AccessToken, "token of a sign-in through a random loopback port")
}

// TestAuthRequest_DescribesScopesAndOrgHint: what the sign-in pages read of
// a pending request.
func TestAuthRequest_DescribesScopesAndOrgHint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	conf := e.config(lb.redirect, "openid", "users:read", "no-such-scope")
	loc := e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("login_hint", "org:acme")))
	info, err := e.as.AuthRequest(e.ctx, e.authRequestID(loc))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(info.Scopes, " ") != "openid users:read" || info.OrgHint != "acme" {
		t.Fatalf("info %+v, want the known scopes and the org hint", info)
	}
	if _, err := e.as.AuthRequest(e.ctx, "ar_unknown"); err == nil {
		t.Fatal("an unknown request is described")
	}
}

// TestCode_SingleUse: a code gives tokens once, and a second use of it
// revokes the tokens of the first (RFC 6749 §4.1.2: it may have been stolen).
func TestCode_SingleUse_SecondUseRevokesTheFirstTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	conf := e.config(lb.redirect, allScopes...)
	verifier := oauth2.GenerateVerifier()
	id := e.authRequestID(e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))))
	redirect, err := e.as.CompleteAuthRequest(e.ctx, id, e.session(e.bob.ID))
	if err != nil {
		t.Fatal(err)
	}
	code := lb.follow(t, redirect).Get("code")
	first, err := conf.Exchange(e.ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	e.mustWork(first.AccessToken, "the first exchange's access token")
	_, err = conf.Exchange(e.ctx, code, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, "invalid_grant")
	e.mustFail(first.AccessToken, "the access token of a code used twice")
	if _, err := e.refresh(conf, first.RefreshToken); err == nil {
		t.Error("the refresh token of a code used twice still works")
	}
}

// TestCode_Expires: a code not exchanged within two minutes is refused.
func TestCode_Expires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	conf := e.config(lb.redirect, allScopes...)
	verifier := oauth2.GenerateVerifier()
	id := e.authRequestID(e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))))
	redirect, err := e.as.CompleteAuthRequest(e.ctx, id, e.session(e.bob.ID))
	if err != nil {
		t.Fatal(err)
	}
	code := lb.follow(t, redirect).Get("code")
	e.clock.Advance(3 * time.Minute)
	_, err = conf.Exchange(e.ctx, code, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, "invalid_grant")
}

// TestDenyAuthRequest_AccessDenied: a person who says no sends the client
// access_denied with its state, and the request is gone.
func TestDenyAuthRequest_AccessDenied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lb := newLoopback(t)
	conf := e.config(lb.redirect, allScopes...)
	id := e.authRequestID(e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))))
	redirect, err := e.as.DenyAuthRequest(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	q := lb.follow(t, redirect)
	if q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Get("code") != "" {
		t.Fatalf("loopback got %v, want error=access_denied with the state", q)
	}
	if _, err := e.as.CompleteAuthRequest(e.ctx, id, e.session(e.bob.ID)); err == nil {
		t.Fatal("a denied request was completed afterwards")
	}
}

// TestCompleteAuthRequest_DeactivatedUser_Refused (R9): a deactivated user
// cannot finish a sign-in.
func TestCompleteAuthRequest_DeactivatedUser_Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sess := e.session(e.bob.ID) // signed in, then deactivated before consenting
	if _, err := e.svc.Deactivate(e.ctx, e.operator(), e.bob.Email); err != nil {
		t.Fatal(err)
	}
	lb := newLoopback(t)
	conf := e.config(lb.redirect, allScopes...)
	id := e.authRequestID(e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))))
	if _, err := e.as.CompleteAuthRequest(e.ctx, id, sess); err == nil {
		t.Fatal("a deactivated user completed a sign-in")
	}
}

// Every /oauth/authorize and /oauth/device_authorization stores a pending
// request: past the burst, a client network gets 429 with Retry-After and
// nothing is stored.
func TestAuthorize_RequestsPerClientNetworkAreLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *authserver.Config) { c.RequestRate, c.RequestBurst = rate.Every(time.Hour), 2 })
	lb := newLoopback(t)
	conf := e.config(lb.redirect, allScopes...)
	authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	for range 2 {
		e.authRequestID(e.authorize(authURL))
	}
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "wait") {
		t.Errorf("third authorization: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	resp, err = http.PostForm(e.srv.URL+authserver.PathDeviceAuthorization, url.Values{"client_id": {conf.ClientID}, "scope": {"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("device authorization past the limit: %d, want 429", resp.StatusCode)
	}
}
