package authserver

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/authserver/signin"
	"github.com/wsctl/wsctl/internal/workspace"
)

// authRequest is a stored authorization request as zitadel sees it.
type authRequest struct{ grants.AuthRequest }

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string         { return a.ID }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAMR() []string      { return a.AMR }
func (a *authRequest) GetAudience() []string { return []string{a.ClientID} }
func (a *authRequest) GetClientID() string   { return a.ClientID }
func (a *authRequest) GetNonce() string      { return a.Nonce }
func (a *authRequest) GetRedirectURI() string {
	return a.RedirectURI
}
func (a *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(a.ResponseType) }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(a.ResponseMode) }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.UserID }
func (a *authRequest) Done() bool                         { return a.UserID != "" }

func (a *authRequest) GetAuthTime() time.Time {
	if a.AuthTime == nil {
		return time.Time{}
	}
	return *a.AuthTime
}

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}

// live reports whether the request can still be signed in to.
func (a *authRequest) live(now time.Time) bool {
	return a.RevokedAt == nil && a.UsedAt == nil && now.Before(a.ExpiresAt)
}

// CreateAuthRequest stores a request zitadel has checked against the
// client (redirect, scopes, response type), after our own checks: PKCE with
// S256 (RFC 9700 §2.1.1; plain and missing are refused) and a loopback
// redirect on an IP literal. Refusals go back to the redirect as
// error=invalid_request.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if err := checkLoopbackRedirect(req.RedirectURI); err != nil {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("%s", err.Error())
	}
	if err := checkPKCE(req.CodeChallenge, req.CodeChallengeMethod); err != nil {
		return nil, err
	}
	s.purgeExpired(ctx)
	now := s.now()
	rec := grants.AuthRequest{
		ID:                  authRequestPrefix + randomString(18),
		ClientID:            req.ClientID,
		RedirectURI:         req.RedirectURI,
		Scopes:              req.Scopes,
		State:               req.State,
		Nonce:               req.Nonce,
		ResponseType:        string(req.ResponseType),
		ResponseMode:        string(req.ResponseMode),
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod),
		LoginHint:           req.LoginHint,
		CreatedAt:           now,
		ExpiresAt:           now.Add(authRequestLifetime),
	}
	if err := s.store.InsertAuthRequest(ctx, rec, now); err != nil {
		return nil, err
	}
	return &authRequest{rec}, nil
}

// checkPKCE requires a code challenge made with S256: the base64url form
// of a SHA-256 sum, 43 characters (RFC 7636 §4.2).
func checkPKCE(challenge string, method oidc.CodeChallengeMethod) error {
	switch {
	case challenge == "":
		return oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge and code_challenge_method=S256 (RFC 7636)")
	case method != oidc.CodeChallengeMethodS256:
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256; %q is refused", method)
	}
	if sum, err := base64.RawURLEncoding.DecodeString(challenge); err != nil || len(sum) != 32 {
		return oidc.ErrInvalidRequest().WithDescription("code_challenge must be the base64url SHA-256 of the code verifier (43 characters)")
	}
	return nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.liveAuthRequest(ctx, id)
}

func (s *storage) liveAuthRequest(ctx context.Context, id string) (*authRequest, error) {
	rec, err := s.store.AuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	a := &authRequest{rec}
	if !a.live(s.now()) {
		return nil, &workspace.NotFoundError{Kind: "authorization request", Key: id}
	}
	return a, nil
}

