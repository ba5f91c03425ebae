package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/workspace"
)

// IssueTokens stores a new grant's tokens. Consuming the authorization
// request and checking the user happen in the same transaction, so a code
// gives tokens once and a user deactivated meanwhile gets none. A code that
// already gave tokens (two exchanges of it at once: the other won) revokes
// them, committed, and gives ErrAuthCodeReused (RFC 6749 §4.1.2).
func (s *Store) IssueTokens(ctx context.Context, in grants.Issue) error {
	reused := false
	err := s.oauthWrite(ctx, func(t *tx) error {
		reused = false
		if err := t.lockActiveUser(ctx, in.Access.UserID); err != nil {
			return err
		}
		if in.AuthRequestID != "" {
			res, err := t.exec(ctx, `UPDATE oauth_auth_requests SET used_at = ?, family_id = ?
				WHERE id = ? AND revoked_at IS NULL AND used_at IS NULL`, ts(in.Access.CreatedAt), in.Access.FamilyID, in.AuthRequestID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				var family sql.NullString
				err := t.queryRow(ctx, `SELECT family_id FROM oauth_auth_requests WHERE id = ?`, in.AuthRequestID).Scan(&family)
				if err != nil || !family.Valid { // gone, or revoked unused
					return &workspace.NotFoundError{Kind: "authorization request", Key: in.AuthRequestID}
				}
				reused = true
				return t.revokeFamily(ctx, family.String, in.Access.CreatedAt)
			}
		}
		if err := t.insertAccessToken(ctx, in.Access); err != nil {
			return err
		}
		if in.Refresh != nil {
			return t.insertRefreshToken(ctx, *in.Refresh)
		}
		return nil
	})
	if err == nil && reused {
		return grants.ErrAuthCodeReused
	}
	return err
}

// RotateRefreshToken spends a refresh token with a conditional update, so
// that of two requests presenting it at once only one wins; the other is a
// reuse and revokes the family.
func (s *Store) RotateRefreshToken(ctx context.Context, usedHash string, at time.Time, access grants.AccessToken, next grants.RefreshToken) error {
	reused := false
	err := s.oauthWrite(ctx, func(t *tx) error {
		reused = false
		// The user's row first, as deactivation takes it before revoking
		// the user's tokens: one lock order, no deadlock between them.
		if err := t.lockActiveUser(ctx, next.UserID); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE oauth_refresh_tokens SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, ts(at), usedHash, ts(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var family string
			var used sql.NullString
			err := t.queryRow(ctx, `SELECT family_id, used_at FROM oauth_refresh_tokens WHERE hash = ?`, usedHash).Scan(&family, &used)
			if err != nil {
				return notFound(err, "refresh token", "(secret)")
			}
			if !used.Valid { // revoked or expired
				return &workspace.NotFoundError{Kind: "refresh token", Key: "(secret)"}
			}
			reused = true
			return t.revokeFamily(ctx, family, at)
		}
		if err := t.insertAccessToken(ctx, access); err != nil {
			return err
		}
		return t.insertRefreshToken(ctx, next)
	})
	if err == nil && reused {
		return grants.ErrRefreshTokenReused
	}
	return err
}

// lockActiveUser checks that the user is active and holds the user's row
// until commit (forUpdate), so a deactivation cannot slip between the check
// and the new tokens (R9).
func (t *tx) lockActiveUser(ctx context.Context, userID string) error {
	var active int
	err := t.queryRow(ctx, `SELECT active FROM users WHERE id = ?`+t.forUpdate(), userID).Scan(&active)
	if err != nil {
		return notFound(err, "user", userID)
	}
	if active == 0 {
		return workspace.ErrUnauthenticated
	}
	return nil
}

const accessTokenColumns = `id_hash, family_id, client_id, user_id, org_id, scopes, created_at, expires_at, revoked_at`

func (t *tx) insertAccessToken(ctx context.Context, a grants.AccessToken) error {
	_, err := t.exec(ctx, `INSERT INTO oauth_access_tokens (`+accessTokenColumns+`) VALUES (`+placeholders(9)+`)`,
		a.IDHash, a.FamilyID, a.ClientID, a.UserID, a.OrgID, spaced(a.Scopes), ts(a.CreatedAt), ts(a.ExpiresAt), tsPtr(a.RevokedAt))
	return err
}

const refreshTokenColumns = `hash, family_id, client_id, user_id, org_id, scopes, amr, auth_time, created_at, expires_at, used_at, revoked_at`

