package authserver

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Tokens. An access token is opaque to clients: zitadel seals "id:subject"
// with the sealing key, and only a hash of the random id is stored, with the
// user, org, scopes and family. A refresh token is a random string stored
// hashed. A family is one sign-in (one code or device exchange) and all the
// tokens refreshed from it: revoking it revokes them all.

// refreshIDPrefix marks, in the token id zitadel hands back to RevokeToken,
// the hash of a refresh token (from GetRefreshTokenInfo) rather than the id
// of an access token.
const refreshIDPrefix = "refresh:"

// refreshTokenRequest is a stored refresh token as zitadel sees it during
// the refresh grant (op.RefreshTokenRequest).
type refreshTokenRequest struct {
	rt     grants.RefreshToken
	scopes []string // narrowed by the client's scope parameter, if any
}

var _ op.RefreshTokenRequest = (*refreshTokenRequest)(nil)

func (r *refreshTokenRequest) GetAMR() []string             { return r.rt.AMR }
func (r *refreshTokenRequest) GetAudience() []string        { return []string{r.rt.ClientID} }
func (r *refreshTokenRequest) GetAuthTime() time.Time       { return r.rt.AuthTime }
func (r *refreshTokenRequest) GetClientID() string          { return r.rt.ClientID }
func (r *refreshTokenRequest) GetScopes() []string          { return r.scopes }
func (r *refreshTokenRequest) GetSubject() string           { return r.rt.UserID }
func (r *refreshTokenRequest) SetCurrentScopes(sc []string) { r.scopes = sc }

// CreateAccessToken issues an access token alone: a grant without
// offline_access.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, _, exp, err := s.issue(ctx, req, false)
	return id, exp, err
}

// CreateAccessAndRefreshTokens issues the first tokens of a grant, or, with
// the refresh token being used, rotates it.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	if current != "" {
		return s.rotate(ctx, req, current)
	}
	return s.issue(ctx, req, true)
}

// grantOf reads what a code or device grant carries.
func grantOf(req op.TokenRequest) (authRequestID, clientID string, amr []string, authTime time.Time, err error) {
	switch r := req.(type) {
	case *authRequest:
		return r.ID, r.ClientID, r.AMR, r.GetAuthTime(), nil
	case *op.DeviceAuthorizationState:
		return "", r.ClientID, r.AMR, r.AuthTime, nil
	}
	return "", "", nil, time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("grant %T is not offered", req)
}

// issue starts a new family for a code or device grant. The code's request
// is consumed in the same transaction, so a code gives tokens once.
func (s *storage) issue(ctx context.Context, req op.TokenRequest, withRefresh bool) (accessID, refresh string, exp time.Time, err error) {
	authRequestID, clientID, amr, authTime, err := grantOf(req)
	if err != nil {
		return "", "", exp, err
	}
	u, err := s.store.User(ctx, req.GetSubject())
	if err != nil {
		return "", "", exp, invalidGrant(err, "the user of this grant is unknown")
	}
	now := s.now()
	family := familyPrefix + randomString(18)
	accessID, access := newAccessToken(family, clientID, u, req.GetScopes(), now)
	in := grants.Issue{AuthRequestID: authRequestID, Access: access}
	if withRefresh {
		var rt grants.RefreshToken
		refresh, rt = newRefreshToken(family, clientID, u, req.GetScopes(), amr, authTime, now)
		in.Refresh = &rt
	}
	s.purgeExpired(ctx)
	if err := s.store.IssueTokens(ctx, in); err != nil {
		if errors.Is(err, grants.ErrAuthCodeReused) {
			s.log.Warn("authorization code exchanged twice at once: the tokens it gave are revoked (RFC 6749 §4.1.2); the code may have been stolen",
				"user_id", u.ID, "client_id", clientID, "auth_request", authRequestID)
		}
		return "", "", exp, invalidGrant(err, "the code was already used, has expired, or its user was signed out; sign in again")
	}
	return accessID, refresh, access.ExpiresAt, nil
}

