package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// connPool is a fixed set of connections of an in-process database
// (SQLite), taken and given back first come first served, each keeping its
// own prepared statements.
//
// Why not database/sql's pool: it hands a freed connection to a random
// waiter, which under 64 clients left a few requests waiting a second while
// most waited 30 ms; and it offers no statement that stays prepared on a
// connection across transactions without preparing it first on some other
// connection, which deadlocks when every connection is in a transaction.
// On SQLite parsing a statement costs more than running it: a fifth of a
// single invite's time went to parsing the same few statements again.
type connPool struct {
	free   chan *pooledConn
	all    []*pooledConn
	closed chan struct{}
}

// pooledConn is one connection and its statements. One goroutine uses it
// at a time (it is out of the pool meanwhile), so its map needs no lock.
type pooledConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// Only statements of at most maxCachedArgs arguments are kept prepared:
// the package's constant texts, a row of a multi-row insert, and IN lists
// of a few values, a bounded set. A statement with a long IN list (a
// batch's emails) has a text per length and runs once per batch anyway.
// Past maxCachedStmts texts on a connection nothing more is kept, as a
// guard rather than a policy.
const (
	maxCachedArgs  = 16
	maxCachedStmts = 1024
)

// newConnPool takes n connections of db for the pool's life.
func newConnPool(ctx context.Context, db *sql.DB, n int) (*connPool, error) {
	p := &connPool{free: make(chan *pooledConn, n), closed: make(chan struct{})}
	for range n {
		conn, err := db.Conn(ctx)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("connect: %w", err)
		}
		c := &pooledConn{conn: conn, stmts: map[string]*sql.Stmt{}}
		p.all = append(p.all, c)
		p.free <- c
	}
	return p, nil
}

// take waits for a free connection, in arrival order.
func (p *connPool) take(ctx context.Context) (*pooledConn, error) {
	select {
	case <-p.closed:
		return nil, errStoreClosed
	default:
	}
	select {
	case <-p.closed:
		return nil, errStoreClosed
	case c := <-p.free:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *connPool) put(c *pooledConn) { p.free <- c }

// close closes every statement and connection; no connection may be out.
func (p *connPool) close() error {
	close(p.closed)
	var errs []error
	for _, c := range p.all {
		for _, stmt := range c.stmts {
			errs = append(errs, stmt.Close())
		}
		errs = append(errs, c.conn.Close())
	}
	return errors.Join(errs...)
}

// stmt returns q's statement prepared on this connection, preparing it the
// first time; nil for a statement not worth keeping (see maxCachedArgs).
func (c *pooledConn) stmt(ctx context.Context, q string, args int) (*sql.Stmt, error) {
	if stmt, ok := c.stmts[q]; ok {
		return stmt, nil
	}
	if args > maxCachedArgs || len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	stmt, err := c.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.stmts[q] = stmt
	return stmt, nil
}

// inTx runs fn between begin (BEGIN or BEGIN IMMEDIATE) and COMMIT on c,
// rolling back when fn fails. The transaction is ended with a context of
// its own, so a connection never goes back to the pool inside one.
func (c *pooledConn) inTx(ctx context.Context, begin string, fn func() error) (err error) {
	end := context.WithoutCancel(ctx)
	if err := c.control(end, begin); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(); err != nil {
		// A failure SQLite answered by rolling back already makes this
		// ROLLBACK fail ("no transaction is active"): nothing to undo.
		_ = c.control(end, `ROLLBACK`)
		return err
	}
	if err := c.control(end, `COMMIT`); err != nil {
		_ = c.control(end, `ROLLBACK`)
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// control runs BEGIN, COMMIT or ROLLBACK from its prepared statement: a
// read of a single row is three statements, and parsing the two around it
// again each time (with a goroutine watching ctx for each) cost a sixth of
// a GET /licenses on SQLite.
func (c *pooledConn) control(ctx context.Context, q string) error {
	stmt, err := c.stmt(ctx, q, 0)
	if err != nil {
		return err
	}
	if stmt == nil {
		_, err = c.conn.ExecContext(ctx, q)
		return err
	}
	_, err = stmt.ExecContext(ctx)
	return err
}