func (t *tx) insertRefreshToken(ctx context.Context, r grants.RefreshToken) error {
	_, err := t.exec(ctx, `INSERT INTO oauth_refresh_tokens (`+refreshTokenColumns+`) VALUES (`+placeholders(12)+`)`,
		r.Hash, r.FamilyID, r.ClientID, r.UserID, r.OrgID, spaced(r.Scopes), spaced(r.AMR), ts(r.AuthTime),
		ts(r.CreatedAt), ts(r.ExpiresAt), tsPtr(r.UsedAt), tsPtr(r.RevokedAt))
	return err
}

// holderColumns are the user's columns read with a token (users as u).
const holderColumns = `u.id, u.org_id, u.name, u.email, u.roles, u.active`

func scanHolder(roles string, active int, u *grants.User) {
	u.Roles, u.Active = splitList[workspace.Role](roles), active != 0
}

func (s *Store) AccessToken(ctx context.Context, idHash string) (a grants.AccessToken, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		var scopes, created, expires, roles string
		var revoked sql.NullString
		var active int
		h := &a.Holder
		err := t.queryRow(ctx, `SELECT a.id_hash, a.family_id, a.client_id, a.user_id, a.org_id, a.scopes, a.created_at, a.expires_at, a.revoked_at, `+
			holderColumns+` FROM oauth_access_tokens a JOIN users u ON u.id = a.user_id WHERE a.id_hash = ?`, idHash).
			Scan(&a.IDHash, &a.FamilyID, &a.ClientID, &a.UserID, &a.OrgID, &scopes, &created, &expires, &revoked,
				&h.ID, &h.OrgID, &h.Name, &h.Email, &roles, &active)
		if err != nil {
			return notFound(err, "access token", "(secret)")
		}
		scanHolder(roles, active, h)
		a.Scopes = unspaced(scopes)
		var p timeParser
		a.CreatedAt, a.ExpiresAt, a.RevokedAt = p.at(created), p.at(expires), p.ptr(revoked)
		return p.err
	})
	return a, err
}

func (s *Store) RefreshToken(ctx context.Context, hash string) (r grants.RefreshToken, err error) {
	err = s.oauthRead(ctx, func(t *tx) error {
		var scopes, amr, authTime, created, expires, roles string
		var used, revoked sql.NullString
		var active int
		h := &r.Holder
		err := t.queryRow(ctx, `SELECT r.hash, r.family_id, r.client_id, r.user_id, r.org_id, r.scopes, r.amr, r.auth_time, r.created_at, r.expires_at, r.used_at, r.revoked_at, `+
			holderColumns+` FROM oauth_refresh_tokens r JOIN users u ON u.id = r.user_id WHERE r.hash = ?`, hash).
			Scan(&r.Hash, &r.FamilyID, &r.ClientID, &r.UserID, &r.OrgID, &scopes, &amr, &authTime, &created, &expires, &used, &revoked,
				&h.ID, &h.OrgID, &h.Name, &h.Email, &roles, &active)
		if err != nil {
			return notFound(err, "refresh token", "(secret)")
		}
		scanHolder(roles, active, h)
		r.Scopes, r.AMR = unspaced(scopes), unspaced(amr)
		var p timeParser
		r.AuthTime, r.CreatedAt, r.ExpiresAt = p.at(authTime), p.at(created), p.at(expires)
		r.UsedAt, r.RevokedAt = p.ptr(used), p.ptr(revoked)
		return p.err
	})
	return r, err
}

func (s *Store) RevokeAccessToken(ctx context.Context, idHash string, at time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE oauth_access_tokens SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`, ts(at), idHash)
		return err
	})
}

func (s *Store) RevokeFamily(ctx context.Context, familyID string, at time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error { return t.revokeFamily(ctx, familyID, at) })
}

func (t *tx) revokeFamily(ctx context.Context, familyID string, at time.Time) error {
	for _, q := range []string{
		`UPDATE oauth_access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
		`UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
	} {
		if _, err := t.exec(ctx, q, ts(at), familyID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) PurgeExpired(ctx context.Context, now time.Time) error {
	return s.oauthWrite(ctx, func(t *tx) error {
		for _, table := range []string{"oauth_access_tokens", "oauth_refresh_tokens", "oauth_auth_requests", "oauth_device_requests"} {
			if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, ts(now)); err != nil {
				return err
			}
		}
		return nil
	})
}
