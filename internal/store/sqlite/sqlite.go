// Package sqlite opens the embedded default store: one SQLite file in WAL
// mode through modernc.org/sqlite (no cgo), migrated at open.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wsctl/wsctl/internal/store/sqlstore"
)

// Open opens (creating if needed) the database file at path and migrates
// it; opts give the keys its secrets are sealed with (sqlstore.WithKeys).
func Open(ctx context.Context, path string, opts ...sqlstore.Option) (*sqlstore.Store, error) {
	keys := sqlstore.KeysOf(opts...)
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create the data directory: %w", err)
		}
	}
	// Writers queue on one connection whose transactions BEGIN IMMEDIATE:
	// the write lock is taken at the start, so a transaction never fails
	// half-way on a busy upgrade and R4's count-then-claim is serialized.
	writer, err := sql.Open("sqlite", WriterDSN(path))
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(8)
	if err := sqlstore.Migrate(ctx, writer, goose.DialectSQLite3, keys); err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ckpt, err := startCheckpointer(path)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, err
	}
	s, err := sqlstore.New(ctx, writer, reader, dialect{}, keys, ckpt.Close, reader.Close, writer.Close)
	if err != nil {
		ckpt.Close()
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

// pragmas of every connection. The write-ahead log is copied into the
// database file by a checkpointer of the store's own (checkpoint.go), not
// by the commit that crosses wal_autocheckpoint; journal_size_limit
// truncates the log file to 64 MB when a checkpoint resets it. temp_store
// is memory because each request of a group commit runs in a savepoint,
// which keeps the pages it changes in a statement journal, by default a
// temporary file: a write system call per page (a quarter of a single
// invite's time).
var pragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)",
	"wal_autocheckpoint(0)", "journal_size_limit(67108864)", "temp_store(MEMORY)"}

// WriterDSN is how the store opens path for writing (database/sql driver
// "sqlite"): its pragmas, and transactions that BEGIN IMMEDIATE. bench/
// writes its floor through it, so that the floor pays what the server pays.
func WriterDSN(path string) string { return dsn(path, "immediate") }

func dsn(path, txlock string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

type dialect struct{}

func (dialect) Rebind(q string) string { return q }

// LockPoolsSuffix is empty: the IMMEDIATE transaction already holds SQLite's
// single write lock.
func (dialect) LockPoolsSuffix() string { return "" }

// LockRowSuffix is empty: SQLite has one writer at a time.
func (dialect) LockRowSuffix() string { return "" }

// SkipLockedSuffix is empty: SQLite has one writer at a time.
func (dialect) SkipLockedSuffix() string { return "" }

// InProcess: SQLite runs in this process, so a prepared statement per row
// has no round trip and skips parsing one huge statement.
func (dialect) InProcess() bool { return true }

// IsRetryable is false: the IMMEDIATE transaction waits (busy_timeout)
// instead of failing part-way.
func (dialect) IsRetryable(error) bool { return false }

func (dialect) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
