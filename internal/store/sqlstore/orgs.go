package sqlstore

import (
	"context"
	"errors"
	"fmt"
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

// poolsQuery reads the pools with their counters (migrate_counters.go) and,
// per pool, the reservations of invites expired by now and not yet swept,
// which the counters still hold.
const poolsQuery = `SELECT p.product, p.name, p.total, p.assigned, p.reserving,
  (SELECT COUNT(*) FROM invite_licenses il
     WHERE il.org_id = p.org_id AND il.product = p.product AND il.reserved_until <= ?)
FROM license_pools p WHERE p.org_id = ? ORDER BY p.product`

// pools reads the org's pools as R4 counts them, and how many expired
// reservations the counters still hold.
func (t *tx) pools(ctx context.Context, orgID string, now time.Time) (out []workspace.LicensePool, expired int, err error) {
	rows, err := t.query(ctx, poolsQuery, ts(now), orgID)
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

// LockPools locks the org's pools (PostgreSQL: the rows, in a stable order
// so that two transactions never deadlock on them, and tells the commit's
// check so; SQLite: the write transaction already holds the database),
// releases the reservations of invites expired by now so that the
// counters stay exact, and returns the pools.
func (t *tx) LockPools(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	if suffix := t.d.LockPoolsSuffix(); suffix != "" {
		if _, err := t.exec(ctx, `SELECT `+setPoolsMode(poolsLocked)+`, product FROM license_pools WHERE org_id = ? ORDER BY product `+suffix, orgID); err != nil {
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

// PoolsForInvites, on the first attempt of a change on PostgreSQL, reads the
// pools without locking them and has the new invites' reservations counted
// at commit (migrate_counters.go): the pool rows are then locked only while
// the transaction commits, and the commit's check refuses a pool left over
// its total or full, so that Store.Update decides the change again, under
// LockPools. Elsewhere it is LockPools.
func (t *tx) PoolsForInvites(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	if !t.optimistic {
		return t.LockPools(ctx, orgID, now)
	}
	if _, err := t.exec(ctx, `SELECT `+setPoolsMode(poolsCountedAtCommit)); err != nil {
		return nil, err
	}
	return t.Pools(ctx, orgID, now)
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
		rows, err := t.query(ctx, `SELECT p.org_id, p.product, p.assigned, p.reserving,
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
