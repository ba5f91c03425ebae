-- Password sign-in throttling per account and client (issue 12, finding 5):
-- failed attempts slow down the client that makes them, with growing
-- delays, instead of locking the account for everyone. client is the
-- client's address (ratelimit.ClientKey), or '*' for the account across
-- every client. succeeded_at marks a client the account signed in from
-- (exempt from the account-wide slowdown).

-- +goose Up
CREATE TABLE signin_throttle (
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    email_norm    TEXT NOT NULL,
    client        TEXT NOT NULL,
    failures      INTEGER NOT NULL,
    window_start  TEXT NOT NULL,
    blocked_until TEXT,
    succeeded_at  TEXT,
    PRIMARY KEY (org_id, email_norm, client)
);

-- +goose Down
DROP TABLE signin_throttle;
