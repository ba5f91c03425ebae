package sqlstore

import (
	"context"
	"time"
)

func (t *tx) UpstreamSubject(ctx context.Context, orgID, userID, issuer string) (string, error) {
	var subject string
	err := t.queryRow(ctx, `SELECT subject FROM upstream_links WHERE org_id = ? AND user_id = ? AND issuer = ?`+t.forUpdate(),
		orgID, userID, issuer).Scan(&subject)
	return subject, notFound(err, "upstream link", userID)
}

func (t *tx) UpstreamUser(ctx context.Context, orgID, issuer, subject string) (string, error) {
	var userID string
	err := t.queryRow(ctx, `SELECT user_id FROM upstream_links WHERE org_id = ? AND issuer = ? AND subject = ?`,
		orgID, issuer, subject).Scan(&userID)
	return userID, notFound(err, "upstream link", subject)
}

// LinkUpstream returns false when the provider account is already linked
// to another user of the org.
func (t *tx) LinkUpstream(ctx context.Context, orgID, userID, issuer, subject string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO upstream_links (org_id, user_id, issuer, subject, linked_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, orgID, userID, issuer, subject, ts(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
