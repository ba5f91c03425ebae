-- Outbox delivery (issue 5): the mail worker's state of each message.
-- status is pending until sent or failed (given up: too many attempts or a
-- permanent SMTP error). A worker leases a message (lease_owner until
-- lease_until) while it sends; an expired lease makes the message due again.
-- next_attempt_at is when a pending message is due (backoff after a failure);
-- '' (a row written without it) sorts before every time: due at once.
-- Written in the SQL that SQLite and PostgreSQL share; times are fixed-width
-- UTC text (see sqlstore.timeLayout).

-- +goose Up
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
UPDATE outbox SET next_attempt_at = created_at;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- +goose Down
DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN lease_owner;
ALTER TABLE outbox DROP COLUMN next_attempt_at;
ALTER TABLE outbox DROP COLUMN status;
