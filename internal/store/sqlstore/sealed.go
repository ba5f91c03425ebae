package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Secrets at rest (security finding 6): the columns below hold values
// sealed with keys kept outside the database (internal/secrets), so that a
// database or backup reader cannot sign in as anyone, accept invites, or
// forge tokens. The store seals as it writes and opens as it reads: the
// domain sees plain values, and every dialect seals alike. Each value is
// bound to its table, column and row, so a sealed value copied to another
// row does not open.

// sealedColumn is a column of sealed values and the column naming its rows.
type sealedColumn struct {
	table, column, rowKey string
	// empty is the value of a row that holds no secret, stored as it is.
	empty string
}

var (
	sealedTOTP       = sealedColumn{table: "credentials", column: "totp_secret", rowKey: "user_id"}
	sealedIdPSecret  = sealedColumn{table: "org_identity_providers", column: "client_secret", rowKey: "org_id"}
	sealedServerKeys = sealedColumn{table: "oauth_keys", column: "secret", rowKey: "name"}
	sealedLinkToken  = sealedColumn{table: "outbox", column: "link_token", rowKey: "id"}
	// A sign-in's flow: upstream state and PKCE verifier, a sign-up's
	// password hash and TOTP secret. "{}" is no flow.
	sealedFlow = sealedColumn{table: "browser_sessions", column: "flow", rowKey: "id_hash", empty: "{}"}
)

// sealedColumns are every column of sealed values: the migration that
// sealed what was written before (migrate_seal.go), the check at open, and
// a rotation (Reseal) go through them all.
var sealedColumns = []sealedColumn{sealedServerKeys, sealedTOTP, sealedIdPSecret, sealedLinkToken, sealedFlow}

// where is what a value of the column in row is bound to.
func (c sealedColumn) where(row string) string { return c.table + "." + c.column + ":" + row }

// seal is the stored form of plain in row: sealed, unless it holds no secret.
func (c sealedColumn) seal(keys *secrets.Keyring, row, plain string) string {
	if plain == "" || plain == c.empty {
		return plain
	}
	return keys.Seal(c.where(row), plain)
}

// open is the plain value of stored in row.
func (c sealedColumn) open(keys *secrets.Keyring, row, stored string) (string, error) {
	plain, err := keys.Open(c.where(row), stored)
	if err != nil {
		return "", fmt.Errorf("%s.%s: %w", c.table, c.column, err)
	}
	return plain, nil
}

// Option configures a store as it opens.
type Option func(*options)

type options struct{ keys *secrets.Keyring }

// WithKeys seals the store's secrets with keys.
func WithKeys(keys *secrets.Keyring) Option { return func(o *options) { o.keys = keys } }

// KeysOf is the keyring opts name; without one, a fresh key that dies with
// the process (secrets.Ephemeral): right for tests that open a database
// once, and refused at the next open of a database it sealed anything in
// (checkKeys), so that no server can go on with a key nobody kept.
func KeysOf(opts ...Option) *secrets.Keyring {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.keys == nil {
		return secrets.Ephemeral()
	}
	return o.keys
}

// checkKeys opens one sealed value of each sealed column: a server given
// another key than the one the database was sealed with stops at start,
// rather than fail every sign-in later.
func (s *Store) checkKeys(ctx context.Context) error {
	return s.View(ctx, func(wtx workspace.Tx) error {
		t := wtx.(*tx)
		for _, c := range sealedColumns {
			var row, stored string
			err := t.queryRow(ctx, `SELECT `+c.rowKey+`, `+c.column+` FROM `+c.table+` WHERE `+c.column+` LIKE 'sealed:%' LIMIT 1`).
				Scan(&row, &stored)
			if errors.Is(err, sql.ErrNoRows) {
				continue // nothing sealed there yet
			}
			if err != nil {
				return err
			}
			if _, err := c.open(s.keys, row, stored); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reseal seals every sealed value again with the keyring's newest key, one
// transaction per column, and returns how many it sealed: a rotation
// (workspaced secrets rotate) runs it with the old and new keys, before
// dropping the old one. Values still in clear are sealed too.
func (s *Store) Reseal(ctx context.Context) (int, error) {
	total := 0
	current := s.keys.Current().ID()
	for _, c := range sealedColumns {
		n := 0
		err := s.Update(ctx, func(wtx workspace.Tx) error {
			n = 0
			t := wtx.(*tx)
			type value struct{ row, stored string }
			values, err := queryAll(ctx, t, func(r rowScanner) (v value, err error) { return v, r.Scan(&v.row, &v.stored) },
				`SELECT `+c.rowKey+`, `+c.column+` FROM `+c.table+` WHERE `+c.column+` IS NOT NULL AND `+c.column+` <> '' AND `+c.column+` <> ?`,
				c.empty)
			if err != nil {
				return err
			}
			for _, v := range values {
				if secrets.KeyIDOf(v.stored) == current {
					continue
				}
				plain, err := c.open(s.keys, v.row, v.stored)
				if err != nil {
					return err
				}
				if _, err := t.exec(ctx, `UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+c.rowKey+` = ?`,
					c.seal(s.keys, v.row, plain), v.row); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("seal %s.%s again: %w", c.table, c.column, err)
		}
		total += n
	}
	return total, nil
}
