package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Browser sessions of the sign-in pages (migration 00003), their flow
// sealed (sealed.go). R9 and R12 end them through userSessionRevocations
// (sessions.go).

const browserSessionColumns = `id_hash, org_id, user_id, csrf_token, mfa_passed, amr, auth_time, flow, created_at, expires_at, ended_at`

func (t *tx) InsertBrowserSession(ctx context.Context, s workspace.BrowserSession) error {
	_, err := t.exec(ctx, `INSERT INTO browser_sessions (`+browserSessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, nullable(s.OrgID), nullable(s.UserID), s.CSRFToken, boolInt(s.MFAPassed), joinList(s.AMR), tsPtr(s.AuthTime),
		sealedFlow.seal(t.keys, s.IDHash, string(s.Flow)), ts(s.CreatedAt), ts(s.ExpiresAt), tsPtr(s.EndedAt))
	return err
}

func (t *tx) BrowserSessionByHash(ctx context.Context, idHash string) (workspace.BrowserSession, error) {
	var s workspace.BrowserSession
	var org, user, authTime, ended sql.NullString
	var mfa int
	var amr, flow, created, expires string
	err := t.queryRow(ctx, `SELECT `+browserSessionColumns+` FROM browser_sessions WHERE id_hash = ?`, idHash).
		Scan(&s.IDHash, &org, &user, &s.CSRFToken, &mfa, &amr, &authTime, &flow, &created, &expires, &ended)
	if err != nil {
		return s, notFound(err, "browser session", "")
	}
	if flow, err = sealedFlow.open(t.keys, s.IDHash, flow); err != nil {
		return s, err
	}
	s.OrgID, s.UserID, s.MFAPassed, s.AMR, s.Flow = org.String, user.String, mfa != 0, splitList[string](amr), []byte(flow)
	if s.AuthTime, err = parseTimePtr(authTime); err != nil {
		return s, err
	}
	if s.CreatedAt, err = parseTime(created); err != nil {
		return s, err
	}
	if s.ExpiresAt, err = parseTime(expires); err != nil {
		return s, err
	}
	s.EndedAt, err = parseTimePtr(ended)
	return s, err
}

func (t *tx) UpdateBrowserSession(ctx context.Context, s workspace.BrowserSession) error {
	res, err := t.exec(ctx, `UPDATE browser_sessions SET org_id = ?, user_id = ?, mfa_passed = ?, amr = ?, auth_time = ?, flow = ?
		WHERE id_hash = ? AND ended_at IS NULL`,
		nullable(s.OrgID), nullable(s.UserID), boolInt(s.MFAPassed), joinList(s.AMR), tsPtr(s.AuthTime),
		sealedFlow.seal(t.keys, s.IDHash, string(s.Flow)), s.IDHash)
	if err != nil {
		return err
	}
	return checkAffected(res, "browser session", "")
}

// EndBrowserSession forgets the flow too: an ended sign-in's state (a
// finished sign-up's password hash and TOTP secret) has no use left.
func (t *tx) EndBrowserSession(ctx context.Context, idHash string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE browser_sessions SET ended_at = ?, flow = '{}' WHERE id_hash = ? AND ended_at IS NULL`, ts(at), idHash)
	return err
}

func (t *tx) DeleteBrowserSessionsExpiredBefore(ctx context.Context, before time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM browser_sessions WHERE expires_at < ?`, ts(before))
	return err
}
