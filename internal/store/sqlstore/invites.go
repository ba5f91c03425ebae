package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

const inviteColumns = `id, org_id, name, email, roles, status, token_hash, idempotency_key, invited_by, expires_at, created_at, updated_at`

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *tx) InsertInvite(ctx context.Context, inv workspace.Invite) error {
	return t.InsertInvites(ctx, []workspace.Invite{inv})
}

// reservedUntil is what invite_licenses.reserved_until holds for inv: its
// expiry while pending, NULL otherwise (R4 counts only live reservations).
func reservedUntil(inv workspace.Invite) any {
	if inv.Status != workspace.InvitePending {
		return nil
	}
	return ts(inv.ExpiresAt)
}

// UpdateInvite writes everything of an invite but its identity: a sync
// sets a pending invite's name, roles and licenses to a roster's row, and
// the licenses' rows carry the reservation's end (reserved_until).
func (t *tx) UpdateInvite(ctx context.Context, inv workspace.Invite) error {
	res, err := t.exec(ctx, `UPDATE invites SET name = ?, roles = ?, status = ?, token_hash = ?, expires_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		inv.Name, joinList(inv.Roles), string(inv.Status), nullable(inv.TokenHash), ts(inv.ExpiresAt), ts(inv.UpdatedAt), inv.OrgID, inv.ID)
	if err != nil {
		return err
	}
	if err := checkAffected(res, "invite", inv.ID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM invite_licenses WHERE invite_id = ?`, inv.ID); err != nil {
		return err
	}
	lics := make([]any, 0, 4*len(inv.Licenses))
	for _, p := range inv.Licenses {
		lics = append(lics, inv.OrgID, inv.ID, p, reservedUntil(inv))
	}
	return t.insertRows(ctx, `INSERT INTO invite_licenses (org_id, invite_id, product, reserved_until) VALUES `, 4, lics)
}

func scanInvite(row rowScanner) (workspace.Invite, error) {
	var inv workspace.Invite
	var roles, status, expires, created, updated string
	var hash, key sql.NullString
	if err := row.Scan(&inv.ID, &inv.OrgID, &inv.Name, &inv.Email, &roles, &status, &hash, &key, &inv.InvitedBy, &expires, &created, &updated); err != nil {
		return inv, err
	}
	inv.Roles = splitList[workspace.Role](roles)
	inv.Status = workspace.InviteStatus(status)
	inv.TokenHash, inv.IdempotencyKey = hash.String, key.String
	var err error
	if inv.ExpiresAt, err = parseTime(expires); err != nil {
		return inv, err
	}
	if inv.CreatedAt, err = parseTime(created); err != nil {
		return inv, err
	}
	inv.UpdatedAt, err = parseTime(updated)
	inv.Licenses = []string{}
	return inv, err
}

func (t *tx) oneInvite(ctx context.Context, key, where string, args ...any) (workspace.Invite, error) {
	inv, err := scanInvite(t.queryRow(ctx, `SELECT `+inviteColumns+` FROM invites WHERE `+where+t.forUpdate(), args...))
	if err != nil {
		return inv, notFound(err, "invite", key)
	}
	invites := []workspace.Invite{inv}
	if err := t.loadInviteLicenses(ctx, invites); err != nil {
		return inv, err
	}
	return invites[0], nil
}

func (t *tx) InviteByID(ctx context.Context, orgID, id string) (workspace.Invite, error) {
	return t.oneInvite(ctx, id, `org_id = ? AND id = ?`, orgID, id)
}

func (t *tx) PendingInviteByEmail(ctx context.Context, orgID, email string) (workspace.Invite, error) {
	return t.oneInvite(ctx, email, `org_id = ? AND email_norm = ? AND status = 'pending' ORDER BY id DESC LIMIT 1`, orgID, strings.ToLower(email))
}

func (t *tx) InviteByTokenHash(ctx context.Context, hash string) (workspace.Invite, error) {
	return t.oneInvite(ctx, "link", `token_hash = ?`, hash)
}

func (t *tx) InviteByIdempotencyKey(ctx context.Context, orgID, key string) (workspace.Invite, error) {
	return t.oneInvite(ctx, key, `org_id = ? AND idempotency_key = ?`, orgID, key)
}

func (t *tx) loadInviteLicenses(ctx context.Context, invites []workspace.Invite) error {
	ids := make([]string, len(invites))
	for i, inv := range invites {
		ids[i] = inv.ID
	}
	held, err := t.productsOf(ctx, "invite_licenses", "invite_id", ids)
	for i := range invites {
		invites[i].Licenses = append(invites[i].Licenses, held[invites[i].ID]...)
	}
	return err
}

func (t *tx) ListInvites(ctx context.Context, orgID string, f workspace.InviteFilter) ([]workspace.Invite, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	now := ts(f.Now)
	switch f.Status {
	case "":
	case workspace.InvitePending:
		where = append(where, "status = 'pending' AND expires_at > ?")
		args = append(args, now)
	case workspace.InviteExpired:
		where = append(where, "(status = 'expired' OR (status = 'pending' AND expires_at <= ?))")
		args = append(args, now)
	default:
		where = append(where, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.After != "" {
		where = append(where, "id > ?")
		args = append(args, f.After)
	}
	args = append(args, f.Limit)
	invites, err := queryAll(ctx, t, scanInvite, `SELECT `+inviteColumns+` FROM invites WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return invites, t.loadInviteLicenses(ctx, invites)
}
