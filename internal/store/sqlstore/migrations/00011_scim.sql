-- SCIM 2.0 provisioning (issue 10, internal/workspace/provisioning.go):
-- what an identity provider keeps of a person, and when it deleted them.
-- A deprovisioned user is an inactive user that SCIM no longer sees.

-- +goose Up
ALTER TABLE users ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deprovisioned_at TEXT;
-- SCIM lists by id and filters by externalId; userName is email_norm's
-- unique index already.
CREATE INDEX users_org_external_id ON users (org_id, external_id);

-- +goose Down
DROP INDEX users_org_external_id;
ALTER TABLE users DROP COLUMN deprovisioned_at;
ALTER TABLE users DROP COLUMN family_name;
ALTER TABLE users DROP COLUMN given_name;
ALTER TABLE users DROP COLUMN external_id;
