package sqlstore

import (
	"context"
	"time"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/workspace"
)

// userSessionRevocations are the statements that end a user's sign-in state
// (R9, R12); each takes (at, userID). The OAuth tables (migration 00002) and
// the browser sessions (00003) add theirs here.
var userSessionRevocations = []string{
	// OAuth (00002): every access and refresh token, every authorization the
	// user completed (exchanged ones too: their tokens are revoked above
	// anyway), and every device authorization not yet turned into tokens.
	`UPDATE oauth_access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	`UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	`UPDATE oauth_auth_requests SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
	`UPDATE oauth_device_requests SET denied_at = ? WHERE user_id = ? AND denied_at IS NULL AND consumed_at IS NULL`,
	// Browser sessions of the sign-in pages (00003), their flows forgotten
	// as EndBrowserSession does.
	`UPDATE browser_sessions SET ended_at = ?, flow = '{}' WHERE user_id = ? AND ended_at IS NULL`,
}

// requireLiveSignIn refuses to complete an authorization from a browser
// session that has ended (R9, R12) or is not the user's signed-in one. It
// first locks the user's row, as RevokeUserSessions does before it ends
// sessions: so a revocation either waits for the completion and then
// revokes what it bound (its statements read what is committed when each
// starts), or the completion waits for the revocation and finds the session
// ended.
func (t *tx) requireLiveSignIn(ctx context.Context, by grants.SignIn) error {
	if err := t.lockUser(ctx, by.UserID); err != nil {
		return err
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM browser_sessions
		WHERE id_hash = ? AND user_id = ? AND mfa_passed = 1 AND ended_at IS NULL`, by.SessionIDHash, by.UserID).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return workspace.ErrSessionInvalid
	}
	return nil
}

// lockUser takes the user's row for the rest of the transaction (FOR
// UPDATE; SQLite's one writer holds everything already).
func (t *tx) lockUser(ctx context.Context, userID string) error {
	var id string
	err := t.queryRow(ctx, `SELECT id FROM users WHERE id = ?`+t.forUpdate(), userID).Scan(&id)
	return notFound(err, "user", userID)
}

// RevokeUserSessions ends the user's sessions, tokens and pending
// authorizations, the user's row locked first (see requireLiveSignIn).
func (t *tx) RevokeUserSessions(ctx context.Context, orgID, userID string, at time.Time) error {
	if err := t.lockUser(ctx, userID); err != nil {
		return err
	}
	for _, q := range userSessionRevocations {
		if _, err := t.exec(ctx, q, ts(at), userID); err != nil {
			return err
		}
	}
	return nil
}
