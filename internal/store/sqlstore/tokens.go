package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

const tokenColumns = `t.id, t.org_id, t.user_id, u.email, t.name, t.scopes, t.hash, t.idempotency_key, t.created_at, t.last_used_at, t.revoked_at`
const tokenFrom = ` FROM api_tokens t JOIN users u ON u.id = t.user_id `

func (t *tx) InsertToken(ctx context.Context, tok workspace.APIToken) error {
	_, err := t.exec(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, scopes, hash, idempotency_key, created_at, last_used_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tok.ID, tok.OrgID, tok.UserID, tok.Name, joinList(tok.Scopes), tok.Hash, nullable(tok.IdempotencyKey),
		ts(tok.CreatedAt), tsPtr(tok.LastUsedAt), tsPtr(tok.RevokedAt))
	return err
}

func scanToken(row rowScanner) (workspace.APIToken, error) {
	var tok workspace.APIToken
	var scopes, created string
	var key, used, revoked sql.NullString
	if err := row.Scan(&tok.ID, &tok.OrgID, &tok.UserID, &tok.UserEmail, &tok.Name, &scopes, &tok.Hash, &key, &created, &used, &revoked); err != nil {
		return tok, err
	}
	tok.Scopes = splitList[workspace.Scope](scopes)
	tok.IdempotencyKey = key.String
	var err error
	if tok.CreatedAt, err = parseTime(created); err != nil {
		return tok, err
	}
	if tok.LastUsedAt, err = parseTimePtr(used); err != nil {
		return tok, err
	}
	tok.RevokedAt, err = parseTimePtr(revoked)
	return tok, err
}

func (t *tx) TokenByHash(ctx context.Context, hash string) (workspace.APIToken, error) {
	tok, err := scanToken(t.queryRow(ctx, `SELECT `+tokenColumns+tokenFrom+`WHERE t.hash = ?`, hash))
	return tok, notFound(err, "token", "(secret)")
}

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
