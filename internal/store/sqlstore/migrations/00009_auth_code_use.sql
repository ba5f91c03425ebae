-- An authorization request whose code was exchanged is kept, marked used
-- with the family of the tokens it gave, until it expires: a second use of
-- the code is then recognised and revokes those tokens (RFC 6749 §4.1.2:
-- the code may have been stolen), where a deleted request left only "unknown
-- code".

-- +goose Up
ALTER TABLE oauth_auth_requests ADD COLUMN used_at TEXT;
ALTER TABLE oauth_auth_requests ADD COLUMN family_id TEXT;

-- +goose Down
ALTER TABLE oauth_auth_requests DROP COLUMN family_id;
ALTER TABLE oauth_auth_requests DROP COLUMN used_at;
