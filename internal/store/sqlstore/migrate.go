package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/wsctl/wsctl/internal/secrets"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies every pending migration (goose, embedded SQL files, and
// the Go ones); keys seal the secrets migration 15 finds in clear.
func Migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, keys *secrets.Keyring) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db, sub, goose.WithGoMigrations(poolCounters(dialect), sealSecrets(dialect, keys)))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