// rotate spends the presented refresh token for a new one and a new access
// token of the same family (RFC 9700 §4.14.2). A token already spent is a
// reuse: the store revokes the whole family, and the client must sign in again.
func (s *storage) rotate(ctx context.Context, req op.TokenRequest, presented string) (string, string, time.Time, error) {
	r, ok := req.(*refreshTokenRequest)
	if !ok {
		return "", "", time.Time{}, oidc.ErrInvalidGrant()
	}
	now := s.now()
	old := r.rt
	accessID, access := newAccessToken(old.FamilyID, old.ClientID, old.Holder, r.scopes, now)
	refresh, next := newRefreshToken(old.FamilyID, old.ClientID, old.Holder, old.Scopes, old.AMR, old.AuthTime, now)
	s.purgeExpired(ctx)
	err := s.store.RotateRefreshToken(ctx, workspace.HashSecret(presented), now, access, next)
	if errors.Is(err, grants.ErrRefreshTokenReused) {
		s.logReuse(old)
	}
	if err != nil {
		return "", "", time.Time{}, invalidGrant(err, "the refresh token was already used, revoked or has expired; every token of this sign-in is revoked: sign in again")
	}
	return accessID, refresh, access.ExpiresAt, nil
}

func (s *storage) logReuse(rt grants.RefreshToken) {
	s.log.Warn("refresh token reused: its family is revoked (RFC 9700); the token may have been stolen",
		"user_id", rt.UserID, "org_id", rt.OrgID, "family", rt.FamilyID, "client_id", rt.ClientID)
}

// invalidGrant turns a refusal of the store into OAuth's invalid_grant;
// other failures stay server errors.
func invalidGrant(err error, description string) error {
	if isNotFound(err) || errors.Is(err, grants.ErrRefreshTokenReused) || errors.Is(err, workspace.ErrUnauthenticated) {
		return oidc.ErrInvalidGrant().WithDescription("%s", description).WithParent(err)
	}
	return err
}

func newAccessToken(family, clientID string, u grants.User, scopes []string, now time.Time) (string, grants.AccessToken) {
	id := randomString(32)
	return id, grants.AccessToken{
		IDHash: workspace.HashSecret(id), FamilyID: family, ClientID: clientID,
		UserID: u.ID, OrgID: u.OrgID, Scopes: scopes,
		CreatedAt: now, ExpiresAt: now.Add(AccessTokenLifetime),
	}
}

func newRefreshToken(family, clientID string, u grants.User, scopes, amr []string, authTime, now time.Time) (string, grants.RefreshToken) {
	token := refreshTokenPrefix + randomString(32)
	if authTime.IsZero() {
		authTime = now
	}
	return token, grants.RefreshToken{
		Hash: workspace.HashSecret(token), FamilyID: family, ClientID: clientID,
		UserID: u.ID, OrgID: u.OrgID, Scopes: scopes, AMR: amr, AuthTime: authTime.UTC(),
		CreatedAt: now, ExpiresAt: now.Add(RefreshTokenLifetime),
	}
}

// TokenRequestByRefreshToken looks up a presented refresh token. One that
// was already used is a reuse: its family is revoked here at once, before
// the refusal (RFC 9700 §4.14.2).
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	if !strings.HasPrefix(token, refreshTokenPrefix) {
		return nil, op.ErrInvalidRefreshToken
	}
	rt, err := s.store.RefreshToken(ctx, workspace.HashSecret(token))
	if err != nil {
		return nil, err
	}
	now := s.now()
	if rt.UsedAt != nil {
		if err := s.store.RevokeFamily(ctx, rt.FamilyID, now); err != nil {
			return nil, err
		}
		s.logReuse(rt)
		return nil, grants.ErrRefreshTokenReused
	}
	if rt.RevokedAt != nil || !now.Before(rt.ExpiresAt) || rt.Holder.CanSignIn() != nil {
		return nil, op.ErrInvalidRefreshToken
	}
	return &refreshTokenRequest{rt: rt, scopes: rt.Scopes}, nil
}

