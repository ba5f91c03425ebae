package sqlstore

import (
	"context"

	"github.com/wsctl/wsctl/internal/workspace"
)

// The org's upstream identity provider (migrations 00003 and 00010); its
// client secret is sealed (sealed.go).

func (t *tx) IdentityProvider(ctx context.Context, orgID string) (workspace.IdentityProvider, error) {
	p := workspace.IdentityProvider{OrgID: orgID}
	var domains, scopes, updated string
	var providerOnly int
	err := t.queryRow(ctx, `SELECT kind, display_name, issuer, client_id, client_secret, authorize_url, token_url, token_info_url,
			scopes, portal_id, allowed_domains, provider_only, updated_at
		FROM org_identity_providers WHERE org_id = ?`, orgID).
		Scan(&p.Kind, &p.Name, &p.Issuer, &p.ClientID, &p.ClientSecret, &p.AuthorizeURL, &p.TokenURL, &p.TokenInfoURL,
			&scopes, &p.PortalID, &domains, &providerOnly, &updated)
	if err != nil {
		return p, notFound(err, "identity provider", orgID)
	}
	if p.ClientSecret, err = sealedIdPSecret.open(t.keys, orgID, p.ClientSecret); err != nil {
		return p, err
	}
	p.Domains, p.Scopes, p.ProviderOnly = splitList[string](domains), splitList[string](scopes), providerOnly != 0
	p.UpdatedAt, err = parseTime(updated)
	return p, err
}

func (t *tx) PutIdentityProvider(ctx context.Context, p workspace.IdentityProvider) error {
	_, err := t.exec(ctx, `INSERT INTO org_identity_providers (org_id, kind, display_name, issuer, client_id, client_secret,
			authorize_url, token_url, token_info_url, scopes, portal_id, allowed_domains, provider_only, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET kind = excluded.kind, display_name = excluded.display_name, issuer = excluded.issuer,
			client_id = excluded.client_id, client_secret = excluded.client_secret,
			authorize_url = excluded.authorize_url, token_url = excluded.token_url, token_info_url = excluded.token_info_url,
			scopes = excluded.scopes, portal_id = excluded.portal_id,
			allowed_domains = excluded.allowed_domains, provider_only = excluded.provider_only, updated_at = excluded.updated_at`,
		p.OrgID, string(p.Kind), p.Name, p.Issuer, p.ClientID, sealedIdPSecret.seal(t.keys, p.OrgID, p.ClientSecret), p.AuthorizeURL, p.TokenURL, p.TokenInfoURL,
		joinList(p.Scopes), p.PortalID, joinList(p.Domains), boolInt(p.ProviderOnly), ts(p.UpdatedAt))
	return err
}

func (t *tx) DeleteIdentityProvider(ctx context.Context, orgID string) error {
	res, err := t.exec(ctx, `DELETE FROM org_identity_providers WHERE org_id = ?`, orgID)
	if err != nil {
		return err
	}
	return checkAffected(res, "identity provider", orgID)
}
