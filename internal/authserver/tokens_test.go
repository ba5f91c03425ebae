package authserver_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/authserver"
)

// TestAccessToken_CarriesOrgAndScopes_R13: the API sees the token's org,
// the user and exactly the API scopes granted; a token without users:write
// cannot invite even for an admin, one with it can.
func TestAccessToken_CarriesOrgAndScopes_R13(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, narrow := e.signIn(e.admin, "openid", "offline_access", "users:read")
	me := e.mustWork(narrow.AccessToken, "a fresh access token")
	if me.OrgSlug != "acme" || me.User.Email != e.admin.Email || !slices.Equal(me.Scopes, []string{"users:read"}) {
		t.Fatalf("/me = org %q, user %q, scopes %v; want acme, %s, [users:read]", me.OrgSlug, me.User.Email, me.Scopes, e.admin.Email)
	}
	if !strings.HasPrefix(me.TokenID, "fam_") {
		t.Errorf("token_id %q, want the sign-in's family id", me.TokenID)
	}
	invite := schema.InviteRequest{Name: "Carol New", Email: "carol@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}}
	status, body := e.call(http.MethodPost, "/api/v1/invites", narrow.AccessToken, invite)
	if status != http.StatusForbidden || !strings.Contains(string(body), "users:write") {
		t.Fatalf("invite with users:read only: status %d: %s; want 403 naming users:write", status, body)
	}
	_, full := e.signIn(e.admin, allScopes...)
	if status, body := e.call(http.MethodPost, "/api/v1/invites", full.AccessToken, invite); status != http.StatusCreated {
		t.Fatalf("invite with users:write: status %d: %s", status, body)
	}
}

// TestAccessToken_RolesAreCurrent_R13: the principal has the user's roles
// as of the request, not as of the sign-in; a user's token with every
// scope still cannot do admin things.
func TestAccessToken_RolesAreCurrent_R13(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.signIn(e.bob, allScopes...)
	if me := e.mustWork(tok.AccessToken, "bob's token"); !slices.Equal(me.User.Roles, []string{"user"}) {
		t.Fatalf("roles %v", me.User.Roles)
	}
	if status, body := e.call(http.MethodGet, "/api/v1/users?status=all", tok.AccessToken, nil); status != http.StatusForbidden {
		t.Fatalf("a user listing users: status %d: %s; want 403", status, body)
	}
}

// TestAccessToken_ShortLived: access tokens live ten minutes (SPEC §3: at
// most 15) and are refused after.
func TestAccessToken_ShortLived(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.signIn(e.bob, allScopes...)
	if left := time.Until(tok.Expiry); left < 9*time.Minute || left > authserver.AccessTokenLifetime {
		t.Fatalf("expires in %v, want about %v", left, authserver.AccessTokenLifetime)
	}
	e.clock.Advance(9 * time.Minute)
	e.mustWork(tok.AccessToken, "nine minutes on")
	e.clock.Advance(2 * time.Minute)
	e.mustFail(tok.AccessToken, "eleven minutes on")
}

// TestAccessToken_Forged_Refused: anything but a token this server sealed
// is refused, and an API token still goes to the API tokens.
func TestAccessToken_Forged_Refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.signIn(e.bob, allScopes...)
	for _, forged := range []string{"nonsense", tok.AccessToken + "x", tok.AccessToken[:len(tok.AccessToken)-4], tok.RefreshToken} {
		e.mustFail(forged, "a forged token")
	}
	_, secret, err := e.svc.IssueToken(e.ctx, e.operator(), e.bob.Email, "ci", []string{"users:read"})
	if err != nil {
		t.Fatal(err)
	}
	e.mustWork(secret, "an API token beside OAuth")
}

// TestRefresh_RotatesOnEveryUse: each refresh gives a new refresh token and
// a new access token; both old and new access tokens of the family work
// until they expire, the spent refresh token does not.
func TestRefresh_RotatesOnEveryUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, first := e.signIn(e.bob, allScopes...)
	second, err := e.refresh(conf, first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh did not rotate: same or no refresh token, or the same access token")
	}
	if !strings.HasPrefix(second.RefreshToken, "wsr_") {
		t.Errorf("refresh token %q… lacks the wsr_ prefix", second.RefreshToken[:6])
	}
	me := e.mustWork(second.AccessToken, "the refreshed access token")
	if len(me.Scopes) != 6 {
		t.Errorf("refreshed scopes %v, want the six API scopes", me.Scopes)
	}
	third, err := e.refresh(conf, second.RefreshToken)
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	e.mustWork(third.AccessToken, "the twice refreshed access token")
}

