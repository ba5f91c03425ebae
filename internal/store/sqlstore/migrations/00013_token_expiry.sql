-- API tokens may expire (issue 12, finding 11): wsctl tokens create
-- --expires-in. NULL is a token that does not expire.

-- +goose Up
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
