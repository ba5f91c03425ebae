package sqlstore

import (
	"context"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Bulk statements of InviteBatch (issue 4). Multi-row INSERTs and IN lists
// are split so that no statement carries more than maxParams values: below
// SQLite's and PostgreSQL's limits, and small enough to prepare quickly.
const maxParams = 2000

func (t *tx) InvitesByIdempotencyKeys(ctx context.Context, orgID string, keys []string) ([]workspace.Invite, error) {
	return t.invitesWhereIn(ctx, `org_id = ? AND idempotency_key IN `, orgID, keys)
}

func (t *tx) PendingInvitesByEmails(ctx context.Context, orgID string, emails []string) ([]workspace.Invite, error) {
	return t.invitesWhereIn(ctx, `org_id = ? AND status = 'pending' AND email_norm IN `, orgID, lowered(emails))
}

// invitesWhereIn selects the invites matching where (which ends in "IN")
// for each part of values, licenses included.
func (t *tx) invitesWhereIn(ctx context.Context, where, orgID string, values []string) ([]workspace.Invite, error) {
	var out []workspace.Invite
	for part := range parts(values, maxParams-1) {
		invs, err := queryAll(ctx, t, scanInvite, `SELECT `+inviteColumns+` FROM invites WHERE `+where+`(`+placeholders(len(part))+`)`, args(orgID, part)...)
		if err != nil {
			return nil, err
		}
		out = append(out, invs...)
	}
	for part := range parts(out, maxParams) {
		if err := t.loadInviteLicenses(ctx, part); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *tx) UserEmailsAmong(ctx context.Context, orgID string, emails []string) ([]string, error) {
	var out []string
	scan := func(r rowScanner) (e string, err error) { return e, r.Scan(&e) }
	for part := range parts(lowered(emails), maxParams-1) {
		found, err := queryAll(ctx, t, scan, `SELECT email_norm FROM users WHERE org_id = ? AND email_norm IN (`+placeholders(len(part))+`)`, args(orgID, part)...)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

func (t *tx) InsertInvites(ctx context.Context, invs []workspace.Invite) error {
	const cols = 13
	vals := make([]any, 0, len(invs)*cols)
	var lics []any
	for _, inv := range invs {
		vals = append(vals, inv.ID, inv.OrgID, inv.Name, inv.Email, joinList(inv.Roles), string(inv.Status), nullable(inv.TokenHash),
			nullable(inv.IdempotencyKey), inv.InvitedBy, ts(inv.ExpiresAt), ts(inv.CreatedAt), ts(inv.UpdatedAt), strings.ToLower(inv.Email))
		for _, p := range inv.Licenses {
			lics = append(lics, inv.OrgID, inv.ID, p, reservedUntil(inv))
		}
	}
	const head = `INSERT INTO invites (` + inviteColumns + `, email_norm) VALUES `
	const licHead = `INSERT INTO invite_licenses (org_id, invite_id, product, reserved_until) VALUES `
	if !t.d.InProcess() && len(invs) == 1 && len(lics) > 0 {
		// One statement, one round trip: a single invite is the common
		// write under load.
		_, err := t.exec(ctx, `WITH invite AS (`+head+rowsOf(1, cols)+`) `+licHead+rowsOf(len(lics)/4, 4), append(vals, lics...)...)
		return inviteTaken(t, err, invs)
	}
	if err := inviteTaken(t, t.insertRows(ctx, head, cols, vals), invs); err != nil {
		return err
	}
	return t.insertRows(ctx, licHead, 4, lics)
}

// inviteTaken is err, or R1's refusal when it is the database's guard of
// one pending invite per email.
func inviteTaken(t *tx, err error, invs []workspace.Invite) error {
	if err != nil && t.d.IsUniqueViolation(err) {
		return &workspace.EmailTakenError{Email: invs[0].Email, By: "invite"}
	}
	return err
}

func (t *tx) InsertAudits(ctx context.Context, events []workspace.AuditEvent) error {
	const cols = 9
	vals := make([]any, 0, len(events)*cols)
	for _, e := range events {
		vals = append(vals, e.ID, e.OrgID, ts(e.At), e.Actor, e.Action, e.Target, nullJSON(e.Before), nullJSON(e.After), e.RequestID)
	}
	return t.insertRows(ctx, `INSERT INTO audit_events (id, org_id, at, actor, action, target, before_json, after_json, request_id) VALUES `, cols, vals)
}

// parts yields xs in consecutive pieces of at most n.
func parts[T any](xs []T, n int) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(xs) > 0 {
			k := min(n, len(xs))
			if !yield(xs[:k]) {
				return
			}
			xs = xs[k:]
		}
	}
}

// rowsOf returns "(?, ?), (?, ?)" for n rows of cols values.
func rowsOf(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

func args(first string, rest []string) []any {
	out := make([]any, 0, len(rest)+1)
	out = append(out, first)
	for _, r := range rest {
		out = append(out, r)
	}
	return out
}

func lowered(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.ToLower(x)
	}
	return out
}
