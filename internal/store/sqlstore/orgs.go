package sqlstore

import (
	"context"
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

// poolsQuery counts assigned and reserved licenses from the rows themselves
// (R4): never from counters that could drift.
const poolsQuery = `SELECT p.product, p.name, p.total,
  (SELECT COUNT(*) FROM user_licenses ul WHERE ul.org_id = p.org_id AND ul.product = p.product),
  (SELECT COUNT(*) FROM invite_licenses il
     WHERE il.org_id = p.org_id AND il.product = p.product AND il.reserved_until > ?)
FROM license_pools p WHERE p.org_id = ? ORDER BY p.product`

func (t *tx) pools(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	rows, err := t.query(ctx, poolsQuery, ts(now), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []workspace.LicensePool
	for rows.Next() {
		var p workspace.LicensePool
		if err := rows.Scan(&p.Product, &p.Name, &p.Total, &p.Assigned, &p.Reserved); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &workspace.NotFoundError{Kind: "org", Key: orgID}
	}
	return out, nil
}

func (t *tx) LockPools(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	if suffix := t.d.LockPoolsSuffix(); suffix != "" {
		// Lock the pool rows first (in a stable order, so two transactions
		// never deadlock), then count under the lock.
		if _, err := t.exec(ctx, `SELECT product FROM license_pools WHERE org_id = ? ORDER BY product `+suffix, orgID); err != nil {
			return nil, err
		}
	}
	return t.pools(ctx, orgID, now)
}

func (t *tx) Pools(ctx context.Context, orgID string, now time.Time) ([]workspace.LicensePool, error) {
	return t.pools(ctx, orgID, now)
}

func (t *tx) SetPoolTotal(ctx context.Context, orgID, product string, total int) error {
	res, err := t.exec(ctx, `UPDATE license_pools SET total = ? WHERE org_id = ? AND product = ?`, total, orgID, product)
	if err != nil {
		return err
	}
	return checkAffected(res, "product", product)
}
