package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The outbox: messages written with the change that causes them, then
// delivered by the mail worker under a lease (workspace.Tx's outbox block).
// A sign-up link's secret is kept sealed in link_token (sealed.go), apart
// from the bodies, and set to NULL once the message is sent, failed or
// cancelled (migration 00015).

const outboxColumns = `id, org_id, recipient, subject, text_body, html_body, created_at, status, attempts, last_error, next_attempt_at, sent_at, invite_id, link_token`

func (t *tx) InsertOutbox(ctx context.Context, msgs ...workspace.OutboxMessage) error {
	const cols = 11
	vals := make([]any, 0, len(msgs)*cols)
	for _, m := range msgs {
		next := m.NextAttemptAt
		if next.IsZero() {
			next = m.CreatedAt
		}
		vals = append(vals, m.ID, m.OrgID, m.To, m.Subject, m.Text, m.HTML, ts(m.CreatedAt), string(workspace.OutboxPending), ts(next), nullable(m.InviteID),
			nullable(sealedLinkToken.seal(t.keys, m.ID, m.LinkToken)))
	}
	return t.insertRows(ctx, `INSERT INTO outbox (id, org_id, recipient, subject, text_body, html_body, created_at, status, next_attempt_at, invite_id, link_token) VALUES `, cols, vals)
}

func (t *tx) ListOutbox(ctx context.Context, orgID string) ([]workspace.OutboxMessage, error) {
	rows, err := t.query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE org_id = ? ORDER BY id`, orgID)
	if err != nil {
		return nil, err
	}
	return t.scanOutbox(rows)
}

// outboxDue is the condition of a message a worker may claim at ? (twice).
const outboxDue = `status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`

// ClaimOutbox leases due messages in one UPDATE whose WHERE repeats the
// condition, so a row another claimer leased first is left alone. The due
// rows are chosen once, in a MATERIALIZED CTE: PostgreSQL may run an
// IN (subquery … LIMIT) again per row and so claim past the limit. SQLite
// has one writer at a time; on PostgreSQL the CTE skips the rows other
// claim transactions hold, so claimers never wait on each other and never
// lease one message twice.
func (t *tx) ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]workspace.OutboxMessage, error) {
	lock := ""
	if s := t.d.SkipLockedSuffix(); s != "" {
		lock = " " + s
	}
	rows, err := t.query(ctx, `WITH due AS MATERIALIZED (
			SELECT id FROM outbox WHERE `+outboxDue+` ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM due) AND `+outboxDue+`
		RETURNING `+outboxColumns,
		ts(now), ts(now), limit, owner, ts(leaseUntil), ts(now), ts(now))
	if err != nil {
		return nil, err
	}
	msgs, err := t.scanOutbox(rows)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(msgs, func(a, b workspace.OutboxMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return msgs, nil
}

func (t *tx) MarkOutboxSent(ctx context.Context, id string, at time.Time) error {
	// 'cancelled' too: a resend may cancel a message whose lease expired
	// while its worker was still sending it; once sent, it is sent.
	res, err := t.exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL,
			link_token = NULL
		WHERE id = ? AND status IN ('pending', 'cancelled')`, ts(at), id)
	if err != nil {
		return err
	}
	return checkAffected(res, "outbox message", id)
}

func (t *tx) MarkOutboxRetry(ctx context.Context, id, owner, lastError string, next time.Time) error {
	res, err := t.exec(ctx, `UPDATE outbox SET last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
		WHERE id = ? AND status = 'pending' AND lease_owner = ?`, lastError, ts(next), id, owner)
	if err != nil {
		return err
	}
	return checkAffected(res, "outbox message", id)
}

func (t *tx) MarkOutboxFailed(ctx context.Context, id, owner, lastError string) error {
	res, err := t.exec(ctx, `UPDATE outbox SET status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL, link_token = NULL
		WHERE id = ? AND status = 'pending' AND lease_owner = ?`, lastError, id, owner)
	if err != nil {
		return err
	}
	return checkAffected(res, "outbox message", id)
}

func (t *tx) CancelInviteEmails(ctx context.Context, inviteID, why string, now time.Time) error {
	_, err := t.exec(ctx, `UPDATE outbox SET status = 'cancelled', last_error = ?, link_token = NULL
		WHERE invite_id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)`, why, inviteID, ts(now))
	return err
}

func (t *tx) scanOutbox(rows *sql.Rows) ([]workspace.OutboxMessage, error) {
	defer rows.Close()
	var out []workspace.OutboxMessage
	for rows.Next() {
		var m workspace.OutboxMessage
		var created, status string
		var next string
		var lastError, sent, invite, token sql.NullString
		if err := rows.Scan(&m.ID, &m.OrgID, &m.To, &m.Subject, &m.Text, &m.HTML, &created, &status, &m.Attempts, &lastError, &next, &sent, &invite, &token); err != nil {
			return nil, err
		}
		var err error
		if m.LinkToken, err = sealedLinkToken.open(t.keys, m.ID, token.String); err != nil {
			return nil, err
		}
		if m.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		m.NextAttemptAt = m.CreatedAt
		if next != "" {
			if m.NextAttemptAt, err = parseTime(next); err != nil {
				return nil, err
			}
		}
		if m.SentAt, err = parseTimePtr(sent); err != nil {
			return nil, err
		}
		m.Status, m.LastError, m.InviteID = workspace.OutboxStatus(status), lastError.String, invite.String
		out = append(out, m)
	}
	return out, rows.Err()
}
