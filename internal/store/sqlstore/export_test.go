package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/wsctl/wsctl/internal/secrets"
)

// Grouped reports whether the store's group commit ran more requests than
// transactions, i.e. some requests together.
func (s *Store) Grouped() bool {
	return s.group != nil && s.group.writes.Load() > s.group.commits.Load()
}

// OpenConnections is how many connections the writer handle holds open.
func (s *Store) OpenConnections() int { return s.writer.Stats().OpenConnections }

// MigrateDownTo undoes the migrations after version.
func MigrateDownTo(ctx context.Context, db *sql.DB, dialect goose.Dialect, version int64) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db, sub, goose.WithGoMigrations(poolCounters(dialect), sealSecrets(dialect, secrets.Ephemeral())))
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}
