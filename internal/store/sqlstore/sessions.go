package sqlstore

import (
	"context"
	"time"
)

// userSessionRevocations are the statements that end a user's sign-in state
// (R9, R12); each takes (at, userID). The OAuth tables (migration 00002) and
// the browser sessions (00003) add theirs here.
var userSessionRevocations = []string{
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

func (t *tx) RevokeUserSessions(ctx context.Context, orgID, userID string, at time.Time) error {
	for _, q := range userSessionRevocations {
		if _, err := t.exec(ctx, q, ts(at), userID); err != nil {
			return err
		}
	}
	return nil
}