// TestRefresh_ReuseRevokesFamily_RFC9700: presenting a spent refresh token
// fails with invalid_grant and revokes the whole family: the newest refresh
// token and every access token of the sign-in stop working. Other sign-ins
// of the same user are untouched.
func TestRefresh_ReuseRevokesFamily_RFC9700(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, first := e.signIn(e.bob, allScopes...)
	_, otherSignIn := e.signIn(e.bob, allScopes...)
	second, err := e.refresh(conf, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.mustWork(second.AccessToken, "before the reuse")

	_, err = e.refresh(conf, first.RefreshToken) // the thief, or a confused client
	wantOAuthError(t, err, "invalid_grant")

	_, err = e.refresh(conf, second.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	e.mustFail(second.AccessToken, "the newest access token of the family")
	e.mustFail(first.AccessToken, "the first access token of the family")
	e.mustWork(otherSignIn.AccessToken, "another sign-in of the same user")
	if !strings.Contains(e.logs.String(), "refresh token reused") {
		t.Errorf("no security log line for the reuse; logs:\n%s", e.logs)
	}
}

// TestRefresh_ConcurrentUse_OneWins: two refreshes of one token at once
// cannot both rotate it: at most one gets tokens, and the other is a reuse
// that revokes the family (RFC 9700).
func TestRefresh_ConcurrentUse_OneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, first := e.signIn(e.bob, allScopes...)
	const n = 8
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = e.refresh(conf, first.RefreshToken)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range results {
		if err == nil {
			wins++
		} else {
			wantOAuthError(t, err, "invalid_grant")
		}
	}
	if wins > 1 {
		t.Fatalf("%d refreshes of one token succeeded, want at most one", wins)
	}
	e.mustFail(first.AccessToken, "the family after a reuse")
}

// TestRefresh_UnknownToken_InvalidGrant: garbage is invalid_grant.
func TestRefresh_UnknownToken_InvalidGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf := e.config("")
	for _, tok := range []string{"wsr_nonsense", "nonsense"} {
		_, err := e.refresh(conf, tok)
		wantOAuthError(t, err, "invalid_grant")
	}
}

func (e *env) revoke(form url.Values) {
	e.t.Helper()
	form.Set("client_id", "wsctl")
	status, body := e.postForm(authserver.PathRevoke, form)
	if status != http.StatusOK {
		e.t.Fatalf("POST /oauth/revoke: status %d: %v", status, body)
	}
}

// TestRevoke_RefreshToken_RevokesFamily_RFC7009: signing out (revoking
// the refresh token) ends the sign-in: its refresh and access tokens.
func TestRevoke_RefreshToken_RevokesFamily_RFC7009(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, tok := e.signIn(e.bob, allScopes...)
	e.revoke(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}})
	_, err := e.refresh(conf, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	e.mustFail(tok.AccessToken, "the access token of a revoked sign-in")

	// With the wrong hint too (RFC 7009 §2.1: the hint is only a hint).
	conf, tok = e.signIn(e.bob, allScopes...)
	e.revoke(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"access_token"}})
	_, err = e.refresh(conf, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}

// TestRevoke_AccessToken_RFC7009: revoking an access token stops it at
// once; its refresh token still gives a new one.
func TestRevoke_AccessToken_RFC7009(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, tok := e.signIn(e.bob, allScopes...)
	e.revoke(url.Values{"token": {tok.AccessToken}})
	e.mustFail(tok.AccessToken, "a revoked access token")
	next, err := e.refresh(conf, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh after revoking the access token: %v", err)
	}
	e.mustWork(next.AccessToken, "the new access token")
}

// TestRevoke_UnknownToken_OK_RFC7009: an unknown token is answered 200.
func TestRevoke_UnknownToken_OK_RFC7009(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.revoke(url.Values{"token": {"nonsense"}})
	e.revoke(url.Values{"token": {"wsr_nonsense"}, "token_type_hint": {"refresh_token"}})
}

// TestKeys_SharedByServers: a second server on the same database (or the
// same server after a restart) uses the same keys: it accepts the first
// one's access tokens and refresh tokens and publishes the same key.
func TestKeys_SharedByServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, tok := e.signIn(e.bob, allScopes...)
	second := e.newServer()
	p, err := second.VerifyAccessToken(e.ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("the second server refuses the first one's token: %v", err)
	}
	if p.UserID != e.bob.ID || p.OrgID != e.org.ID {
		t.Fatalf("principal %+v", p)
	}
	kids := keyIDs(t, e)
	secondKeys := second.Metadata(e.ctx).JwksURI
	if secondKeys != e.srv.URL+authserver.PathKeys || len(kids) != 1 {
		t.Fatalf("keys %v at %s", kids, secondKeys)
	}
	if _, err := e.refresh(conf, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
}

// TestIDToken_SignedByPublishedKey: the ID token verifies with the key at
// /oauth/keys and names the user.
func TestIDToken_SignedByPublishedKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.signIn(e.bob, allScopes...)
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no id_token")
	}
	resp, err := http.Get(e.srv.URL + authserver.PathKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("the ID token's key %q is not published", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var claims struct{ Iss, Sub string }
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iss != e.srv.URL || claims.Sub != e.bob.ID {
		t.Fatalf("claims %+v", claims)
	}
}

// TestUserinfo_LiveTokenOnly: /oauth/userinfo answers for a live access
// token and not for a revoked one.
func TestUserinfo_LiveTokenOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.signIn(e.bob, append([]string{"email"}, allScopes...)...)
	get := func() (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+authserver.PathUserinfo, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if status, info := get(); status != http.StatusOK || info["sub"] != e.bob.ID || info["email"] != e.bob.Email {
		t.Fatalf("userinfo: %d %v", status, info)
	}
	e.revoke(url.Values{"token": {tok.AccessToken}})
	if status, _ := get(); status == http.StatusOK {
		t.Fatal("userinfo answers for a revoked token")
	}
}
