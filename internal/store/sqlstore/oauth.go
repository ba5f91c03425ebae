package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The OAuth 2.0 server's storage (grants.Store), migration 00002: keys,
// authorization and device requests here, tokens in oauth_tokens.go. Each
// method is one transaction of its own.

var _ grants.Store = (*Store)(nil)

// oauthWrite and oauthRead run fn in a write or read-only transaction.
func (s *Store) oauthWrite(ctx context.Context, fn func(*tx) error) error {
	return s.Update(ctx, func(t workspace.Tx) error { return fn(t.(*tx)) })
}

func (s *Store) oauthRead(ctx context.Context, fn func(*tx) error) error {
	return s.View(ctx, func(t workspace.Tx) error { return fn(t.(*tx)) })
}

// spaced and unspaced store scope and AMR lists as space-separated text,
// as OAuth writes scopes.
func spaced(xs []string) string { return strings.Join(xs, " ") }

func unspaced(s string) []string {
	if f := strings.Fields(s); len(f) > 0 {
		return f
	}
	return []string{}
}

// timeParser parses stored times, keeping the first error, so that a row
// with many times scans in a few lines.
type timeParser struct{ err error }

func (p *timeParser) at(s string) time.Time {
	t, err := parseTime(s)
	if p.err == nil {
		p.err = err
	}
	return t
}

func (p *timeParser) ptr(s sql.NullString) *time.Time {
	t, err := parseTimePtr(s)
	if p.err == nil {
		p.err = err
	}
	return t
}

// Key returns the named secret, inserting create's result if there is none.
// ON CONFLICT DO NOTHING lets two servers starting together both try; both
// then read the one that won. The secret is stored sealed (sealed.go).
func (s *Store) Key(ctx context.Context, name string, create func() (string, error)) (string, error) {
	var stored string
	err := s.oauthRead(ctx, func(t *tx) error {
		return t.queryRow(ctx, `SELECT secret FROM oauth_keys WHERE name = ?`, name).Scan(&stored)
	})
	if err == nil {
		return sealedServerKeys.open(s.keys, name, stored)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	fresh, err := create()
	if err != nil {
		return "", err
	}
	err = s.oauthWrite(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO oauth_keys (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			name, sealedServerKeys.seal(s.keys, name, fresh), ts(time.Now())); err != nil {
			return err
		}
		return t.queryRow(ctx, `SELECT secret FROM oauth_keys WHERE name = ?`, name).Scan(&stored)
	})
	if err != nil {
		return "", err
	}
	return sealedServerKeys.open(s.keys, name, stored)
}

const authRequestColumns = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode,
	code_challenge, code_challenge_method, login_hint, user_id, amr, auth_time, code_expires_at, created_at, expires_at, revoked_at,
	used_at, family_id`

func (s *Store) InsertAuthRequest(ctx context.Context, r grants.AuthRequest, now time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM oauth_auth_requests WHERE expires_at < ?`, ts(now)); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO oauth_auth_requests (`+authRequestColumns+`) VALUES (`+placeholders(20)+`)`,
			r.ID, r.ClientID, r.RedirectURI, spaced(r.Scopes), r.State, r.Nonce, r.ResponseType, r.ResponseMode,
			r.CodeChallenge, r.CodeChallengeMethod, r.LoginHint, nullable(r.UserID), spaced(r.AMR), tsPtr(r.AuthTime),
			tsPtr(r.CodeExpiresAt), ts(r.CreatedAt), ts(r.ExpiresAt), tsPtr(r.RevokedAt), tsPtr(r.UsedAt), nullable(r.FamilyID))
		return err
	})
}

func scanAuthRequest(row interface{ Scan(...any) error }) (grants.AuthRequest, error) {
	var r grants.AuthRequest
	var scopes, amr, created, expires string
	var userID, authTime, codeExpires, revoked, used, family sql.NullString
	if err := row.Scan(&r.ID, &r.ClientID, &r.RedirectURI, &scopes, &r.State, &r.Nonce, &r.ResponseType, &r.ResponseMode,
		&r.CodeChallenge, &r.CodeChallengeMethod, &r.LoginHint, &userID, &amr, &authTime, &codeExpires, &created, &expires, &revoked,
		&used, &family); err != nil {
		return r, err
	}
	r.Scopes, r.AMR, r.UserID, r.FamilyID = unspaced(scopes), unspaced(amr), userID.String, family.String
	var p timeParser
	r.AuthTime, r.CodeExpiresAt, r.RevokedAt, r.UsedAt = p.ptr(authTime), p.ptr(codeExpires), p.ptr(revoked), p.ptr(used)
	r.CreatedAt, r.ExpiresAt = p.at(created), p.at(expires)
	return r, p.err
}

func (s *Store) AuthRequest(ctx context.Context, id string) (r grants.AuthRequest, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		r, err = scanAuthRequest(t.queryRow(ctx, `SELECT `+authRequestColumns+` FROM oauth_auth_requests WHERE id = ?`, id))
		return notFound(err, "authorization request", id)
	})
	return r, err
}

func (s *Store) AuthRequestByCode(ctx context.Context, codeHash string) (r grants.AuthRequest, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		r, err = scanAuthRequest(t.queryRow(ctx, `SELECT `+authRequestColumns+` FROM oauth_auth_requests WHERE code_hash = ?`, codeHash))
		return notFound(err, "authorization code", "(secret)")
	})
	return r, err
}

// CompleteAuthRequest may be repeated by the same user (a page submitted
// twice); the newest code then replaces the first.
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, by grants.SignIn) error {
	userID, amr, authTime := by.UserID, by.AMR, by.AuthTime
	return s.oauthWrite(ctx, func(t *tx) error {
		if err := t.requireLiveSignIn(ctx, by); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE oauth_auth_requests SET user_id = ?, amr = ?, auth_time = ?
			WHERE id = ? AND (user_id IS NULL OR user_id = ?) AND revoked_at IS NULL AND used_at IS NULL`,
			userID, spaced(amr), ts(authTime), id, userID)
		if err != nil {
			return err
		}
		return checkAffected(res, "authorization request", id)
	})
}

