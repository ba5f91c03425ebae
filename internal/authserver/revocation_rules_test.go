package authserver_test

import (
	"testing"

	"golang.org/x/oauth2"
)

// TestDeactivate_RevokesOAuthTokens_R9: deactivating a user stops their
// access and refresh tokens at once, every sign-in of theirs, including a
// code not yet exchanged and a device approval not yet polled.
func TestDeactivate_RevokesOAuthTokens_R9(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, tok := e.signIn(e.bob, allScopes...)
	_, second := e.signIn(e.bob, allScopes...)
	pendingCode := e.completedCode(e.bob.ID)
	_, da := e.startDevice(allScopes...)
	if err := e.as.CompleteDeviceRequest(e.ctx, da.UserCode, e.session(e.bob.ID)); err != nil {
		t.Fatal(err)
	}
	_, adminTok := e.signIn(e.admin, allScopes...)

	if _, err := e.svc.Deactivate(e.ctx, e.operator(), e.bob.Email); err != nil {
		t.Fatal(err)
	}
	e.mustFail(tok.AccessToken, "a deactivated user's access token")
	e.mustFail(second.AccessToken, "a deactivated user's other access token")
	_, err := e.refresh(conf, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	_, err = e.refresh(conf, second.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	_, err = pendingCode.exchange()
	wantOAuthError(t, err, "invalid_grant")
	if code, _ := e.poll(da); code == "" {
		t.Fatal("the device approved before the deactivation got tokens")
	}
	e.mustWork(adminTok.AccessToken, "another user's token")

	// Reactivating (R10) does not bring the old tokens back.
	if _, err := e.svc.Activate(e.ctx, e.operator(), e.bob.Email, []string{"flow"}); err != nil {
		t.Fatal(err)
	}
	e.mustFail(tok.AccessToken, "an old token after reactivation")
	_, err = e.refresh(conf, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}

// TestResetMFA_RevokesOAuthTokens_R12: an MFA reset ends every sign-in of
// the user: access and refresh tokens stop at once, so the next use needs a
// new sign-in (which enrolls MFA again).
func TestResetMFA_RevokesOAuthTokens_R12(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, tok := e.signIn(e.bob, allScopes...)
	pendingCode := e.completedCode(e.bob.ID)
	if _, err := e.svc.ResetMFA(e.ctx, e.operator(), e.bob.Email); err != nil {
		t.Fatal(err)
	}
	e.mustFail(tok.AccessToken, "an access token after an MFA reset")
	_, err := e.refresh(conf, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	_, err = pendingCode.exchange()
	wantOAuthError(t, err, "invalid_grant")

	_, fresh := e.signIn(e.bob, allScopes...)
	e.mustWork(fresh.AccessToken, "a new sign-in after the reset")
}

// pendingCode is a code issued to the loopback but not yet exchanged.
type pendingCode struct {
	conf     *oauth2.Config
	code     string
	verifier string
	e        *env
}

func (p pendingCode) exchange() (*oauth2.Token, error) {
	return p.conf.Exchange(p.e.ctx, p.code, oauth2.VerifierOption(p.verifier))
}

func (e *env) completedCode(userID string) pendingCode {
	e.t.Helper()
	lb := newLoopback(e.t)
	conf := e.config(lb.redirect, allScopes...)
	verifier := oauth2.GenerateVerifier()
	id := e.authRequestID(e.authorize(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))))
	redirect, err := e.as.CompleteAuthRequest(e.ctx, id, e.session(userID))
	if err != nil {
		e.t.Fatal(err)
	}
	return pendingCode{conf: conf, code: lb.follow(e.t, redirect).Get("code"), verifier: verifier, e: e}
}
