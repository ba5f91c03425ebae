package sqlstore

import (
	"context"
	"time"
)

// userSessionRevocations are the statements that end a user's sign-in state
// (R9, R12); each takes (at, userID). The OAuth tables (migration 00002) and
// the browser sessions (00003) add theirs here.
var userSessionRevocations = []string{}

func (t *tx) RevokeUserSessions(ctx context.Context, orgID, userID string, at time.Time) error {
	for _, q := range userSessionRevocations {
		if _, err := t.exec(ctx, q, ts(at), userID); err != nil {
			return err
		}
	}
	return nil
}