func (s *Store) SaveAuthCode(ctx context.Context, id, codeHash string, expires time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE oauth_auth_requests SET code_hash = ?, code_expires_at = ?
			WHERE id = ? AND user_id IS NOT NULL AND revoked_at IS NULL AND used_at IS NULL`, codeHash, ts(expires), id)
		if err != nil {
			return err
		}
		return checkAffected(res, "authorization request", id)
	})
}

// DeleteAuthRequest deletes a request not yet exchanged. One whose code
// gave tokens stays until it expires (zitadel deletes it after issuing):
// it is what recognises the code if it comes again (RFC 6749 §4.1.2).
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM oauth_auth_requests WHERE id = ? AND used_at IS NULL`, id)
		return err
	})
}

const deviceRequestColumns = `device_code_hash, user_code, client_id, scopes, user_id, created_at, expires_at, approved_at, denied_at, consumed_at`

func (s *Store) InsertDeviceRequest(ctx context.Context, d grants.DeviceRequest, now time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		// Expired user codes go first: they are short, so the fewer live
		// ones, the rarer a collision.
		if _, err := t.exec(ctx, `DELETE FROM oauth_device_requests WHERE expires_at < ?`, ts(now)); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO oauth_device_requests (`+deviceRequestColumns+`) VALUES (`+placeholders(10)+`)`,
			d.DeviceCodeHash, d.UserCode, d.ClientID, spaced(d.Scopes), nullable(d.UserID), ts(d.CreatedAt), ts(d.ExpiresAt),
			tsPtr(d.ApprovedAt), tsPtr(d.DeniedAt), tsPtr(d.ConsumedAt))
		if err != nil && t.d.IsUniqueViolation(err) {
			return grants.ErrUserCodeTaken
		}
		return err
	})
}

func scanDeviceRequest(row interface{ Scan(...any) error }) (grants.DeviceRequest, error) {
	var d grants.DeviceRequest
	var scopes, created, expires string
	var userID, approved, denied, consumed sql.NullString
	if err := row.Scan(&d.DeviceCodeHash, &d.UserCode, &d.ClientID, &scopes, &userID, &created, &expires, &approved, &denied, &consumed); err != nil {
		return d, err
	}
	d.Scopes, d.UserID = unspaced(scopes), userID.String
	var p timeParser
	d.CreatedAt, d.ExpiresAt = p.at(created), p.at(expires)
	d.ApprovedAt, d.DeniedAt, d.ConsumedAt = p.ptr(approved), p.ptr(denied), p.ptr(consumed)
	return d, p.err
}

func (s *Store) DeviceRequestByUserCode(ctx context.Context, userCode string) (d grants.DeviceRequest, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		d, err = scanDeviceRequest(t.queryRow(ctx, `SELECT `+deviceRequestColumns+` FROM oauth_device_requests WHERE user_code = ?`, userCode))
		return notFound(err, "device code", userCode)
	})
	return d, err
}

func (s *Store) DeviceRequestByCode(ctx context.Context, deviceCodeHash string) (d grants.DeviceRequest, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		d, err = scanDeviceRequest(t.queryRow(ctx, `SELECT `+deviceRequestColumns+` FROM oauth_device_requests WHERE device_code_hash = ?`, deviceCodeHash))
		return notFound(err, "device code", "(secret)")
	})
	return d, err
}

func (s *Store) ApproveDeviceRequest(ctx context.Context, userCode string, by grants.SignIn, at time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		if err := t.requireLiveSignIn(ctx, by); err != nil {
			return err
		}
		return t.decideDeviceRequest(ctx, userCode, `user_id = ?, approved_at = ?`, by.UserID, ts(at), userCode, ts(at))
	})
}

func (s *Store) DenyDeviceRequest(ctx context.Context, userCode string, at time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		return t.decideDeviceRequest(ctx, userCode, `denied_at = ?`, ts(at), userCode, ts(at))
	})
}

// decideDeviceRequest sets columns of a pending, unexpired request; args
// are the SET values, then the user code and the time of the decision.
func (t *tx) decideDeviceRequest(ctx context.Context, userCode, set string, args ...any) error {
	res, err := t.exec(ctx, `UPDATE oauth_device_requests SET `+set+`
		WHERE user_code = ? AND approved_at IS NULL AND denied_at IS NULL AND expires_at > ?`, args...)
	if err != nil {
		return err
	}
	return checkAffected(res, "pending device code", userCode)
}

func (s *Store) ConsumeDeviceRequest(ctx context.Context, deviceCodeHash string, at time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE oauth_device_requests SET consumed_at = ?
			WHERE device_code_hash = ? AND approved_at IS NOT NULL AND denied_at IS NULL AND consumed_at IS NULL`, ts(at), deviceCodeHash)
		if err != nil {
			return err
		}
		return checkAffected(res, "approved device code", "(secret)")
	})
}

func (s *Store) User(ctx context.Context, id string) (u grants.User, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		var roles string
		var active int
		err := t.queryRow(ctx, `SELECT id, org_id, name, email, roles, active FROM users WHERE id = ?`, id).
			Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &roles, &active)
		u.Roles, u.Active = splitList[workspace.Role](roles), active != 0
		return notFound(err, "user", id)
	})
	return u, err
}
