package sqlstore

import (
	"context"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The org's upstream OpenID Connect provider (migration 00003).

func (t *tx) IdentityProvider(ctx context.Context, orgID string) (workspace.IdentityProvider, error) {
	p := workspace.IdentityProvider{OrgID: orgID}
	var domains, updated string
	err := t.queryRow(ctx, `SELECT display_name, issuer, client_id, client_secret, allowed_domains, updated_at
		FROM org_identity_providers WHERE org_id = ?`, orgID).
		Scan(&p.Name, &p.Issuer, &p.ClientID, &p.ClientSecret, &domains, &updated)
	if err != nil {
		return p, notFound(err, "identity provider", orgID)
	}
	p.Domains = splitList[string](domains)
	p.UpdatedAt, err = parseTime(updated)
	return p, err
}

func (t *tx) PutIdentityProvider(ctx context.Context, p workspace.IdentityProvider) error {
	_, err := t.exec(ctx, `INSERT INTO org_identity_providers (org_id, display_name, issuer, client_id, client_secret, allowed_domains, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET display_name = excluded.display_name, issuer = excluded.issuer,
			client_id = excluded.client_id, client_secret = excluded.client_secret,
			allowed_domains = excluded.allowed_domains, updated_at = excluded.updated_at`,
		p.OrgID, p.Name, p.Issuer, p.ClientID, p.ClientSecret, joinList(p.Domains), ts(p.UpdatedAt))
	return err
}

func (t *tx) DeleteIdentityProvider(ctx context.Context, orgID string) error {
	res, err := t.exec(ctx, `DELETE FROM org_identity_providers WHERE org_id = ?`, orgID)
	if err != nil {
		return err
	}
	return checkAffected(res, "identity provider", orgID)
}
