package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// poolCounters (migration 12) keeps, on each license pool, how many of its
// licenses users hold (assigned) and how many invite rows reserve one
// (reserving, plus the reserving of its slots in license_pool_slots:
// reserved_until set, whether still live or expired), kept by triggers in
// the same transaction as the rows, so they cannot drift from them.
//
// Why: R4 counted both from the rows at every claim, so a claim cost grew
// with the org's pending invites (after a few thousand single invites the
// count was a sixth of an invite's time), and on PostgreSQL the org's pool
// rows stayed locked from the first statement of a change to its commit.
// With counters a pool is a few rows to read, and on PostgreSQL a single
// invite is decided without the pool lock and counted at commit into one
// of eight slot rows, so concurrent invites into one org do not queue on
// one hot row (postgresCounters).
//
// The triggers' SQL differs per database, so this migration is Go.
func poolCounters(dialect goose.Dialect) *goose.Migration {
	up, down, sweep := sqliteCounters, sqliteCountersDown, sweepAllExpired
	if dialect == goose.DialectPostgres {
		up, down, sweep = postgresCounters, postgresCountersDown, strings.Replace(sweepAllExpired, "?", "$1", 1)
	}
	return goose.NewGoMigration(12,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			// Expired reservations are released first, so that the
			// counters start as exact as the rows.
			if err := execAll(ctx, tx, countersColumns); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sweep, ts(time.Now())); err != nil {
				return err
			}
			return execAll(ctx, tx, append([]string{fillCounters}, up...))
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return execAll(ctx, tx, down) }})
}

