-- An org's identity provider is of a kind: OpenID Connect (found by
-- discovery at its issuer, as before) or HubSpot's plain OAuth 2.0, which
-- has no discovery: its endpoints, scopes and the HubSpot account (portal)
-- whose users sign in are kept here. provider_only hides the password form
-- for the org's people. Existing rows are OpenID Connect with passwords, as
-- they were. The same SQL runs on SQLite and PostgreSQL.

-- +goose Up
ALTER TABLE org_identity_providers ADD COLUMN kind TEXT NOT NULL DEFAULT 'oidc';
ALTER TABLE org_identity_providers ADD COLUMN authorize_url TEXT NOT NULL DEFAULT '';
ALTER TABLE org_identity_providers ADD COLUMN token_url TEXT NOT NULL DEFAULT '';
ALTER TABLE org_identity_providers ADD COLUMN token_info_url TEXT NOT NULL DEFAULT '';
ALTER TABLE org_identity_providers ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE org_identity_providers ADD COLUMN portal_id TEXT NOT NULL DEFAULT '';
ALTER TABLE org_identity_providers ADD COLUMN provider_only INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE org_identity_providers DROP COLUMN provider_only;
ALTER TABLE org_identity_providers DROP COLUMN portal_id;
ALTER TABLE org_identity_providers DROP COLUMN scopes;
ALTER TABLE org_identity_providers DROP COLUMN token_info_url;
ALTER TABLE org_identity_providers DROP COLUMN token_url;
ALTER TABLE org_identity_providers DROP COLUMN authorize_url;
ALTER TABLE org_identity_providers DROP COLUMN kind;