// GetRefreshTokenInfo tells the revocation endpoint whether a token is one
// of our refresh tokens.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, _, token string) (userID, tokenID string, err error) {
	if !strings.HasPrefix(token, refreshTokenPrefix) {
		return "", "", op.ErrInvalidRefreshToken
	}
	rt, err := s.store.RefreshToken(ctx, workspace.HashSecret(token))
	if isNotFound(err) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	return rt.UserID, refreshIDPrefix + rt.Hash, nil
}

// RevokeToken (RFC 7009): a refresh token revokes its whole family (the
// client is signing out); an access token only itself. A token that is not
// ours, or already gone, is no error (RFC 7009 §2.2).
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	now := s.now()
	var rtHash string
	switch {
	case strings.HasPrefix(tokenOrID, refreshIDPrefix):
		rtHash = strings.TrimPrefix(tokenOrID, refreshIDPrefix)
	case strings.HasPrefix(tokenOrID, refreshTokenPrefix):
		rtHash = workspace.HashSecret(tokenOrID)
	}
	if rtHash != "" {
		rt, err := s.store.RefreshToken(ctx, rtHash)
		if err != nil {
			return revocationError(err)
		}
		if rt.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token was issued to another client")
		}
		return revocationError(s.store.RevokeFamily(ctx, rt.FamilyID, now))
	}
	if userID == "" { // neither a refresh token nor a sealed access token
		return nil
	}
	a, err := s.store.AccessToken(ctx, workspace.HashSecret(tokenOrID))
	if err != nil || a.UserID != userID {
		return revocationError(err)
	}
	if a.ClientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("the token was issued to another client")
	}
	return revocationError(s.store.RevokeAccessToken(ctx, a.IDHash, now))
}

func revocationError(err error) *oidc.Error {
	if err == nil || isNotFound(err) {
		return nil
	}
	return oidc.ErrServerError().WithParent(err)
}

// liveAccessToken finds the access token of a sealed id: unexpired, not
// revoked, of an active user, and of the subject it was sealed with.
func (s *storage) liveAccessToken(ctx context.Context, id, subject string) (grants.AccessToken, error) {
	a, err := s.store.AccessToken(ctx, workspace.HashSecret(id))
	if isNotFound(err) {
		return a, workspace.ErrUnauthenticated
	}
	if err != nil {
		return a, err
	}
	if a.UserID != subject || a.RevokedAt != nil || !s.now().Before(a.ExpiresAt) ||
		a.Holder.CanSignIn() != nil || a.Holder.OrgID != a.OrgID {
		return a, workspace.ErrUnauthenticated
	}
	return a, nil
}

// VerifyAccessToken turns an access token into the caller for the API
// (api.Options.AccessTokens). It is checked against the database on every
// request, so a revoked token or a deactivated user is refused at once (R9);
// the principal has the user's org and current roles and the token's API
// scopes (R13).
func (s *Server) VerifyAccessToken(ctx context.Context, token string) (workspace.Principal, error) {
	sealed, err := s.provider.Crypto().Decrypt(token)
	if err != nil {
		return workspace.Principal{}, workspace.ErrUnauthenticated
	}
	id, subject, ok := strings.Cut(sealed, ":")
	if !ok {
		return workspace.Principal{}, workspace.ErrUnauthenticated
	}
	a, err := s.storage.liveAccessToken(ctx, id, subject)
	if err != nil {
		return workspace.Principal{}, err
	}
	return workspace.Principal{
		OrgID:   a.OrgID,
		UserID:  a.UserID,
		Email:   a.Holder.Email,
		Roles:   a.Holder.Roles,
		Scopes:  grantedAPIScopes(a.Scopes),
		TokenID: a.FamilyID,
	}, nil
}