// AuthRequestByCode finds the request of a code that is unexpired and not
// revoked; the code's single use is enforced when tokens are issued. A code
// presented again after it gave tokens revokes them (RFC 6749 §4.1.2): one
// of the two who presented it may have stolen it. zitadel asks for the
// request before it checks the PKCE verifier and the client, so whoever
// holds a used code can have its tokens revoked; RFC 6749 allows that, and
// with one public client (wsctl) the client check would add nothing.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	rec, err := s.store.AuthRequestByCode(ctx, workspace.HashSecret(code))
	if err != nil {
		return nil, err
	}
	a := &authRequest{rec}
	now := s.now()
	if rec.UsedAt != nil {
		if err := s.store.RevokeFamily(ctx, rec.FamilyID, now); err != nil {
			return nil, err
		}
		s.log.Warn("authorization code used twice: the tokens it gave are revoked (RFC 6749 §4.1.2); the code may have been stolen",
			"user_id", rec.UserID, "family", rec.FamilyID, "client_id", rec.ClientID)
		return nil, &workspace.NotFoundError{Kind: "authorization code", Key: "(secret)"}
	}
	if !a.live(now) || !a.Done() || rec.CodeExpiresAt == nil || !now.Before(*rec.CodeExpiresAt) {
		return nil, &workspace.NotFoundError{Kind: "authorization code", Key: "(secret)"}
	}
	return a, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.store.SaveAuthCode(ctx, id, workspace.HashSecret(code), s.now().Add(codeLifetime))
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.store.DeleteAuthRequest(ctx, id)
}

// AuthRequest describes a pending authorization to the sign-in pages.
func (s *Server) AuthRequest(ctx context.Context, id string) (signin.AuthRequestInfo, error) {
	a, err := s.storage.liveAuthRequest(ctx, id)
	if err != nil {
		return signin.AuthRequestInfo{}, err
	}
	info := signin.AuthRequestInfo{ID: a.ID, ClientID: a.ClientID, Scopes: a.Scopes}
	if slug, ok := strings.CutPrefix(a.LoginHint, "org:"); ok {
		info.OrgHint = slug
	}
	return info, nil
}

// CompleteAuthRequest binds the request to the user of the browser
// session sess, issues its code and returns the client's loopback redirect
// carrying it. The session must still be signed in when the request is
// bound (checked in that transaction: R9 and R12 end sessions).
func (s *Server) CompleteAuthRequest(ctx context.Context, id string, sess workspace.BrowserSession) (string, error) {
	by, err := signInOf(sess)
	if err != nil {
		return "", err
	}
	if _, err := s.storage.liveAuthRequest(ctx, id); err != nil {
		return "", err
	}
	if err := s.storage.requireActive(ctx, by.UserID); err != nil {
		return "", err
	}
	if err := s.storage.store.CompleteAuthRequest(ctx, id, by); err != nil {
		return "", err
	}
	a, err := s.storage.liveAuthRequest(ctx, id)
	if err != nil {
		return "", err
	}
	redirect, err := op.BuildAuthResponseCallbackURL(ctx, a, s.provider)
	if err != nil {
		return "", fmt.Errorf("complete authorization %s: %w", id, err)
	}
	return redirect, nil
}

// DenyAuthRequest ends the request and returns the client's redirect with
// error=access_denied.
func (s *Server) DenyAuthRequest(ctx context.Context, id string) (string, error) {
	a, err := s.storage.liveAuthRequest(ctx, id)
	if err != nil {
		return "", err
	}
	if err := s.storage.store.DeleteAuthRequest(ctx, id); err != nil {
		return "", err
	}
	e := oidc.ErrAccessDenied().WithDescription("the sign-in was refused")
	e.State = a.State
	return op.AuthResponseURL(a.RedirectURI, a.GetResponseType(), a.GetResponseMode(), e, s.provider.Encoder())
}

// signInOf is what the store checks and records of a signed-in session.
func signInOf(sess workspace.BrowserSession) (grants.SignIn, error) {
	if !sess.SignedIn() || sess.AuthTime == nil {
		return grants.SignIn{}, workspace.ErrSessionInvalid
	}
	return grants.SignIn{SessionIDHash: sess.IDHash, UserID: sess.UserID, AMR: sess.AMR, AuthTime: sess.AuthTime.UTC()}, nil
}

// requireActive refuses a user who is unknown or deactivated (R9).
func (s *storage) requireActive(ctx context.Context, userID string) error {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.CanSignIn() != nil {
		return &workspace.ForbiddenError{Reason: u.Email + " is deactivated and cannot sign in; an admin can reactivate them ('wsctl users activate')"}
	}
	return nil
}
