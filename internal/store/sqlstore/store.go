package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wsctl/wsctl/internal/secrets"
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
// the same *sql.DB (PostgreSQL). An in-process database (SQLite) has one
// writer connection, whose transactions a groupCommit runs in arrival
// order (group.go), and a few reader connections in a connPool
// (connpool.go).
type Store struct {
	writer, reader *sql.DB
	dialect        Dialect
	keys           *secrets.Keyring // seals the secrets at rest (sealed.go)
	closers        []func() error
	group          *groupCommit // in-process databases only
	readers        *connPool    // in-process databases only
	closeOnce      sync.Once
	closeErr       error
}

// New returns a Store whose secrets keys seal (sealed.go); it refuses a
// database whose secrets another key sealed. closers run on Close. For an
// in-process database it takes the writer's one connection and every
// reader connection (SetMaxOpenConns) for the Store's life.
func New(ctx context.Context, writer, reader *sql.DB, d Dialect, keys *secrets.Keyring, closers ...func() error) (*Store, error) {
	s := &Store{writer: writer, reader: reader, dialect: d, keys: keys, closers: closers}
	if d.InProcess() {
		w, err := newConnPool(ctx, writer, 1)
		if err != nil {
			return nil, err
		}
		if s.readers, err = newConnPool(ctx, reader, reader.Stats().MaxOpenConnections); err != nil {
			w.close()
			return nil, err
		}
		s.group = startGroupCommit(s, w)
	}
	if err := s.checkKeys(ctx); err != nil {
		if s.group != nil {
			s.group.stop()
			s.readers.close()
		}
		return nil, err
	}
	return s, nil
}

var _ workspace.Store = (*Store)(nil)

// Update runs fn in a write transaction, again if it failed transiently.
func (s *Store) Update(ctx context.Context, fn func(workspace.Tx) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	// The first attempt decides without the pool lock; an attempt after a
	// pool check failed at commit (or a deadlock) decides under it.
	var err error
	for attempt := range maxAttempts {
		if err = s.run(ctx, attempt > 0, fn); err == nil || !s.dialect.IsRetryable(err) {
			return err
		}
	}
	return err
}

// run runs fn in a write transaction of database/sql (PostgreSQL).
// Without lockPools, LockPools reads the pools without locking them: the
// commit's check (migrate_counters.go) refuses a transaction that left a
// pool it changed over its total or full, and Update runs it again with
// lockPools.
func (s *Store) run(ctx context.Context, lockPools bool, fn func(workspace.Tx) error) (err error) {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	t := &tx{q: sqlTx, d: s.dialect, keys: s.keys, write: true, optimistic: !lockPools}
	if lockPools {
		// Tell the commit's check that this transaction decides under
		// the pool lock: it may fill a pool.
		if _, err = sqlTx.ExecContext(ctx, `SELECT `+setPoolsMode(poolsLocked)); err != nil {
			return err
		}
	}
	if err = fn(t); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn in a read-only transaction on an in-process database. On
// PostgreSQL it runs on one connection without a transaction: at the
// default READ COMMITTED isolation a read-only transaction gives each
// statement its own snapshot anyway, and BEGIN and COMMIT would be two more
// round trips for every request.
func (s *Store) View(ctx context.Context, fn func(workspace.Tx) error) error {
	if s.readers == nil {
		conn, err := s.reader.Conn(ctx)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer conn.Close()
		return fn(&tx{q: conn, d: s.dialect, keys: s.keys})
	}
	c, err := s.readers.take(ctx)
	if err != nil {
		return err
	}
	defer s.readers.put(c)
	return c.inTx(ctx, `BEGIN`, func() error { return fn(&tx{q: c.conn, d: s.dialect, keys: s.keys, conn: c}) })
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.readers == nil {
		return s.reader.PingContext(ctx)
	}
	c, err := s.readers.take(ctx)
	if err != nil {
		return err
	}
	defer s.readers.put(c)
	return c.conn.PingContext(ctx)
}

// Close stops the group commit, then closes the statements and the
// handles. Closing again does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.group != nil {
			errs = append(errs, s.group.stop(), s.readers.close())
		}
		for _, c := range s.closers {
			errs = append(errs, c())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// querier is what a tx runs statements on: a *sql.Tx, or a *sql.Conn.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx implements workspace.Tx.
type tx struct {
	q          querier
	d          Dialect
	keys       *secrets.Keyring
	write      bool
	optimistic bool        // PoolsForInvite reads without locking (PostgreSQL's first attempt)
	conn       *pooledConn // an in-process database's connection, with its prepared statements
}

// forUpdate is the suffix that locks the rows a write transaction reads.
func (t *tx) forUpdate() string {
	if t.write && t.d.LockRowSuffix() != "" {
		return " " + t.d.LockRowSuffix()
	}
	return ""
}

// exec runs a statement.
func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.d.Rebind(q)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx = t.unwatched(ctx)
	stmt, err := t.prepared(ctx, q, len(args))
	switch {
	case err != nil:
		return nil, err
	case stmt != nil:
		return stmt.ExecContext(ctx, args...)
	}
	return t.q.ExecContext(ctx, q, args...)
}

// unwatched is ctx, without its cancellation in a write transaction on an
// in-process database: there the context is checked before each statement
// rather than watched during it (see Dialect.InProcess), and an interrupted
// write would roll back the whole transaction, which a group commit shares
// with other requests (group.go).
func (t *tx) unwatched(ctx context.Context) context.Context {
	if t.write && t.d.InProcess() {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// prepared is q's statement kept prepared on an in-process database's
// connection (connpool.go); nil on PostgreSQL, where pgx keeps its own
// cache of prepared statements per connection and an explicit prepare
// would be one more round trip.
func (t *tx) prepared(ctx context.Context, q string, args int) (*sql.Stmt, error) {
	if t.conn == nil {
		return nil, nil
	}
	return t.conn.stmt(ctx, q, args)
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
		if _, err := t.q.ExecContext(ctx, t.d.Rebind(head+rowsOf(len(part)/cols, cols)), part...); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.d.Rebind(q)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx = t.unwatched(ctx)
	stmt, err := t.prepared(ctx, q, len(args))
	if err != nil {
		return nil, err
	}
	if stmt != nil {
		return stmt.QueryContext(ctx, args...)
	}
	return t.q.QueryContext(ctx, q, args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.d.Rebind(q)
	if ctx.Err() == nil {
		ctx = t.unwatched(ctx)
	}
	if stmt, err := t.prepared(ctx, q, len(args)); err == nil && stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return t.q.QueryRowContext(ctx, q, args...)
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

// Warm opens the connections of a database outside this process before the
// first requests need them (workspaced serve calls it; short operator
// commands do not): PostgreSQL starts a process per connection, and a
// server that opened them as 16 clients arrived made those clients' first
// requests wait (single invites at 16 clients over 3 s: p99 385 ms, 252 ms
// with the connections opened first). A connection that fails to open is
// left for later: the pool opens it on demand.
func (s *Store) Warm(ctx context.Context) {
	if s.dialect.InProcess() {
		return
	}
	n := s.writer.Stats().MaxOpenConnections
	conns := make(chan *sql.Conn, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := s.writer.Conn(ctx)
			if err != nil {
				return
			}
			if c.PingContext(ctx) != nil {
				c.Close()
				return
			}
			conns <- c
		})
	}
	wg.Wait()
	close(conns)
	for c := range conns {
		c.Close() // back to the pool, idle
	}
}
