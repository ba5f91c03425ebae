package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/workspace"
)

// sealSecrets (migration 15) seals what was kept in clear before (security
// findings 2 and 6): it adds outbox.link_token, moves the secret of each
// sign-up link out of the bodies of the emails still to be sent (sealed
// into link_token, so they still work) and out of the others (forgotten),
// then seals every value of the sealed columns (sealed.go) still in clear.
// It is Go because sealing needs the keys, which never enter SQL. Run again
// it would change nothing: a sealed value starts with "sealed:".
//
// Old row versions may keep the clear values on disk until SQLite reuses
// their pages (VACUUM rewrites the file) or PostgreSQL vacuums them; old
// backups keep them for ever (docs/operations.md says what to do).
func sealSecrets(dialect goose.Dialect, keys *secrets.Keyring) *goose.Migration {
	return goose.NewGoMigration(15,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE outbox ADD COLUMN link_token TEXT`); err != nil {
				return err
			}
			if err := detachLinkTokens(ctx, tx, dialect, keys); err != nil {
				return err
			}
			for _, c := range sealedColumns {
				if err := sealInClear(ctx, tx, dialect, keys, c); err != nil {
					return fmt.Errorf("seal %s.%s: %w", c.table, c.column, err)
				}
			}
			return nil
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `ALTER TABLE outbox DROP COLUMN link_token`)
			return err
		}})
}

// detachLinkTokens takes the sign-up links' secrets out of the stored
// emails' bodies.
func detachLinkTokens(ctx context.Context, tx *sql.Tx, dialect goose.Dialect, keys *secrets.Keyring) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, status, text_body, html_body FROM outbox WHERE text_body LIKE '%/signup?token=%'`)
	if err != nil {
		return err
	}
	var msgs []workspace.OutboxMessage
	for rows.Next() {
		var m workspace.OutboxMessage
		var status string
		if err := rows.Scan(&m.ID, &status, &m.Text, &m.HTML); err != nil {
			rows.Close()
			return err
		}
		m.Status = workspace.OutboxStatus(status)
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	update := rebindFor(dialect, `UPDATE outbox SET text_body = ?, html_body = ?, link_token = ? WHERE id = ?`)
	for _, m := range msgs {
		m, ok := workspace.DetachLinkToken(m)
		if !ok {
			continue
		}
		var token any // forgotten unless the message is still to be sent
		if m.Status == workspace.OutboxPending {
			token = sealedLinkToken.seal(keys, m.ID, m.LinkToken)
		}
		if _, err := tx.ExecContext(ctx, update, m.Text, m.HTML, token, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// sealInClear seals the values of c not sealed yet.
func sealInClear(ctx context.Context, tx *sql.Tx, dialect goose.Dialect, keys *secrets.Keyring, c sealedColumn) error {
	rows, err := tx.QueryContext(ctx, rebindFor(dialect, `SELECT `+c.rowKey+`, `+c.column+` FROM `+c.table+`
		WHERE `+c.column+` NOT LIKE 'sealed:%' AND `+c.column+` <> '' AND `+c.column+` <> ?`), c.empty)
	if err != nil {
		return err
	}
	type value struct{ row, plain string }
	var values []value
	for rows.Next() {
		var v value
		if err := rows.Scan(&v.row, &v.plain); err != nil {
			rows.Close()
			return err
		}
		values = append(values, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	update := rebindFor(dialect, `UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+c.rowKey+` = ?`)
	for _, v := range values {
		if _, err := tx.ExecContext(ctx, update, c.seal(keys, v.row, v.plain), v.row); err != nil {
			return err
		}
	}
	return nil
}

// rebindFor turns the ? placeholders of a migration's statement into
// PostgreSQL's $1, $2, … (the statements hold no other ?).
func rebindFor(dialect goose.Dialect, q string) string {
	if dialect != goose.DialectPostgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		fmt.Fprintf(&b, "$%d", n)
	}
	return b.String()
}
