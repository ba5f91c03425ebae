// Package postgres opens the store on PostgreSQL (jackc/pgx/v5), for several
// workspaced processes sharing one database; the SQL is sqlstore's.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
)

// maxConns is how many connections one server opens to PostgreSQL at most.
const maxConns = 20

// Open connects to url (postgres://…) and migrates the database; opts
// give the keys its secrets are sealed with (sqlstore.WithKeys), which
// every server sharing the database must hold.
func Open(ctx context.Context, url string, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	keys := sqlstore.KeysOf(opts...)
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	// Keep every connection the pool may open: with database/sql's default
	// of 2 idle ones, a server under 16 clients closed connections and
	// opened them again all the time, and each opening (a TCP connect and
	// PostgreSQL starting a backend) held a request for milliseconds, tens
	// of them for a second (bench/README.md, issue 11).
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := migrate(ctx, db, keys); err != nil {
		db.Close()
		return nil, err
	}
	s, err := sqlstore.New(ctx, db, db, dialect{}, keys, db.Close)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrate runs the migrations under an advisory lock, so servers starting
// together do not race on the schema.
func migrate(ctx context.Context, db *sql.DB, keys *secrets.Keyring) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	const lockKey = 0x77736374 // "wsct"
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey)
	return sqlstore.Migrate(ctx, db, goose.DialectPostgres, keys)
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" database/sql driver

type dialect struct{}

// Rebind turns ? placeholders into $1, $2, …; the SQL has no ? elsewhere.
func (dialect) Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LockPoolsSuffix locks the org's pool rows until commit: R4's claims on one
// org queue here, across every server sharing the database.
func (dialect) LockPoolsSuffix() string { return "FOR UPDATE" }

// LockRowSuffix makes a write transaction wait for, then see, the latest
// version of a user or invite it is about to change.
func (dialect) LockRowSuffix() string { return "FOR UPDATE" }

// SkipLockedSuffix lets mail workers of several servers claim outbox
// messages at once, each skipping the rows another is claiming.
func (dialect) SkipLockedSuffix() string { return "FOR UPDATE SKIP LOCKED" }

// InProcess is false: each statement is a round trip to the server.
func (dialect) InProcess() bool { return false }

func (dialect) IsUniqueViolation(err error) bool { return pgCode(err) == "23505" }

// IsRetryable: serialization_failure, deadlock_detected, and WS409, a pool
// that a change decided without the pool lock left full or over its total
// (the commit's check, sqlstore's migrate_counters.go).
func (dialect) IsRetryable(err error) bool {
	code := pgCode(err)
	return code == "40001" || code == "40P01" || code == "WS409"
}

func pgCode(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}
