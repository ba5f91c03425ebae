package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// userSessionRevocations are the statements that end a user's sign-in state
// (R9, R12); each takes (at, userID). The OAuth tables (migration 00002) and
// the browser sessions (00003) add theirs here.
var userSessionRevocations = []string{
	// First the mark an authorization completing concurrently checks
	// (requireSignInSince). Written first, it takes the user's row before
	// anything else: a completion holding that row finishes first, and the
	// statements below, each reading what is committed when it starts, then
	// revoke what it completed; one that comes after finds the mark.
	`UPDATE users SET sessions_revoked_at = ? WHERE id = ?`,
	// OAuth (00002): every access and refresh token, every authorization the
	// user completed but whose code was not yet exchanged, and every device
	// authorization not yet turned into tokens.
	`UPDATE oauth_access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	`UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	`UPDATE oauth_auth_requests SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	`UPDATE oauth_device_requests SET denied_at = ? WHERE user_id = ? AND denied_at IS NULL AND consumed_at IS NULL`,
	// Browser sessions of the sign-in pages (00003).
	`UPDATE browser_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL`,
}

// requireSignInSince refuses to complete an authorization for a sign-in
// made at authTime if the user's sessions were revoked since (R9, R12). It
// locks the user's row, so that a revocation waits for the completion or
// the completion sees the revocation (see userSessionRevocations).
func (t *tx) requireSignInSince(ctx context.Context, userID string, authTime time.Time) error {
	var revoked sql.NullString
	err := t.queryRow(ctx, `SELECT sessions_revoked_at FROM users WHERE id = ?`+t.forUpdate(), userID).Scan(&revoked)
	if err != nil {
		return notFound(err, "user", userID)
	}
	if !revoked.Valid {
		return nil
	}
	at, err := parseTime(revoked.String)
	if err != nil {
		return err
	}
	if !authTime.After(at) {
		return workspace.ErrSessionInvalid
	}
	return nil
}

func (t *tx) RevokeUserSessions(ctx context.Context, orgID, userID string, at time.Time) error {
	for _, q := range userSessionRevocations {
		if _, err := t.exec(ctx, q, ts(at), userID); err != nil {
			return err
		}
	}
	return nil
}
