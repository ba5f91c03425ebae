-- An invite's email names the invite it carries the link of, so that a
-- resend or a revocation can cancel the emails of that invite still waiting
-- to go out: their link no longer works (a resend replaces it, a revocation
-- ends it), and sending them would only confuse the person invited.

-- +goose Up
ALTER TABLE outbox ADD COLUMN invite_id TEXT;
CREATE INDEX outbox_invite ON outbox (invite_id);

-- +goose Down
DROP INDEX outbox_invite;
ALTER TABLE outbox DROP COLUMN invite_id;