func execAll(ctx context.Context, tx *sql.Tx, stmts []string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

var countersColumns = []string{
	`ALTER TABLE license_pools ADD COLUMN assigned INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE license_pools ADD COLUMN reserving INTEGER NOT NULL DEFAULT 0`,
	`CREATE TABLE license_pool_slots (
    org_id    TEXT NOT NULL,
    product   TEXT NOT NULL,
    slot      INTEGER NOT NULL,
    reserving INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, product, slot),
    FOREIGN KEY (org_id, product) REFERENCES license_pools (org_id, product)
)`,
	`INSERT INTO license_pool_slots (org_id, product, slot)
SELECT p.org_id, p.product, s.slot FROM license_pools p CROSS JOIN (` + slotNumbers() + `) s`,
}

// poolSlots is how many rows a pool's reservations by single invites are
// spread over on PostgreSQL (PoolsForInvite): invites committing at once
// mostly lock different rows. Every pool has them from its creation, so
// that LockPools can lock them all.
const poolSlots = 8

// slotNumbers is a query of the numbers 0 … poolSlots-1, column slot.
func slotNumbers() string {
	q := make([]string, poolSlots)
	for i := range q {
		q[i] = fmt.Sprintf("SELECT %d AS slot", i)
	}
	return strings.Join(q, " UNION ALL ")
}

// sweepAllExpired releases the reservations of every expired invite
// (argument: now); LockPools does the same for one org (sweepExpired).
const sweepAllExpired = `UPDATE invite_licenses SET reserved_until = NULL WHERE reserved_until <= ?`

const fillCounters = `UPDATE license_pools SET
  assigned = (SELECT COUNT(*) FROM user_licenses ul
              WHERE ul.org_id = license_pools.org_id AND ul.product = license_pools.product),
  reserving = (SELECT COUNT(*) FROM invite_licenses il
               WHERE il.org_id = license_pools.org_id AND il.product = license_pools.product
                 AND il.reserved_until IS NOT NULL)`

var sqliteCounters = []string{
	`CREATE TRIGGER user_licenses_count_insert AFTER INSERT ON user_licenses BEGIN
  UPDATE license_pools SET assigned = assigned + 1 WHERE org_id = NEW.org_id AND product = NEW.product;
END`,
	`CREATE TRIGGER user_licenses_count_delete AFTER DELETE ON user_licenses BEGIN
  UPDATE license_pools SET assigned = assigned - 1 WHERE org_id = OLD.org_id AND product = OLD.product;
END`,
	`CREATE TRIGGER user_licenses_count_update AFTER UPDATE ON user_licenses BEGIN
  UPDATE license_pools SET assigned = assigned - 1 WHERE org_id = OLD.org_id AND product = OLD.product;
  UPDATE license_pools SET assigned = assigned + 1 WHERE org_id = NEW.org_id AND product = NEW.product;
END`,
	`CREATE TRIGGER invite_licenses_count_insert AFTER INSERT ON invite_licenses
WHEN NEW.reserved_until IS NOT NULL BEGIN
  UPDATE license_pools SET reserving = reserving + 1 WHERE org_id = NEW.org_id AND product = NEW.product;
END`,
	`CREATE TRIGGER invite_licenses_count_delete AFTER DELETE ON invite_licenses
WHEN OLD.reserved_until IS NOT NULL BEGIN
  UPDATE license_pools SET reserving = reserving - 1 WHERE org_id = OLD.org_id AND product = OLD.product;
END`,
	`CREATE TRIGGER invite_licenses_count_update AFTER UPDATE ON invite_licenses BEGIN
  UPDATE license_pools SET reserving = reserving - 1
   WHERE OLD.reserved_until IS NOT NULL AND org_id = OLD.org_id AND product = OLD.product;
  UPDATE license_pools SET reserving = reserving + 1
   WHERE NEW.reserved_until IS NOT NULL AND org_id = NEW.org_id AND product = NEW.product;
END`,
}

var sqliteCountersDown = []string{
	`DROP TABLE license_pool_slots`,
	`DROP TRIGGER user_licenses_count_insert`,
	`DROP TRIGGER user_licenses_count_delete`,
	`DROP TRIGGER user_licenses_count_update`,
	`DROP TRIGGER invite_licenses_count_insert`,
	`DROP TRIGGER invite_licenses_count_delete`,
	`DROP TRIGGER invite_licenses_count_update`,
	`ALTER TABLE license_pools DROP COLUMN reserving`,
	`ALTER TABLE license_pools DROP COLUMN assigned`,
}

// postgresCounters: the same counting, except that a single invite's
// reservation, when the transaction read the pools without locking them
// (PoolsForInvite), is counted at commit into one of the pool's slots
// (invite_licenses_count_at_commit), which refuses it unless the pool
// stays more than poolSlots licenses clear of full: the invites committing
// at once hold one slot each, so together they can never take the last
// license, and a pool that close to full is decided under the lock.
// license_pools_within_total runs at commit for every pool row the
// transaction changed: it refuses a pool over its total, and a pool left
// full by a transaction that did not hold the pool lock. Store.Update
// decides a refused change again under the lock (SQLSTATE WS409,
// Dialect.IsRetryable).
var postgresCounters = []string{
	`CREATE FUNCTION user_licenses_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE license_pools SET assigned = assigned - 1 WHERE org_id = OLD.org_id AND product = OLD.product;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE license_pools SET assigned = assigned + 1 WHERE org_id = NEW.org_id AND product = NEW.product;
  END IF;
  RETURN NULL;
END $$`,
	`CREATE TRIGGER user_licenses_count AFTER INSERT OR UPDATE OR DELETE ON user_licenses
FOR EACH ROW EXECUTE FUNCTION user_licenses_count()`,
	`CREATE FUNCTION invite_licenses_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.reserved_until IS NOT NULL THEN
    UPDATE license_pools SET reserving = reserving - 1 WHERE org_id = OLD.org_id AND product = OLD.product;
  END IF;
  IF (TG_OP = 'UPDATE' OR ` + notCountedAtCommit + `) AND NEW.reserved_until IS NOT NULL THEN
    UPDATE license_pools SET reserving = reserving + 1 WHERE org_id = NEW.org_id AND product = NEW.product;
  END IF;
  RETURN NULL;
END $$`,
	`CREATE TRIGGER invite_licenses_count AFTER INSERT OR UPDATE OR DELETE ON invite_licenses
FOR EACH ROW EXECUTE FUNCTION invite_licenses_count()`,
	`CREATE FUNCTION invite_licenses_count_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total integer;
  used integer;
BEGIN
  IF ` + notCountedAtCommit + ` OR NEW.reserved_until IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE license_pool_slots SET reserving = reserving + 1
   WHERE org_id = NEW.org_id AND product = NEW.product AND slot = pg_backend_pid() % ` + slotCount + `;
  SELECT p.total, p.assigned + p.reserving + (SELECT sum(s.reserving) FROM license_pool_slots s
                                              WHERE s.org_id = p.org_id AND s.product = p.product)
    INTO total, used FROM license_pools p WHERE p.org_id = NEW.org_id AND p.product = NEW.product;
  -- The invites committing in the other slots add at most one each.
  IF used + ` + slotCount + ` > total THEN
    RAISE EXCEPTION 'license pool % of org % is too close to full to count without the pool lock: % of % in use',
      NEW.product, NEW.org_id, used, total USING ERRCODE = 'WS409';
  END IF;
  RETURN NULL;
END $$`,
	`CREATE CONSTRAINT TRIGGER invite_licenses_count_at_commit AFTER INSERT ON invite_licenses
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION invite_licenses_count_at_commit()`,
	`CREATE FUNCTION license_pools_within_total() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p license_pools%ROWTYPE;
BEGIN
  -- The row as this transaction leaves it, not as this event saw it.
  SELECT * INTO p FROM license_pools WHERE org_id = NEW.org_id AND product = NEW.product;
  p.reserving := p.reserving + (SELECT sum(s.reserving) FROM license_pool_slots s
                                WHERE s.org_id = p.org_id AND s.product = p.product);
  IF p.assigned + p.reserving > p.total
     OR (p.assigned + p.reserving = p.total AND p.total > 0
         AND coalesce(current_setting('` + poolsModeSetting + `', true), '') <> '` + poolsLocked + `') THEN
    RAISE EXCEPTION 'license pool % of org % needs the pool lock: % assigned, % reserved, % in all',
      p.product, p.org_id, p.assigned, p.reserving, p.total USING ERRCODE = 'WS409';
  END IF;
  RETURN NULL;
END $$`,
	`CREATE CONSTRAINT TRIGGER license_pools_within_total AFTER UPDATE ON license_pools
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION license_pools_within_total()`,
}

var postgresCountersDown = []string{
	`DROP TRIGGER license_pools_within_total ON license_pools`,
	`DROP FUNCTION license_pools_within_total()`,
	`DROP TRIGGER invite_licenses_count_at_commit ON invite_licenses`,
	`DROP FUNCTION invite_licenses_count_at_commit()`,
	`DROP TRIGGER invite_licenses_count ON invite_licenses`,
	`DROP FUNCTION invite_licenses_count()`,
	`DROP TRIGGER user_licenses_count ON user_licenses`,
	`DROP FUNCTION user_licenses_count()`,
	`DROP TABLE license_pool_slots`,
	`ALTER TABLE license_pools DROP COLUMN reserving`,
	`ALTER TABLE license_pools DROP COLUMN assigned`,
}

// poolsModeSetting is a PostgreSQL setting local to a transaction that
// says how it treats the pools: poolsLocked (LockPools holds the pool
// rows; the transaction may fill a pool) or poolsCountedAtCommit
// (PoolsForInvite read them unlocked; new reservations are counted at
// commit). Only PostgreSQL transactions set it (setPoolsMode).
const (
	poolsModeSetting     = "wsctl.pools"
	poolsLocked          = "locked"
	poolsCountedAtCommit = "counted_at_commit"
)

// slotCount is poolSlots in SQL.
var slotCount = fmt.Sprint(poolSlots)

// notCountedAtCommit is true in a trigger unless the transaction counts its
// new reservations at commit.
const notCountedAtCommit = `coalesce(current_setting('` + poolsModeSetting + `', true), '') <> '` + poolsCountedAtCommit + `'`

// setPoolsMode is a PostgreSQL expression that sets the transaction's pools
// mode, to be selected in a statement the transaction runs anyway.
func setPoolsMode(mode string) string {
	return `set_config('` + poolsModeSetting + `', '` + mode + `', true)`
}
