-- users.sessions_revoked_at is when the user's sessions were last revoked
-- (R9 deactivation, R12 MFA reset). An authorization may be completed only
-- from a sign-in made after it, checked in the completing transaction: the
-- browser session was checked earlier, in its own transaction, and a
-- revocation between the two would otherwise let tokens be issued to a
-- session it had ended.

-- +goose Up
ALTER TABLE users ADD COLUMN sessions_revoked_at TEXT;

-- +goose Down
ALTER TABLE users DROP COLUMN sessions_revoked_at;
