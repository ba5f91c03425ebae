package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Dialect is what differs between SQL databases.
type Dialect interface {
	// Rebind turns the ? placeholders of a query into the dialect's own.
	Rebind(query string) string
	// LockPoolsSuffix locks the pool rows (e.g. "FOR UPDATE"); ""
	// where the write transaction already holds the database (SQLite).
	LockPoolsSuffix() string
	// LockRowSuffix locks the rows a write transaction reads before it
	// changes them ("FOR UPDATE"), so concurrent changes of one user or
	// invite queue instead of failing; "" where writers are serialized.
	LockRowSuffix() string
	// SkipLockedSuffix ends a SELECT of rows to claim so that rows other
	// transactions hold are skipped, not waited for ("FOR UPDATE SKIP
	// LOCKED"); "" where writers are serialized (SQLite).
	SkipLockedSuffix() string
	// InProcess says whether the engine runs in this process (SQLite), where
	// a statement takes microseconds: many rows are then best inserted by one
	// prepared statement run once per row (parsing one huge statement costs
	// more than running a small one many times) rather than by multi-row
	// statements (PostgreSQL: fewer round trips), and a write transaction
	// checks its context between statements instead of having the driver
	// watch it during each one (modernc's watcher is a goroutine per
	// statement, dearer than the statement itself).
	InProcess() bool
	// IsUniqueViolation reports a unique-constraint failure.
	IsUniqueViolation(err error) bool
	// IsRetryable reports a transient failure of the whole transaction
	// (a deadlock or serialization failure) worth running it again for.
	IsRetryable(err error) bool
}

// maxAttempts bounds how often Update runs a transaction that failed transiently.
const maxAttempts = 4

// Store is a workspace.Store over a writer and a reader handle; they may be
// the same *sql.DB. With SQLite the writer has one connection whose
// transactions begin IMMEDIATE, so writers queue in Go instead of failing busy.
type Store struct {
	writer, reader *sql.DB
	dialect        Dialect
	closers        []func() error
}

// New returns a Store. closers run on Close.
func New(writer, reader *sql.DB, d Dialect, closers ...func() error) *Store {
	return &Store{writer: writer, reader: reader, dialect: d, closers: closers}
}

var _ workspace.Store = (*Store)(nil)

// Update runs fn in a write transaction, again if it failed transiently.
func (s *Store) Update(ctx context.Context, fn func(workspace.Tx) error) error {
	var err error
	for range maxAttempts {
		if err = s.run(ctx, s.writer, nil, true, fn); err == nil || !s.dialect.IsRetryable(err) {
			return err
		}
	}
	return err
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(workspace.Tx) error) error {
	return s.run(ctx, s.reader, &sql.TxOptions{ReadOnly: true}, false, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, write bool, fn func(workspace.Tx) error) (err error) {
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(&tx{tx: sqlTx, d: s.dialect, write: write}); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.reader.PingContext(ctx) }

// Close closes the handles.
func (s *Store) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// tx implements workspace.Tx.
type tx struct {
	tx    *sql.Tx
	d     Dialect
	write bool
	stmts map[string]*sql.Stmt // prepared statements of a write transaction
}

// forUpdate is the suffix that locks the rows a write transaction reads.
func (t *tx) forUpdate() string {
	if t.write && t.d.LockRowSuffix() != "" {
		return " " + t.d.LockRowSuffix()
	}
	return ""
}

// exec runs a statement. In a write transaction each statement text is
// prepared once and reused: a batch invite runs the same INSERTs hundreds of
// times, and parsing them again each time was a fifth of its cost.
func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.d.Rebind(q)
	if !t.write {
		return t.tx.ExecContext(ctx, q, args...)
	}
	if t.d.InProcess() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ctx = context.WithoutCancel(ctx)
	}
	stmt, ok := t.stmts[q]
	if !ok {
		var err error
		if stmt, err = t.tx.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[q] = stmt // closed by the transaction's end
	}
	return stmt.ExecContext(ctx, args...)
}

// insertRows inserts the rows of vals (cols values each) with head, an
// "INSERT INTO t (…) VALUES " clause: row at a time or many rows per
// statement, as the dialect prefers.
func (t *tx) insertRows(ctx context.Context, head string, cols int, vals []any) error {
	if t.d.InProcess() {
		row := head + "(" + placeholders(cols) + ")"
		for i := 0; i < len(vals); i += cols {
			if _, err := t.exec(ctx, row, vals[i:i+cols]...); err != nil {
				return err
			}
		}
		return nil
	}
	for part := range parts(vals, maxParams/cols*cols) {
		if _, err := t.tx.ExecContext(ctx, t.d.Rebind(head+rowsOf(len(part)/cols, cols)), part...); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.d.Rebind(q), args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.d.Rebind(q), args...)
}

// Times are stored as fixed-width UTC text, so they compare as strings in
// SQL the same way in every dialect.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func parseTime(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	return &t, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// joinList and splitList store small sets (roles, scopes) as comma-separated
// text; their members never contain commas.
func joinList[T ~string](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = string(x)
	}
	return strings.Join(parts, ",")
}

func splitList[T ~string](s string) []T {
	out := []T{}
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, T(p))
		}
	}
	return out
}

func notFound(err error, kind, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &workspace.NotFoundError{Kind: kind, Key: key}
	}
	return err
}

func checkAffected(res sql.Result, kind, key string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return &workspace.NotFoundError{Kind: kind, Key: key}
	}
	return nil
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// productsOf reads, in one query, the licenses held by the rows with ids of
// a user_licenses-shaped table (user_licenses by user_id, invite_licenses
// by invite_id): id → products, sorted.
func (t *tx) productsOf(ctx context.Context, table, idColumn string, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	type pair struct{ id, product string }
	pairs, err := queryAll(ctx, t, func(r rowScanner) (p pair, err error) { return p, r.Scan(&p.id, &p.product) },
		`SELECT `+idColumn+`, product FROM `+table+` WHERE `+idColumn+` IN (`+placeholders(len(ids))+`) ORDER BY product`, args...)
	for _, p := range pairs {
		out[p.id] = append(out[p.id], p.product)
	}
	return out, err
}
