package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

const tokenColumns = `t.id, t.org_id, t.user_id, u.email, t.name, t.scopes, t.hash, t.idempotency_key, t.created_at, t.last_used_at, t.revoked_at, t.expires_at`
const tokenFrom = ` FROM api_tokens t JOIN users u ON u.id = t.user_id `

func (t *tx) InsertToken(ctx context.Context, tok workspace.APIToken) error {
	_, err := t.exec(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, scopes, hash, idempotency_key, created_at, last_used_at, revoked_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tok.ID, tok.OrgID, tok.UserID, tok.Name, joinList(tok.Scopes), tok.Hash, nullable(tok.IdempotencyKey),
		ts(tok.CreatedAt), tsPtr(tok.LastUsedAt), tsPtr(tok.RevokedAt), tsPtr(tok.ExpiresAt))
	return err
}

// tokenRow is where an api_tokens row (tokenColumns) is scanned.
type tokenRow struct {
	tok                workspace.APIToken
	scopes, created    string
	key, used, revoked sql.NullString
	expires            sql.NullString
}

func (r *tokenRow) dests() []any {
	return []any{&r.tok.ID, &r.tok.OrgID, &r.tok.UserID, &r.tok.UserEmail, &r.tok.Name, &r.scopes, &r.tok.Hash, &r.key, &r.created, &r.used, &r.revoked, &r.expires}
}

func (r *tokenRow) token() (workspace.APIToken, error) {
	tok := r.tok
	tok.Scopes = splitList[workspace.Scope](r.scopes)
	tok.IdempotencyKey = r.key.String
	var err error
	if tok.CreatedAt, err = parseTime(r.created); err != nil {
		return tok, err
	}
	if tok.LastUsedAt, err = parseTimePtr(r.used); err != nil {
		return tok, err
	}
	if tok.RevokedAt, err = parseTimePtr(r.revoked); err != nil {
		return tok, err
	}
	tok.ExpiresAt, err = parseTimePtr(r.expires)
	return tok, err
}

func scanToken(row rowScanner) (workspace.APIToken, error) {
	var r tokenRow
	if err := row.Scan(r.dests()...); err != nil {
		return r.tok, err
	}
	return r.token()
}

func (t *tx) TokenByHash(ctx context.Context, hash string) (workspace.APIToken, error) {
	tok, err := scanToken(t.queryRow(ctx, `SELECT `+tokenColumns+tokenFrom+`WHERE t.hash = ?`, hash))
	return tok, notFound(err, "token", "(secret)")
}

// TokenHolder reads a token and its user in one statement: every API
// request authenticates, and on PostgreSQL each statement is a round trip.
func (t *tx) TokenHolder(ctx context.Context, hash string) (workspace.APIToken, workspace.User, error) {
	var tr tokenRow
	var ur userRow
	err := t.queryRow(ctx, `SELECT `+tokenColumns+`, `+tokenUserColumns+tokenFrom+`WHERE t.hash = ? AND u.org_id = t.org_id`, hash).Scan(append(tr.dests(), ur.dests()...)...)
	if err != nil {
		return tr.tok, ur.u, notFound(err, "token", "(secret)")
	}
	tok, err := tr.token()
	if err != nil {
		return tok, ur.u, err
	}
	u, err := ur.user()
	return tok, u, err
}

// tokenUserColumns are userColumns of tokenFrom's users u.
var tokenUserColumns = "u." + strings.ReplaceAll(strings.Join(strings.Fields(userColumns), " "), ", ", ", u.")

func (t *tx) TokenByID(ctx context.Context, orgID, id string) (workspace.APIToken, error) {
	tok, err := scanToken(t.queryRow(ctx, `SELECT `+tokenColumns+tokenFrom+`WHERE t.org_id = ? AND t.id = ?`, orgID, id))
	return tok, notFound(err, "token", id)
}

func (t *tx) TokenByIdempotencyKey(ctx context.Context, orgID, userID, key string) (workspace.APIToken, error) {
	tok, err := scanToken(t.queryRow(ctx, `SELECT `+tokenColumns+tokenFrom+`WHERE t.org_id = ? AND t.user_id = ? AND t.idempotency_key = ?`, orgID, userID, key))
	return tok, notFound(err, "token", key)
}

func (t *tx) ListTokens(ctx context.Context, orgID string) ([]workspace.APIToken, error) {
	return queryAll(ctx, t, scanToken, `SELECT `+tokenColumns+tokenFrom+`WHERE t.org_id = ? ORDER BY t.id`, orgID)
}

func (t *tx) RevokeToken(ctx context.Context, orgID, id string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`, ts(at), orgID, id)
	if err != nil {
		return err
	}
	return checkAffected(res, "token", id)
}

func (t *tx) RevokeUserTokens(ctx context.Context, orgID, userID string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL`, ts(at), orgID, userID)
	return err
}

func (t *tx) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ts(at), id)
	return err
}
