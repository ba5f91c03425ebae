package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

func (t *tx) CreateOrg(ctx context.Context, org workspace.Org, pools []workspace.LicensePool) error {
	if _, err := t.exec(ctx, `INSERT INTO orgs (id, slug, name, auto_signup, created_at) VALUES (?, ?, ?, ?, ?)`,
		org.ID, org.Slug, org.Name, boolInt(org.AutoSignup), ts(org.CreatedAt)); err != nil {
		return err
	}
	for _, p := range pools {
		if _, err := t.exec(ctx, `INSERT INTO license_pools (org_id, product, name, total) VALUES (?, ?, ?, ?)`,
			org.ID, p.Product, p.Name, p.Total); err != nil {
			return err
		}
		slots := make([]any, 0, 3*poolSlots)
		for i := range poolSlots {
			slots = append(slots, org.ID, p.Product, i)
		}
		if _, err := t.exec(ctx, `INSERT INTO license_pool_slots (org_id, product, slot) VALUES `+rowsOf(poolSlots, 3), slots...); err != nil {
			return err
		}
	}
	return nil
}

const orgColumns = `id, slug, name, auto_signup, created_at`

func scanOrg(row interface{ Scan(...any) error }) (workspace.Org, error) {
	var o workspace.Org
	var auto int
	var created string
	if err := row.Scan(&o.ID, &o.Slug, &o.Name, &auto, &created); err != nil {
		return o, err
	}
	o.AutoSignup = auto != 0
	var err error
	o.CreatedAt, err = parseTime(created)
	return o, err
}

func (t *tx) OrgBySlug(ctx context.Context, slug string) (workspace.Org, error) {
	o, err := scanOrg(t.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE slug = ?`, slug))
	return o, notFound(err, "org", slug)
}

func (t *tx) OrgByID(ctx context.Context, id string) (workspace.Org, error) {
	o, err := scanOrg(t.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = ?`, id))
	return o, notFound(err, "org", id)
}

func (t *tx) SetAutoSignup(ctx context.Context, orgID string, on bool) error {
	res, err := t.exec(ctx, `UPDATE orgs SET auto_signup = ? WHERE id = ?`, boolInt(on), orgID)
	if err != nil {
		return err
	}
	return checkAffected(res, "org", orgID)
}

// poolsQuery reads the pools with their counters (migrate_counters.go):
// reserving is the pool's own counter plus its slots', and, per pool, the
// reservations of invites expired by now and not yet swept, which the
// counters still hold.
const poolsQuery = `SELECT p.product, p.name, p.total, p.assigned, ` + poolReserving + `,
  (SELECT COUNT(*) FROM invite_licenses il
     WHERE il.org_id = p.org_id AND il.product = p.product AND il.reserved_until <= ?)
FROM license_pools p`

// poolReserving is a pool p's reservations as its counters hold them: its
// own counter plus its slots' (migrate_counters.go).
const poolReserving = `p.reserving + (SELECT COALESCE(SUM(s.reserving), 0) FROM license_pool_slots s
  WHERE s.org_id = p.org_id AND s.product = p.product)`

// poolsOfOrg ends poolsQuery for one org.
const poolsOfOrg = ` WHERE p.org_id = ? ORDER BY p.product`

// pools reads the org's pools as R4 counts them, and how many expired
// reservations the counters still hold.
func (t *tx) pools(ctx context.Context, orgID string, now time.Time) (out []workspace.LicensePool, expired int, err error) {
	return t.poolsSetting(ctx, orgID, now, "")
}

// poolsSetting is pools, setting the transaction's pools mode in the same
// statement when mode is not "" (PostgreSQL only; a statement is a round
// trip there).
func (t *tx) poolsSetting(ctx context.Context, orgID string, now time.Time, mode string) (out []workspace.LicensePool, expired int, err error) {
	q := poolsQuery + poolsOfOrg
	if mode != "" {
		q = poolsQuery + ` CROSS JOIN (SELECT ` + setPoolsMode(mode) + `) mode` + poolsOfOrg
	}
	rows, err := t.query(ctx, q, ts(now), orgID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var p workspace.LicensePool
		var reserving, stale int
		if err := rows.Scan(&p.Product, &p.Name, &p.Total, &p.Assigned, &reserving, &stale); err != nil {
			return nil, 0, err
		}
		p.Reserved = reserving - stale
		expired += stale
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return nil, 0, &workspace.NotFoundError{Kind: "org", Key: orgID}
	}
	return out, expired, nil
}

// LockPools locks the org's pools (PostgreSQL: the rows and their slots,
// in a stable order so that two transactions never deadlock on them, and
// tells the commit's check so; SQLite: the write transaction already holds
// the database), releases the reservations of invites expired by now so
// that the counters stay exact, and returns the pools.
func (t *tx) LockPools(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	if suffix := t.d.LockPoolsSuffix(); suffix != "" {
		if _, err := t.exec(ctx, `SELECT `+setPoolsMode(poolsLocked)+`, product FROM license_pools WHERE org_id = ? ORDER BY product `+suffix, orgID); err != nil {
			return nil, err
		}
		// Wait for the invites counting into the slots to commit, and keep
		// others out until this transaction ends.
		if _, err := t.exec(ctx, `SELECT slot FROM license_pool_slots WHERE org_id = ? ORDER BY product, slot `+suffix, orgID); err != nil {
			return nil, err
		}
	}
	pools, expired, err := t.pools(ctx, orgID, now)
	if err != nil || expired == 0 {
		return pools, err
	}
	// The counts above already leave the expired reservations out.
	_, err = t.exec(ctx, `UPDATE invite_licenses SET reserved_until = NULL WHERE org_id = ? AND reserved_until <= ?`, orgID, ts(now))
	return pools, err
}

// PoolsForInvite, on the first attempt of a change on PostgreSQL, reads the
// pools without locking them, and the new invite's reservations are
// counted at commit into one of the pool's slots (migrate_counters.go):
// the invite locks a slot only while it commits, and concurrent invites
// mostly lock different slots. At commit the invite is refused (and
// decided again under LockPools, Store.Update) unless its pools keep more
// licenses free than there are slots, so that the invites committing at
// once in the other slots, one reservation each, cannot take the last. When
// a pool of products is already that close to full, the pools are locked at
// once. Elsewhere it is LockPools.
func (t *tx) PoolsForInvite(ctx context.Context, orgID string, products []string, now time.Time) ([]workspace.LicensePool, error) {
	if !t.optimistic {
		return t.LockPools(ctx, orgID, now)
	}
	// LockPools sets the mode back to locked if it is needed after all.
	pools, _, err := t.poolsSetting(ctx, orgID, now, poolsCountedAtCommit)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		if slices.Contains(products, p.Product) && p.Available() <= poolSlots {
			return t.LockPools(ctx, orgID, now)
		}
	}
	return pools, nil
}

func (t *tx) Pools(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	pools, _, err := t.pools(ctx, orgID, now)
	return pools, err
}

func (t *tx) SetPoolTotal(ctx context.Context, orgID, product string, total int) error {
	res, err := t.exec(ctx, `UPDATE license_pools SET total = ? WHERE org_id = ? AND product = ?`, total, orgID, product)
	if err != nil {
		return err
	}
	return checkAffected(res, "product", product)
}

// CheckPoolCounters recounts every pool's licenses from the rows and
// reports each pool whose counters (assigned, reserving) differ: the
// conformance suite runs it after every test, so a write that bypasses
// the counting triggers shows.
func (s *Store) CheckPoolCounters(ctx context.Context) error {
	var errs []error
	err := s.View(ctx, func(wtx workspace.Tx) error {
		t := wtx.(*tx)
		rows, err := t.query(ctx, `SELECT p.org_id, p.product, p.assigned, `+poolReserving+`,
  (SELECT COUNT(*) FROM user_licenses ul WHERE ul.org_id = p.org_id AND ul.product = p.product),
  (SELECT COUNT(*) FROM invite_licenses il
     WHERE il.org_id = p.org_id AND il.product = p.product AND il.reserved_until IS NOT NULL)
FROM license_pools p ORDER BY p.org_id, p.product`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var org, product string
			var assigned, reserving, heldBy, reservedBy int
			if err := rows.Scan(&org, &product, &assigned, &reserving, &heldBy, &reservedBy); err != nil {
				return err
			}
			if assigned != heldBy || reserving != reservedBy {
				errs = append(errs, fmt.Errorf("pool %s of org %s counts %d assigned and %d reserving; the rows hold %d and %d",
					product, org, assigned, reserving, heldBy, reservedBy))
			}
		}
		return rows.Err()
	})
	return errors.Join(append(errs, err)...)
}
